import _CLAPACK
import Foundation

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

    /// The path of the shared object that provides `cblas_dgemm` in this process
    /// (the mapping in `/proc/self/maps` that contains its address; "unknown" elsewhere).
    public static var path: String {
        let fn: @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, Double,
                                UnsafePointer<Double>?, blasint, UnsafePointer<Double>?, blasint, Double,
                                UnsafeMutablePointer<Double>?, blasint) -> Void = cblas_dgemm
        let address = UInt(bitPattern: unsafeBitCast(fn, to: UnsafeRawPointer.self))
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return "unknown" }
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6 else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16),
                  address >= lo && address < hi else { continue }
            let p = fields[5...].joined(separator: " ")
            return (p as NSString).resolvingSymlinksInPath
        }
        return "unknown"
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses for one call.
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Runs `body` with BLAS limited to one thread, restoring the previous count afterwards.
    ///
    /// Use around loops that are parallel themselves (placebos, bootstrap draws):
    /// each worker then runs single-threaded BLAS instead of oversubscribing the cores.
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        let previous = threadCount
        setThreadCount(1)
        defer { setThreadCount(previous) }
        return try body()
    }
}
