import _CLAPACK

extension Matrix {
    /// Solves the square system `A X = B` by LU with partial pivoting (`dgesv`).
    ///
    /// - Throws: `.singular` when `A` is exactly singular.
    /// Complexity: 2n³/3 + 2n² per right-hand side.
    public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard isSquare, b.rows == rows else {
            throw .dimensionMismatch(operation: "solve", details: "A is \(rows)x\(columns), B has \(b.rows) rows")
        }
        guard isFinite, b.isFinite else { throw .nonFiniteInput(operation: "solve") }
        var a = self, x = b
        if rows == 0 || b.columns == 0 { return x }
        let n = try LAPACK.int(rows, "dgesv"), nrhs = try LAPACK.int(b.columns, "dgesv")
        var ipiv = [LAPACKInt](repeating: 0, count: rows)
        let info = a.withUnsafeMutableBufferPointer { ap in
            x.withUnsafeMutableBufferPointer { xp in
                LAPACKE_dgesv(LAPACK_COL_MAJOR, n, nrhs, ap.baseAddress, n, &ipiv, xp.baseAddress, n)
            }
        }
        try LAPACK.check("dgesv", info, positive: { .singular(pivot: $0) })
        return x
    }

    /// Solves `A x = b` for one right-hand side.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try solve(Matrix(column: b)).elements
    }

    /// The inverse of a square matrix by LU (`dgetrf` + `dgetri`).
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        guard isSquare else { throw .dimensionMismatch(operation: "inverse", details: "matrix is \(rows)x\(columns)") }
        guard isFinite else { throw .nonFiniteInput(operation: "inverse") }
        var a = self
        if rows == 0 { return a }
        let n = try LAPACK.int(rows, "dgetrf")
        var ipiv = [LAPACKInt](repeating: 0, count: rows)
        let factorInfo = a.withUnsafeMutableBufferPointer { ap in
            LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, ap.baseAddress, n, &ipiv)
        }
        try LAPACK.check("dgetrf", factorInfo, positive: { .singular(pivot: $0) })
        let inverseInfo = a.withUnsafeMutableBufferPointer { ap in
            LAPACKE_dgetri(LAPACK_COL_MAJOR, n, ap.baseAddress, n, ipiv)
        }
        try LAPACK.check("dgetri", inverseInfo, positive: { .singular(pivot: $0) })
        return a
    }
}

/// The minimum-norm least-squares solution of `A x ≈ b` and the rank found.
public struct LeastSquaresSolution: Sendable {
    /// The solution (minimum norm when `A` is rank deficient).
    public let solution: [Double]
    /// The effective rank of `A`.
    public let rank: Int
    /// Singular values of `A`, largest first.
    public let singularValues: [Double]
}

extension Matrix {
    /// The minimum-norm least-squares solution by SVD (`dgelsd`).
    ///
    /// Singular values below `relativeTolerance · s₁` are treated as zero.
    /// Complexity: O(mn·min(m, n)).
    public func leastSquares(_ b: [Double], relativeTolerance: Double = 1e-12) throws(LinearAlgebraError) -> LeastSquaresSolution {
        guard b.count == rows else {
            throw .dimensionMismatch(operation: "leastSquares", details: "A has \(rows) rows, b has \(b.count)")
        }
        guard isFinite, b.allSatisfy({ $0.isFinite }) else { throw .nonFiniteInput(operation: "leastSquares") }
        let m = rows, n = columns
        var a = self
        let ldb = Swift.max(m, n, 1)
        var bb = b + [Double](repeating: 0, count: Swift.max(0, n - m))
        var s = [Double](repeating: 0, count: Swift.min(m, n))
        var rank: LAPACKInt = 0
        if m > 0 && n > 0 {
            let mm = try LAPACK.int(m, "dgelsd"), nn = try LAPACK.int(n, "dgelsd"), lb = try LAPACK.int(ldb, "dgelsd")
            let info = a.withUnsafeMutableBufferPointer { ap in
                LAPACKE_dgelsd(LAPACK_COL_MAJOR, mm, nn, 1, ap.baseAddress, mm, &bb, lb, &s, relativeTolerance, &rank)
            }
            try LAPACK.check("dgelsd", info, positive: { .noConvergence(routine: "dgelsd", count: $0) })
        }
        return LeastSquaresSolution(solution: Array(bb.prefix(n)), rank: Int(rank), singularValues: s)
    }
}

