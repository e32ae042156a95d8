/// Unblocked factorisations for matrices of a few dozen columns, on caller-owned column-major buffers.
///
/// The algorithms are LAPACK's unblocked ones (Anderson et al. 1999, LAPACK Users' Guide):
/// `dgetf2` (LU with partial pivoting, the first largest pivot), `dgeqr2`/`dlarfg` (Householder
/// QR with β = −sign(α)·‖(α, x)‖) and `dpotf2` (upper Cholesky). Rounding
/// follows a different order from OpenBLAS's kernels, so results agree with LAPACK's to a few ulps,
/// not bit for bit. Complexity: LU and Cholesky O(n³), QR O(rows·columns²).
extension DenseSolver {
    /// Σ x[i]·y[i] over `count` entries, with four partial sums (independent chains).
    @inlinable @inline(__always)
    public static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, i = 0
        while i + 4 <= count {
            s0 += x[i] * y[i]
            s1 += x[i + 1] * y[i + 1]
            s2 += x[i + 2] * y[i + 2]
            s3 += x[i + 3] * y[i + 3]
            i += 4
        }
        while i < count {
            s0 += x[i] * y[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// ‖x‖ over `count` entries without overflow or harmful underflow: the plain sum of squares when it
    /// lies in the normal range, else the sum of (xᵢ/max|x|)² scaled back (as `dnrm2` guards).
    static func norm(_ x: UnsafePointer<Double>, _ count: Int) -> Double {
        let ss = dot(x, x, count)
        if ss.isFinite && ss >= 0x1p-960 { return ss.squareRoot() }
        var scale = 0.0
        for i in 0..<count { scale = max(scale, abs(x[i])) }
        guard scale > 0, scale.isFinite else { return scale == 0 ? 0 : .nan }
        var scaled = 0.0
        for i in 0..<count {
            let t = x[i] / scale
            scaled += t * t
        }
        return scale * scaled.squareRoot()
    }

    /// Solves the n x n system `a x = b` in place by LU with partial pivoting (`dgetf2` then forward
    /// and back substitution). False when a pivot is exactly zero (as `dgesv`'s positive `info`).
    static func unblockedLUSolve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for c in 0..<n {
            let column = a + c * n
            var pivot = c
            var largest = abs(column[c])
            for i in (c + 1)..<n where abs(column[i]) > largest {
                largest = abs(column[i])
                pivot = i
            }
            guard largest != 0 else { return false }
            if pivot != c {
                for j in 0..<n { swap(&a[c + j * n], &a[pivot + j * n]) }
                swap(&b[c], &b[pivot])
            }
            let diagonal = column[c]
            if abs(diagonal) >= Double.leastNormalMagnitude {
                let r = 1 / diagonal
                for i in (c + 1)..<n { column[i] *= r }
            } else {
                for i in (c + 1)..<n { column[i] /= diagonal }
            }
            for j in (c + 1)..<n {
                let target = a + j * n
                let f = target[c]
                if f != 0 { for i in (c + 1)..<n { target[i] -= column[i] * f } }
            }
        }
        for c in 0..<n {
            let f = b[c]
            if f != 0 { for i in (c + 1)..<n { b[i] -= a[i + c * n] * f } }
        }
        for c in stride(from: n - 1, through: 0, by: -1) {
            b[c] /= a[c + c * n]
            let f = b[c]
            if f != 0 { for i in 0..<c { b[i] -= a[i + c * n] * f } }
        }
        return true
    }

    /// Applies H = I − τvvᵀ from the left to the `count` columns at `target` (leading dimension
    /// `rows`, each column's `length` entries from its start), with v at `v` (v₀ = 1 stored there);
    /// `work` holds `count` entries (`dlarf`).
    @inline(__always)
    static func applyReflector(
        _ v: UnsafePointer<Double>, tau: Double, length: Int, to target: UnsafeMutablePointer<Double>, count: Int, rows: Int,
        work: UnsafeMutablePointer<Double>
    ) {
        guard tau != 0 else { return }
        for c in 0..<count { work[c] = dot(v, target + c * rows, length) }
        for c in 0..<count {
            let column = target + c * rows, f = tau * work[c]
            for i in 0..<length { column[i] -= v[i] * f }
        }
    }

    /// The Householder QR factorisation in LAPACK's packed form (`dgeqr2`): R on and above the
    /// diagonal, reflector j's vector below it (v₀ = 1 implied), τⱼ in `tau`. `work` holds
    /// `columns` entries. False for a non-finite norm or a reflector too small to form without
    /// rescaling (|β| below the least normal magnitude; LAPACK rescales, the caller here falls back).
    static func unblockedQR(
        _ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int, tau: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>
    ) -> Bool {
        for j in 0..<min(rows, columns) {
            let top = a + j + j * rows, length = rows - j
            let alpha = top[0]
            let xnorm = length > 1 ? norm(top + 1, length - 1) : 0
            guard xnorm.isFinite, alpha.isFinite else { return false }
            if xnorm == 0 {
                tau[j] = 0
            } else {
                // ‖(α, x)‖ as `dlapy2`: the larger magnitude times √(1 + (smaller/larger)²).
                let larger = max(abs(alpha), xnorm), smaller = min(abs(alpha), xnorm)
                let ratio = smaller / larger
                let beta = (alpha.sign == .minus ? 1.0 : -1.0) * larger * (1 + ratio * ratio).squareRoot()
                guard abs(beta) >= Double.leastNormalMagnitude, beta.isFinite else { return false }
                tau[j] = (beta - alpha) / beta
                let r = 1 / (alpha - beta)
                for i in 1..<length { top[i] *= r }
                top[0] = beta
            }
            if j + 1 < columns {
                let keep = top[0]
                top[0] = 1
                applyReflector(top, tau: tau[j], length: length, to: top + rows, count: columns - j - 1, rows: rows, work: work)
                top[0] = keep
            }
        }
        return true
    }

    /// The upper Cholesky factor in place (`dpotf2`, upper triangle read and written): column j of U
    /// from uⱼⱼ = √(aⱼⱼ − Σₖ<ⱼ uₖⱼ²) and uⱼc = (aⱼc − Σₖ<ⱼ uₖⱼuₖc)/uⱼⱼ. False when a pivot is not
    /// positive (or NaN).
    static func unblockedCholesky(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for j in 0..<n {
            let column = a + j * n
            let pivot = column[j] - dot(column, column, j)
            guard pivot > 0 else {
                column[j] = pivot
                return false
            }
            let ujj = pivot.squareRoot()
            column[j] = ujj
            let r = 1 / ujj
            for c in (j + 1)..<n {
                let other = a + c * n
                other[j] = (other[j] - dot(column, other, j)) * r
            }
        }
        return true
    }

    /// Solves UᵀU x = b in place: Uᵀy = b forward, then Ux = y backward (`dpotrs`).
    static func unblockedCholeskySolve(_ u: UnsafePointer<Double>, n: Int, _ b: UnsafeMutablePointer<Double>) {
        for i in 0..<n {
            let column = u + i * n
            b[i] = (b[i] - dot(column, b, i)) / column[i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            let column = u + i * n
            b[i] /= column[i]
            let f = b[i]
            if f != 0 { for l in 0..<i { b[l] -= column[l] * f } }
        }
    }
}
