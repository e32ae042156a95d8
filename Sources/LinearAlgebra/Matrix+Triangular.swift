import _CLAPACK

extension Matrix {
    /// Solves `U X = B` (or `Uᵀ X = B`) for upper-triangular `self` (`dtrtrs`; the strictly lower part is ignored).
    ///
    /// - Throws: `.singular` when a diagonal element is exactly zero.
    /// Complexity: n² per right-hand side.
    public func solvingUpperTriangular(_ b: Matrix, transposed: Bool = false) throws(LinearAlgebraError) -> Matrix {
        guard isSquare, b.rows == rows else {
            throw .dimensionMismatch(operation: "solvingUpperTriangular", details: "U is \(rows)x\(columns), B has \(b.rows) rows")
        }
        var x = b
        if rows == 0 || b.columns == 0 { return x }
        let n = try LAPACK.int(rows, "dtrtrs"), nrhs = try LAPACK.int(b.columns, "dtrtrs")
        let info = withUnsafeBufferPointer { u in
            x.withUnsafeMutableBufferPointer { xp in
                LAPACKE_dtrtrs(
                    LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")),
                    Int8(UInt8(ascii: transposed ? "T" : "N")), Int8(UInt8(ascii: "N")),
                    n, nrhs, u.baseAddress, n, xp.baseAddress, n)
            }
        }
        try LAPACK.check("dtrtrs", info, positive: { .singular(pivot: $0) })
        return x
    }

    /// The inverse of upper-triangular `self` (`dtrtri`), upper-triangular too.
    public func upperTriangularInverse() throws(LinearAlgebraError) -> Matrix {
        guard isSquare else {
            throw .dimensionMismatch(operation: "upperTriangularInverse", details: "matrix is \(rows)x\(columns)")
        }
        var inv = self
        let n = rows
        if n == 0 { return inv }
        inv.zeroStrictlyLowerTriangle()
        let nn = try LAPACK.int(n, "dtrtri")
        let info = inv.withUnsafeMutableBufferPointer { p in
            LAPACKE_dtrtri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int8(UInt8(ascii: "N")), nn, p.baseAddress, nn)
        }
        try LAPACK.check("dtrtri", info, positive: { .singular(pivot: $0) })
        return inv
    }
}
