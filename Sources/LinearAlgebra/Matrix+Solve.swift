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