/// Small dense solves on caller-owned buffers, for inner loops that must not allocate.
public enum DenseSolver {
    /// Solves the n x n system `a x = b` in place by LU (`dgesv`): `a` (column-major, overwritten by
    /// its factors) and `b` (overwritten by x). `pivots` needs room for n entries.
    /// Returns false when `a` is exactly singular.
    public static func solveInPlace(
        _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int,
        pivots: UnsafeMutablePointer<Int32>
    ) -> Bool {
        let nn = LAPACKInt(n)
        // The `_work` entry point skips LAPACKE's NaN scan, which costs as much as the solve at this size.
        return LAPACKE_dgesv_work(LAPACK_COL_MAJOR, nn, 1, a, nn, pivots, b, nn) == 0
    }

    /// The workspace length `householderQRInPlace` and `formQInPlace` need for a rows x columns matrix
    /// (the larger of LAPACK's optimal sizes for `dgeqrf` and `dorgqr`, as `Matrix.qr` and
    /// `QRFactorization.thinQ` use, so that the factors are the same to the last bit).
    public static func householderWorkspaceCount(rows: Int, columns: Int) -> Int {
        let m = LAPACKInt(rows), n = LAPACKInt(columns)
        // A query (lwork = −1) reads neither matrix nor reflectors, so one-element stand-ins serve.
        var a = [0.0], tau = [0.0]
        var q1 = 0.0, q2 = 0.0
        _ = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, &a, max(m, 1), &tau, &q1, -1)
        _ = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, n, &a, max(m, 1), &tau, &q2, -1)
        return max(Int(q1), Int(q2), 1)
    }

    /// The Householder QR factorisation of the rows x columns matrix `a` in place (`dgeqrf`, as
    /// `Matrix.qr`), reflector scalars into `tau`. Returns false on an illegal argument.
    public static func householderQRInPlace(
        _ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int, tau: UnsafeMutablePointer<Double>,
        work: UnsafeMutablePointer<Double>, workCount: Int
    ) -> Bool {
        LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, LAPACKInt(rows), LAPACKInt(columns), a, LAPACKInt(max(rows, 1)), tau, work, LAPACKInt(workCount)) == 0
    }

    /// Overwrites the output of `householderQRInPlace` with the thin Q (`dorgqr`, as `QRFactorization.thinQ`).
    public static func formQInPlace(
        _ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int, tau: UnsafePointer<Double>,
        work: UnsafeMutablePointer<Double>, workCount: Int
    ) -> Bool {
        let n = LAPACKInt(columns)
        return LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, LAPACKInt(rows), n, n, a, LAPACKInt(max(rows, 1)), tau, work, LAPACKInt(workCount)) == 0
    }

    /// The upper Cholesky factor of the n x n symmetric positive-definite `a` in place (`dpotrf`, upper
    /// triangle read and written, as `Matrix.cholesky`). Returns false when not positive definite.
    public static func choleskyInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), LAPACKInt(n), a, LAPACKInt(max(n, 1))) == 0
    }

    /// Solves `UᵀU x = b` in place for one right-hand side from `choleskyInPlace`'s factor (`dpotrs`,
    /// as `Cholesky.solve`).
    public static func choleskySolveInPlace(_ u: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>) -> Bool {
        let nn = LAPACKInt(n)
        return LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), nn, 1, u, max(nn, 1), b, max(nn, 1)) == 0
    }

    /// y = A x for the rows x columns column-major `a` (`dgemv`, as `Matrix.multiplied(by:)`).
    public static func multiply(
        _ a: UnsafePointer<Double>, rows: Int, columns: Int, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>
    ) {
        guard rows > 0, columns > 0 else {
            for i in 0..<rows { y[i] = 0 }
            return
        }
        cblas_dgemv(BLAS.colMajor, BLAS.trans(false), blasint(rows), blasint(columns), 1.0, a, blasint(max(rows, 1)), x, 1, 0.0, y, 1)
    }
}
