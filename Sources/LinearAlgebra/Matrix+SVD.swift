import _CLAPACK

/// The thin singular value decomposition `A = U diag(s) Vᵀ`.
///
/// Computed by LAPACK `dgesdd` (divide and conquer). Singular values are
/// non-negative and in decreasing order. Complexity: O(mn·min(m, n)).
public struct SingularValueDecomposition: Sendable {
    /// `m x p` left singular vectors, `p = min(m, n)`.
    public let u: Matrix
    /// The `p` singular values, largest first.
    public let singularValues: [Double]
    /// `p x n` right singular vectors, transposed.
    public let vt: Matrix

    /// The number of singular values above `relativeTolerance · s₁`.
    public func rank(relativeTolerance: Double = 1e-10) -> Int {
        guard let first = singularValues.first, first > 0 else { return 0 }
        return singularValues.filter { $0 > relativeTolerance * first }.count
    }

    /// The 2-norm condition number `s₁ / sₚ` (infinite when singular).
    public var conditionNumber: Double {
        guard let first = singularValues.first, let last = singularValues.last else { return .infinity }
        return last > 0 ? first / last : .infinity
    }
}

extension Matrix {
    /// The thin singular value decomposition (`dgesdd`).
    public func svd() throws(LinearAlgebraError) -> SingularValueDecomposition {
        guard isFinite else { throw .nonFiniteInput(operation: "svd") }
        let m = rows, n = columns, p = Swift.min(m, n)
        var a = self
        var s = [Double](repeating: 0, count: p)
        var u = Matrix(rows: m, columns: p)
        var vt = Matrix(rows: p, columns: n)
        if p == 0 { return SingularValueDecomposition(u: u, singularValues: s, vt: vt) }
        let mm = try LAPACK.int(m, "dgesdd"), nn = try LAPACK.int(n, "dgesdd"), pp = try LAPACK.int(p, "dgesdd")
        let info = a.withUnsafeMutableBufferPointer { ap in
            u.withUnsafeMutableBufferPointer { up in
                vt.withUnsafeMutableBufferPointer { vp in
                    LAPACKE_dgesdd(
                        LAPACK_COL_MAJOR, Int8(UInt8(ascii: "S")), mm, nn, ap.baseAddress, mm,
                        &s, up.baseAddress, mm, vp.baseAddress, pp)
                }
            }
        }
        try LAPACK.check("dgesdd", info, positive: { .noConvergence(routine: "dgesdd", count: $0) })
        return SingularValueDecomposition(u: u, singularValues: s, vt: vt)
    }
}
