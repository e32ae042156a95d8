import Foundation
import _CLAPACK

/// The Cholesky factorisation `A = UᵀU` of a symmetric positive-definite matrix.
///
/// Computed by LAPACK `dpotrf`; solves use `dpotrs`, the inverse `dpotri`.
/// Complexity: n³/3 flops to factor, 2n² per right-hand side to solve.
public struct Cholesky: Sendable {
    /// The upper-triangular factor `U` (the strictly lower part is zero).
    public let upper: Matrix

    /// Solves `A X = B`.
    public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        let n = upper.rows
        guard b.rows == n else {
            throw .dimensionMismatch(operation: "Cholesky.solve", details: "A is \(n)x\(n), B has \(b.rows) rows")
        }
        var x = b
        if b.columns == 0 || n == 0 { return x }
        let nn = try LAPACK.int(n, "dpotrs"), nrhs = try LAPACK.int(b.columns, "dpotrs")
        let info = upper.withUnsafeBufferPointer { u in
            x.withUnsafeMutableBufferPointer { xp in
                LAPACKE_dpotrs(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), nn, nrhs, u.baseAddress, nn, xp.baseAddress, nn)
            }
        }
        try LAPACK.check("dpotrs", info, positive: { .singular(pivot: $0) })
        return x
    }

    /// Solves `A x = b` for one right-hand side.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try solve(Matrix(column: b)).elements
    }

    /// `A⁻¹` as a full symmetric matrix.
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        var inv = upper
        let n = upper.rows
        if n == 0 { return inv }
        let nn = try LAPACK.int(n, "dpotri")
        let info = inv.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), nn, p.baseAddress, nn)
        }
        try LAPACK.check("dpotri", info, positive: { .singular(pivot: $0) })
        inv.symmetrizeFromUpper()
        return inv
    }

    /// `log det A = 2 Σ log Uᵢᵢ`.
    public var logDeterminant: Double {
        upper.diagonal.reduce(0) { $0 + 2 * log($1) }
    }
}

extension Matrix {
    /// The Cholesky factorisation of this symmetric positive-definite matrix (upper triangle is read).
    ///
    /// - Throws: `LinearAlgebraError.notPositiveDefinite` when a leading minor is not positive.
    public func cholesky() throws(LinearAlgebraError) -> Cholesky {
        guard isSquare else {
            throw .dimensionMismatch(operation: "cholesky", details: "matrix is \(rows)x\(columns)")
        }
        guard isFinite else { throw .nonFiniteInput(operation: "cholesky") }
        var u = self
        let n = rows
        if n > 0 {
            let nn = try LAPACK.int(n, "dpotrf")
            let info = u.withUnsafeMutableBufferPointer { p in
                LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), nn, p.baseAddress, nn)
            }
            try LAPACK.check("dpotrf", info, positive: { .notPositiveDefinite(minorOrder: $0) })
            u.zeroStrictlyLowerTriangle()
        }
        return Cholesky(upper: u)
    }

    /// Sets every element below the diagonal to zero.
    mutating func zeroStrictlyLowerTriangle() {
        let m = rows, n = columns
        withUnsafeMutableBufferPointer { p in
            for j in 0..<n where j + 1 < m { for i in (j + 1)..<m { p[i + j * m] = 0 } }
        }
    }
}
