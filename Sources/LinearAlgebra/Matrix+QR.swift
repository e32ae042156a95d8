import _CLAPACK

/// The QR factorisation `A = QR` of an `m x n` matrix, `m >= n`, by Householder reflections.
///
/// Computed by LAPACK `dgeqrf` (blocked, BLAS-3). `Q` is kept implicitly as
/// reflectors; `multiplyingByQTransposed` applies it with `dormqr`.
/// Complexity: 2mn² − 2n³/3 flops.
public struct QRFactorization: Sendable {
    /// The `dgeqrf` output: `R` on and above the diagonal, reflectors below.
    public let packed: Matrix
    /// The reflector scalars.
    public let tau: [Double]

    /// The `n x n` upper-triangular factor `R`.
    public var r: Matrix {
        let n = packed.columns
        var r = Matrix(rows: n, columns: n)
        for j in 0..<n { for i in 0...j { r[i, j] = packed[i, j] } }
        return r
    }

    /// `Qᵀ B` (`dormqr`); the result has the same shape as `B`.
    public func multiplyingByQTransposed(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        let m = packed.rows, k = tau.count
        guard b.rows == m else {
            throw .dimensionMismatch(operation: "QR.multiplyingByQTransposed", details: "Q is \(m)x\(m), B has \(b.rows) rows")
        }
        var c = b
        if b.columns == 0 || k == 0 { return c }
        let mm = try LAPACK.int(m, "dormqr"), nn = try LAPACK.int(b.columns, "dormqr"), kk = try LAPACK.int(k, "dormqr")
        let info = packed.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { cp in
                LAPACKE_dormqr(
                    LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int8(UInt8(ascii: "T")),
                    mm, nn, kk, a.baseAddress, mm, tau, cp.baseAddress, mm)
            }
        }
        try LAPACK.check("dormqr", info, positive: { .illegalArgument(routine: "dormqr", position: $0) })
        return c
    }

    /// The thin `m x n` factor `Q` with orthonormal columns (`dorgqr`).
    public func thinQ() throws(LinearAlgebraError) -> Matrix {
        var q = packed
        let m = packed.rows, n = packed.columns
        if n == 0 { return q }
        let mm = try LAPACK.int(m, "dorgqr"), nn = try LAPACK.int(n, "dorgqr")
        let info = q.withUnsafeMutableBufferPointer { p in
            LAPACKE_dorgqr(LAPACK_COL_MAJOR, mm, nn, nn, p.baseAddress, mm, tau)
        }
        try LAPACK.check("dorgqr", info, positive: { .illegalArgument(routine: "dorgqr", position: $0) })
        return q
    }

    /// The least-squares solution of `A x ≈ b`, assuming `A` has full column rank.
    ///
    /// - Throws: `.singular` when `R` has an exactly zero diagonal element.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        let qtb = try multiplyingByQTransposed(Matrix(column: b))
        let n = packed.columns
        return try r.solvingUpperTriangular(Matrix(column: Array(qtb.elements.prefix(n)))).elements
    }
}

/// The column-pivoted QR factorisation `A P = QR`, which reveals numerical rank.
///
/// Computed by LAPACK `dgeqp3`. Complexity: about 4mn² − 4n³/3 flops.
public struct PivotedQRFactorization: Sendable {
    /// The `dgeqp3` output.
    public let packed: Matrix
    /// The reflector scalars.
    public let tau: [Double]
    /// `permutation[k]` is the (0-based) original column placed at position `k`.
    public let permutation: [Int]

    /// |R₁₁|, |R₂₂|, …: non-increasing, and the basis of the rank decision.
    public var rDiagonal: [Double] { (0..<Swift.min(packed.rows, packed.columns)).map { Swift.abs(packed[$0, $0]) } }

    /// The numerical rank: the number of diagonal elements with |Rₖₖ| > tolerance · |R₁₁|.
    public func rank(relativeTolerance: Double = 1e-10) -> Int {
        let d = rDiagonal
        guard let first = d.first, first > 0 else { return 0 }
        return d.prefix { $0 > relativeTolerance * first }.count
    }
}

extension Matrix {
    /// The Householder QR factorisation (`dgeqrf`). Requires `rows >= columns`.
    public func qr() throws(LinearAlgebraError) -> QRFactorization {
        guard rows >= columns else {
            throw .dimensionMismatch(operation: "qr", details: "needs rows >= columns, got \(rows)x\(columns)")
        }
        guard isFinite else { throw .nonFiniteInput(operation: "qr") }
        var a = self
        var tau = [Double](repeating: 0, count: columns)
        if columns > 0 {
            let m = try LAPACK.int(rows, "dgeqrf"), n = try LAPACK.int(columns, "dgeqrf")
            let info = a.withUnsafeMutableBufferPointer { p in
                LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, n, p.baseAddress, m, &tau)
            }
            try LAPACK.check("dgeqrf", info, positive: { .illegalArgument(routine: "dgeqrf", position: $0) })
        }
        return QRFactorization(packed: a, tau: tau)
    }

    /// The column-pivoted QR factorisation (`dgeqp3`).
    public func pivotedQR() throws(LinearAlgebraError) -> PivotedQRFactorization {
        guard isFinite else { throw .nonFiniteInput(operation: "pivotedQR") }
        var a = self
        var tau = [Double](repeating: 0, count: Swift.min(rows, columns))
        var jpvt = [LAPACKInt](repeating: 0, count: columns)
        if columns > 0 && rows > 0 {
            let m = try LAPACK.int(rows, "dgeqp3"), n = try LAPACK.int(columns, "dgeqp3")
            let info = a.withUnsafeMutableBufferPointer { p in
                LAPACKE_dgeqp3(LAPACK_COL_MAJOR, m, n, p.baseAddress, m, &jpvt, &tau)
            }
            try LAPACK.check("dgeqp3", info, positive: { .illegalArgument(routine: "dgeqp3", position: $0) })
        }
        return PivotedQRFactorization(packed: a, tau: tau, permutation: jpvt.map { Int($0) - 1 })
    }
}
