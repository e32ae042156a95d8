import _CLAPACK

extension Matrix {
    /// The product `op(self) * op(other)` by BLAS `dgemm`, where `op` transposes when asked.
    ///
    /// Complexity: O(m n k) flops.
    public func multiplied(
        by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false
    ) -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let k2 = transposingOther ? other.columns : other.rows
        let n = transposingOther ? other.rows : other.columns
        precondition(k == k2, "Matrix product: inner dimensions \(k) and \(k2) differ")
        var c = Matrix(rows: m, columns: n)
        if m == 0 || n == 0 || k == 0 { return c }
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(
                        BLAS.colMajor, BLAS.trans(transposingSelf), BLAS.trans(transposingOther),
                        blasint(m), blasint(n), blasint(k), 1.0,
                        a.baseAddress, blasint(Swift.max(rows, 1)),
                        b.baseAddress, blasint(Swift.max(other.rows, 1)),
                        0.0, cp.baseAddress, blasint(Swift.max(m, 1)))
                }
            }
        }
        return c
    }

    /// The product `op(self) * x` by BLAS `dgemv`.
    ///
    /// Complexity: O(rows * columns).
    public func multiplied(by x: [Double], transposingSelf: Bool = false) -> [Double] {
        let outCount = transposingSelf ? columns : rows
        let inCount = transposingSelf ? rows : columns
        precondition(x.count == inCount, "Matrix-vector product: vector has \(x.count) elements, needs \(inCount)")
        var y = [Double](repeating: 0, count: outCount)
        if outCount == 0 || inCount == 0 { return y }
        withUnsafeBufferPointer { a in
            y.withUnsafeMutableBufferPointer { yp in
                cblas_dgemv(
                    BLAS.colMajor, BLAS.trans(transposingSelf), blasint(rows), blasint(columns),
                    1.0, a.baseAddress, blasint(Swift.max(rows, 1)), x, 1, 0.0, yp.baseAddress, 1)
            }
        }
        return y
    }

    /// The Gram matrix `XᵀX` by BLAS `dsyrk`, returned as a full symmetric matrix.
    ///
    /// Complexity: O(rows * columns²) flops, half of the general product.
    public func gram() -> Matrix { symmetricRankK(transposed: true) }

    /// `XXᵀ` (`dsyrk`), as a full symmetric matrix.
    public func outerGram() -> Matrix { symmetricRankK(transposed: false) }

    /// `XᵀX` (transposed) or `XXᵀ` by `dsyrk` on the upper triangle, then symmetrised.
    private func symmetricRankK(transposed: Bool) -> Matrix {
        let n = transposed ? columns : rows, k = transposed ? rows : columns
        var c = Matrix(rows: n, columns: n)
        if n == 0 || k == 0 { return c }
        withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_dsyrk(
                    BLAS.colMajor, CblasUpper, transposed ? CblasTrans : CblasNoTrans, blasint(n), blasint(k),
                    1.0, a.baseAddress, blasint(Swift.max(rows, 1)), 0.0, cp.baseAddress, blasint(n))
            }
        }
        c.symmetrizeFromUpper()
        return c
    }

    /// Copies the upper triangle onto the lower one.
    public mutating func symmetrizeFromUpper() {
        precondition(isSquare, "symmetrizeFromUpper needs a square matrix")
        let n = rows
        withUnsafeMutableBufferPointer { p in
            for j in 0..<n { for i in (j + 1)..<Swift.max(n, j + 1) { p[i + j * n] = p[j + i * n] } }
        }
    }

    /// `self` with every row `i` multiplied by `s[i]`.
    public func scalingRows(by s: [Double]) -> Matrix {
        precondition(s.count == rows, "scalingRows needs \(rows) factors")
        var out = self
        out.withUnsafeMutableBufferPointer { p in
            s.withUnsafeBufferPointer { sp in
                for j in 0..<columns {
                    let base = j * rows
                    for i in 0..<rows { p[base + i] *= sp[i] }
                }
            }
        }
        return out
    }

    /// `self` with every column `j` multiplied by `s[j]`.
    public func scalingColumns(by s: [Double]) -> Matrix {
        precondition(s.count == columns, "scalingColumns needs \(columns) factors")
        var out = self
        out.withUnsafeMutableBufferPointer { p in
            for j in 0..<columns {
                cblas_dscal(blasint(rows), s[j], p.baseAddress! + j * rows, 1)
            }
        }
        return out
    }

    /// The sandwich `A B Aᵀ` for a square `B` (used for variance estimates).
    public func sandwiching(_ meat: Matrix) -> Matrix {
        multiplied(by: meat).multiplied(by: self, transposingOther: true)
    }
}

// MARK: - Operators

extension Matrix {
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix { lhs.multiplied(by: rhs) }
    public static func * (lhs: Matrix, rhs: [Double]) -> [Double] { lhs.multiplied(by: rhs) }

    public static func * (lhs: Double, rhs: Matrix) -> Matrix {
        var out = rhs
        out.withUnsafeMutableBufferPointer { p in
            if p.count > 0 { cblas_dscal(blasint(p.count), lhs, p.baseAddress, 1) }
        }
        return out
    }

    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix sum: shapes differ")
        var out = lhs
        for i in out.elements.indices { out.storage[i] += rhs.elements[i] }
        return out
    }

    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "Matrix difference: shapes differ")
        var out = lhs
        for i in out.elements.indices { out.storage[i] -= rhs.elements[i] }
        return out
    }
}

// MARK: - Vector helpers

/// Small BLAS-backed helpers on `[Double]` used throughout the estimators.
public enum Vector {
    /// The dot product `xᵀy` (BLAS `ddot`).
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths \(x.count) and \(y.count) differ")
        if x.isEmpty { return 0 }
        return cblas_ddot(blasint(x.count), x, 1, y, 1)
    }

    /// The Euclidean norm (BLAS `dnrm2`, which avoids overflow).
    public static func norm(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        return cblas_dnrm2(blasint(x.count), x, 1)
    }

    /// `y + a x` (BLAS `daxpy`).
    public static func axpy(_ a: Double, _ x: [Double], _ y: [Double]) -> [Double] {
        precondition(x.count == y.count, "axpy: lengths differ")
        var out = y
        if x.isEmpty { return out }
        out.withUnsafeMutableBufferPointer { p in cblas_daxpy(blasint(x.count), a, x, 1, p.baseAddress, 1) }
        return out
    }
}

extension Matrix {
    /// The Euclidean norm of every column (BLAS `dnrm2`).
    public func columnNorms() -> [Double] {
        withUnsafeBufferPointer { p in
            (0..<columns).map { j in rows == 0 ? 0 : cblas_dnrm2(blasint(rows), p.baseAddress! + j * rows, 1) }
        }
    }

    /// The sum of squares of every row: `Σⱼ Aᵢⱼ²` (the leverages when `A` has orthonormal columns).
    public func rowSumsOfSquares() -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for j in 0..<columns {
                    let base = j * rows
                    for i in 0..<rows { o[i] += p[base + i] * p[base + i] }
                }
            }
        }
        return out
    }
}
