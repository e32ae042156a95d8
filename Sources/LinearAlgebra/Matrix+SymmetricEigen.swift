import _CLAPACK

/// The eigendecomposition `A = V diag(λ) Vᵀ` of a symmetric matrix.
///
/// Computed by LAPACK `dsyevd`. Eigenvalues are in ascending order; the
/// columns of `vectors` are the matching orthonormal eigenvectors.
/// Complexity: O(n³).
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues, smallest first.
    public let values: [Double]
    /// Orthonormal eigenvectors, one per column.
    public let vectors: Matrix

    /// `V f(Λ) Vᵀ`: a function of the matrix (e.g. the inverse square root used by CR2).
    public func applying(_ f: (Double) -> Double) -> Matrix {
        let scaled = vectors.scalingColumns(by: values.map(f))
        return scaled.multiplied(by: vectors, transposingOther: true)
    }
}

extension Matrix {
    /// The eigendecomposition of this symmetric matrix (upper triangle is read) by `dsyevd`.
    public func symmetricEigen() throws(LinearAlgebraError) -> SymmetricEigendecomposition {
        guard isSquare else {
            throw .dimensionMismatch(operation: "symmetricEigen", details: "matrix is \(rows)x\(columns)")
        }
        guard isFinite else { throw .nonFiniteInput(operation: "symmetricEigen") }
        var a = self
        let n = rows
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let nn = try LAPACK.int(n, "dsyevd")
            let info = a.withUnsafeMutableBufferPointer { p in
                LAPACKE_dsyevd(
                    LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")),
                    nn, p.baseAddress, nn, &w)
            }
            try LAPACK.check("dsyevd", info, positive: { .noConvergence(routine: "dsyevd", count: $0) })
        }
        return SymmetricEigendecomposition(values: w, vectors: a)
    }
}
