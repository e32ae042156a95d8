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

    /// The path of the shared object that provides `cblas_dgemm` in this process.
    public static var path: String {
        guard let c = impacteval_blas_library_path() else { return "unknown" }
        let p = String(cString: c)
        let resolved = (p as NSString).resolvingSymlinksInPath
        return resolved.isEmpty ? p : resolved
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
