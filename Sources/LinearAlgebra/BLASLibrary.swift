import Foundation
import _CLAPACK

/// Facts about the BLAS/LAPACK library this process is linked with, and its thread control.
public enum BLASLibrary {
    /// OpenBLAS's build configuration string (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64").
    public static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }

    /// The CPU kernel set OpenBLAS selected at run time.
    public static var coreName: String {
        guard let c = openblas_get_corename() else { return "unknown" }
        return String(cString: c)
    }

    /// The BLAS shared object mapped into this process (OpenBLAS if mapped, else the first file whose
    /// name contains "blas"), symlinks resolved; "unknown" where `/proc/self/maps` is unavailable.
    public static var path: String {
        let libraries = loadedLibraries
        return libraries.first { ($0 as NSString).lastPathComponent.contains("openblas") }
            ?? libraries.first { ($0 as NSString).lastPathComponent.contains("blas") } ?? "unknown"
    }

    /// Every BLAS/LAPACK shared object mapped into this process (names containing "blas" or "lapack"), in map order.
    public static var loadedLibraries: [String] {
        _ = openblas_get_num_threads() // make sure the library is loaded and mapped
        // Read to the end: /proc files report size 0, so a size-based read stops after one page.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps"),
            let data = try? handle.readToEnd()
        else { return [] }
        let maps = String(decoding: data, as: UTF8.self)
        var seen: [String] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[5].hasPrefix("/") else { continue }
            let path = fields[5...].joined(separator: " ")
            let name = (path as NSString).lastPathComponent.lowercased()
            guard name.contains("blas") || name.contains("lapack") else { continue }
            let resolved = (path as NSString).resolvingSymlinksInPath
            if !seen.contains(resolved) { seen.append(resolved) }
        }
        return seen
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses for one call.
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Runs `body` with BLAS limited to one thread, restoring the previous count afterwards.
    ///
    /// Use around loops that are parallel themselves (placebos, bootstrap draws):
    /// each worker then runs single-threaded BLAS instead of oversubscribing the cores.
    /// OpenBLAS's thread count is process-wide, so overlapping calls (from several
    /// threads) are counted: the first to enter sets one thread, the last to leave
    /// restores the count it found.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        SingleThreadScope.enter()
        defer { SingleThreadScope.leave() }
        return try body()
    }
}

/// The nesting count behind `BLASLibrary.withSingleThread`.
private enum SingleThreadScope {
    nonisolated(unsafe) static var depth = 0
    nonisolated(unsafe) static var saved = 1
    static let lock = NSLock()

    static func enter() {
        lock.lock()
        defer { lock.unlock() }
        if depth == 0 {
            saved = BLASLibrary.threadCount
            BLASLibrary.setThreadCount(1)
        }
        depth += 1
    }

    static func leave() {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0 { BLASLibrary.setThreadCount(saved) }
    }
}
