import _CLAPACK

/// Small dense solves on caller-owned buffers, for inner loops that must not allocate.
///
/// Matrices of at most `unblockedLimit` columns go through the unblocked kernels of
/// `DenseSolver+Unblocked.swift` (the algorithms of LAPACK's `dgetf2`, `dgeqr2` and `dpotf2`),
/// larger ones through LAPACK. At these sizes OpenBLAS's per-call costs (a lock around its buffer
/// pool, thread checks, an x87 `dnrm2`) outweigh the arithmetic: in the synthetic-control placebo
/// loop, whose inner solves have 8 to 25 columns, they were a fifth of the time.
public enum DenseSolver {
    /// The most columns for which the unblocked kernels are used.
    public static let unblockedLimit = 32

    /// Solves the n x n system `a x = b` in place by LU with partial pivoting (`dgesv` above
    /// `unblockedLimit`): `a` (column-major, overwritten by its factors) and `b` (overwritten by x).
    /// `pivots` needs room for n entries. Returns false when `a` is exactly singular.
    public static func solveInPlace(
        _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int,
        pivots: UnsafeMutablePointer<Int32>
    ) -> Bool {
        if n <= unblockedLimit { return unblockedLUSolve(a, b, n: n) }
        let nn = LAPACKInt(n)
        // The `_work` entry point skips LAPACKE's NaN scan, which costs as much as the solve at this size.
        return LAPACKE_dgesv_work(LAPACK_COL_MAJOR, nn, 1, a, nn, pivots, b, nn) == 0
    }

    /// The workspace length `householderQRInPlace` needs for a rows x columns matrix (`columns` for
    /// the unblocked kernel; above `unblockedLimit` LAPACK's optimal size for `dgeqrf`).
    public static func householderWorkspaceCount(rows: Int, columns: Int) -> Int {
        if columns <= unblockedLimit { return max(columns, 1) }
        let m = LAPACKInt(rows), n = LAPACKInt(columns)
        // A query (lwork = −1) reads neither matrix nor reflectors, so one-element stand-ins serve.
        var a = [0.0], tau = [0.0]
        var query = 0.0
        _ = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, &a, max(m, 1), &tau, &query, -1)
        return max(Int(query), 1)
    }

    /// The Householder QR factorisation of the rows x columns matrix `a` in place, in LAPACK's
    /// packed form (`dgeqrf` above `unblockedLimit`, as `Matrix.qr`), reflector scalars into `tau`.
    /// Returns false on an illegal argument, and in the unblocked kernel on a non-finite entry or a
    /// reflector too small to form without rescaling.
    public static func householderQRInPlace(
        _ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int, tau: UnsafeMutablePointer<Double>,
        work: UnsafeMutablePointer<Double>, workCount: Int
    ) -> Bool {
        if columns <= unblockedLimit {
            precondition(workCount >= columns, "householderWorkspaceCount(rows:columns:) entries of workspace")
            return unblockedQR(a, rows: rows, columns: columns, tau: tau, work: work)
        }
        return LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, LAPACKInt(rows), LAPACKInt(columns), a, LAPACKInt(max(rows, 1)), tau, work, LAPACKInt(workCount)) == 0
    }

    /// Overwrites the `rows`-vector x with Qᵀx (`transposed`) or Qx, Q = H₀H₁⋯H_{r−1} the product of
    /// the first `reflectors` Householder reflectors that `householderQRInPlace` left in `a` (as
    /// LAPACK's `dormqr` with one column). O(rows·reflectors), without forming Q.
    public static func applyHouseholderQ(
        _ a: UnsafePointer<Double>, rows: Int, reflectors: Int, tau: UnsafePointer<Double>, to x: UnsafeMutablePointer<Double>,
        transposed: Bool
    ) {
        precondition(reflectors <= rows, "at most one reflector per row")
        for step in 0..<reflectors {
            let j = transposed ? step : reflectors - 1 - step
            guard tau[j] != 0 else { continue }
            let top = a + j + j * rows, length = rows - j, target = x + j
            // v = (1, top[1...]): f = τ·vᵀx, then x −= f·v.
            let f = tau[j] * (target[0] + dot(top + 1, target + 1, length - 1))
            target[0] -= f
            for i in 1..<length { target[i] -= top[i] * f }
        }
    }

    /// The upper Cholesky factor of the n x n symmetric positive-definite `a` in place (upper
    /// triangle read and written; `dpotrf` above `unblockedLimit`, as `Matrix.cholesky`). Returns
    /// false when not positive definite.
    public static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        if n <= unblockedLimit { return unblockedCholesky(a, n: n) }
        return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), LAPACKInt(n), a, LAPACKInt(max(n, 1))) == 0
    }

    /// Solves `UᵀU x = b` in place for one right-hand side from `choleskyInPlace`'s factor (`dpotrs`
    /// above `unblockedLimit`, as `Cholesky.solve`).
    public static func choleskySolveInPlace(_ u: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>) -> Bool {
        if n <= unblockedLimit {
            unblockedCholeskySolve(u, n: n, b)
            return true
        }
        let nn = LAPACKInt(n)
        return LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), nn, 1, u, max(nn, 1), b, max(nn, 1)) == 0
    }
}
