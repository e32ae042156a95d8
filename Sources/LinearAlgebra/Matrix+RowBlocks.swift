import _CLAPACK

/// Row-block streaming: operations over tall matrices that work on cache-sized
/// copies of consecutive row blocks, so that no full-size temporary (a scaled
/// copy of X, the explicit Q) is ever allocated.
extension Matrix {
    /// Rows per block so that a block of `columns` doubles stays near 256 KiB (in L2).
    static func defaultBlockRows(columns: Int) -> Int {
        Swift.max(2 * columns + 2, 32_768 / Swift.max(columns, 1))
    }

    /// Calls `body(block, start, count)` for consecutive row blocks of `diag(s)·[A | extra]`,
    /// copied into a column-major buffer with leading dimension `count`.
    func forEachRowBlock(
        blockRows: Int, extraColumn: [Double]? = nil, rowScale s: [Double]? = nil,
        _ body: (UnsafeMutablePointer<Double>, Int, Int) -> Void
    ) {
        let n = rows, k = columns, width = k + (extraColumn == nil ? 0 : 1)
        var buffer = [Double](repeating: 0, count: blockRows * width)
        withUnsafeBufferPointer { a in
            buffer.withUnsafeMutableBufferPointer { bp in
                let b = bp.baseAddress!
                var start = 0
                while start < n {
                    let count = Swift.min(blockRows, n - start)
                    for j in 0..<k {
                        let src = a.baseAddress! + j * n + start, dst = b + j * count
                        if let s {
                            for i in 0..<count { dst[i] = src[i] * s[start + i] }
                        } else {
                            dst.update(from: src, count: count)
                        }
                    }
                    if let extraColumn {
                        let dst = b + k * count
                        for i in 0..<count { dst[i] = extraColumn[start + i] * (s?[start + i] ?? 1) }
                    }
                    body(b, start, count)
                    start += count
                }
            }
        }
    }

    /// The triangular factor of the QR factorisation of `diag(s)·[A | b]`, by sequential tall-skinny QR.
    ///
    /// Each row block is folded into the running triangle with LAPACK `dtpqrt`
    /// (the QR of a triangle stacked on a rectangle), a sequence of orthogonal
    /// transformations as stable as Householder QR of the whole matrix
    /// (Demmel et al. 2012, "Communication-optimal parallel and sequential QR").
    /// With `b` appended, the result's last column holds `Qᵀ(diag(s) b)` above
    /// the diagonal and ±‖residual‖ on it.
    ///
    /// Complexity: 2n(k+1)² flops, one read of `A`, O(k²) extra memory.
    public func streamingQRFactor(
        appending b: [Double]? = nil, rowScale s: [Double]? = nil,
        blockRows: Int? = nil
    ) throws(LinearAlgebraError) -> Matrix {
        let width = columns + (b == nil ? 0 : 1)
        if let b, b.count != rows {
            throw .dimensionMismatch(operation: "streamingQRFactor", details: "A has \(rows) rows, b has \(b.count)")
        }
        var r = Matrix(rows: width, columns: width)
        if width == 0 { return r }
        let nb = Swift.min(width, 32)
        var t = [Double](repeating: 0, count: nb * width)
        let w = try LAPACK.int(width, "dtpqrt"), nbi = try LAPACK.int(nb, "dtpqrt")
        var info: LAPACKInt = 0
        r.withUnsafeMutableBufferPointer { rp in
            forEachRowBlock(blockRows: blockRows ?? Self.defaultBlockRows(columns: width), extraColumn: b, rowScale: s) { block, _, count in
                guard info == 0 else { return }
                let m = LAPACKInt(count)
                info = LAPACKE_dtpqrt(LAPACK_COL_MAJOR, m, w, 0, nbi, rp.baseAddress, w, block, m, &t, nbi)
            }
        }
        try LAPACK.check("dtpqrt", info, positive: { .illegalArgument(routine: "dtpqrt", position: $0) })
        return r
    }

    /// `(diag(s)A)ᵀ(diag(s)A) = Aᵀ diag(s²) A` by `dsyrk` over row blocks, without forming `diag(s)A`.
    ///
    /// Complexity: nk² flops, one read of `A`.
    public func gram(rowScale s: [Double]) -> Matrix {
        precondition(s.count == rows, "gram(rowScale:) needs one factor per row")
        let k = columns
        var c = Matrix(rows: k, columns: k)
        if k == 0 || rows == 0 { return c }
        c.withUnsafeMutableBufferPointer { cp in
            forEachRowBlock(blockRows: Self.defaultBlockRows(columns: k), rowScale: s) { block, _, count in
                cblas_dsyrk(
                    BLAS.colMajor, CblasUpper, CblasTrans, blasint(k), blasint(count),
                    1.0, block, blasint(count), 1.0, cp.baseAddress, blasint(k))
            }
        }
        c.symmetrizeFromUpper()
        return c
    }

    /// For each row i, `Σⱼ (diag(s) A M)ᵢⱼ²`; with `M = R⁻¹` these are the leverages of `diag(s)A`.
    ///
    /// Complexity: nk·m flops (blocked `dgemm`), O(block) extra memory.
    public func rowSumsOfSquares(multipliedBy m: Matrix, rowScale s: [Double]? = nil) -> [Double] {
        precondition(m.rows == columns, "rowSumsOfSquares(multipliedBy:): inner dimensions differ")
        var out = [Double](repeating: 0, count: rows)
        let k = columns, p = m.columns
        if k == 0 || p == 0 { return out }
        let blockRows = Self.defaultBlockRows(columns: Swift.max(k, p))
        var product = [Double](repeating: 0, count: blockRows * p)
        m.withUnsafeBufferPointer { mp in
            product.withUnsafeMutableBufferPointer { pp in
                forEachRowBlock(blockRows: blockRows, rowScale: s) { block, start, count in
                    cblas_dgemm(
                        BLAS.colMajor, CblasNoTrans, CblasNoTrans, blasint(count), blasint(p), blasint(k),
                        1.0, block, blasint(count), mp.baseAddress, blasint(k), 0.0, pp.baseAddress, blasint(count))
                    for j in 0..<p {
                        let col = pp.baseAddress! + j * count
                        for i in 0..<count { out[start + i] += col[i] * col[i] }
                    }
                }
            }
        }
        return out
    }
}
