extension SimplexQuadraticProgram {
    /// How far a linear function reaches over the part of the shifted simplex inside an ellipsoid:
    /// minimise cᵀy subject to ½yᵀHy + fᵀy ≤ 0, Σy = s and y ≥ ℓ, for this program's H, s and ℓ.
    ///
    /// This is the second-order cone program of scpi's in-sample uncertainty (Cattaneo, Feng &
    /// Titiunik 2021, section 4), solved exactly rather than by an interior-point method. With a
    /// multiplier 1/t on the quadratic constraint, the minimiser y(t) of ½yᵀHy + (f + t·c)ᵀy over
    /// the simplex is piecewise linear in t, and the constraint ½yᵀHy + fᵀy along it is
    /// non-decreasing. Starting from `start` (the minimiser at t = 0, from `solve(f:)`), each piece
    /// y(t) = a + t·b on a fixed set of free coordinates ends where a free coordinate reaches its
    /// bound or a bound's multiplier reaches zero; on it the constraint is a quadratic in t, whose
    /// root is the answer once it falls inside the piece (a parametric active-set method, Best 1996).
    /// When the constraint stays slack to t = ∞ the answer is the linear program's vertex.
    ///
    /// Returns nil when the ellipsoid misses the simplex (`start` violates the constraint), H_FF
    /// is singular, or the path does not settle within 4n + 20 pieces (degenerate ties).
    /// Complexity: O(k³ + nk) per piece for k free coordinates.
    public func minimumOverEllipsoid(c: [Double], f: [Double], start: Solution) -> [Double]? {
        let n = count
        precondition(c.count == n && f.count == n, "one coefficient per coordinate")
        func constraint(_ y: [Double]) -> Double {
            let g = gradient(y, [Double](repeating: 0, count: n))
            var v = 0.0
            for j in 0..<n { v += y[j] * (0.5 * g[j] + f[j]) }
            return v
        }
        let magnitude = abs(constraint(feasiblePoint())) + 1e-300
        guard constraint(start.y) <= 1e-9 * magnitude else { return nil }
        var free = start.free
        var t = 0.0
        let zero = [Double](repeating: 0, count: n)
        for _ in 0..<(4 * n + 20) {
            let freeIndex = (0..<n).filter { free[$0] }
            guard let (aFree, nuA) = equalitySolution(free: freeIndex, f: f),
                let (bFree, nuB) = equalitySolution(free: freeIndex, f: c, homogeneous: true)
            else { return nil }
            var a = lower, b = zero
            for (k, j) in freeIndex.enumerated() {
                a[j] = aFree[k]
                b[j] = bFree[k]
            }
            // Bound multipliers along the piece: λ(t) = λa + t·λb.
            let ga = gradient(a, f), gb = gradient(b, c)
            let tolerance = 1e-12 * (1 + abs(t))
            var end = Double.infinity, leaving = -1
            for j in 0..<n {
                if free[j] {
                    if b[j] < 0 {
                        let hit = (lower[j] - a[j]) / b[j]
                        if hit < end {
                            end = hit
                            leaving = j
                        }
                    }
                } else {
                    let slope = gb[j] + nuB
                    if slope < 0 {
                        let hit = -(ga[j] + nuA) / slope
                        if hit < end {
                            end = hit
                            leaving = j
                        }
                    }
                }
            }
            end = max(end, t)
            // The constraint on the piece: q2·t² + q1·t + q0, with q2 = ½bᵀHb ≥ 0.
            let hb = gradient(b, zero)
            var q2 = 0.0, q1 = 0.0
            for j in 0..<n {
                q2 += 0.5 * b[j] * hb[j]
                q1 += a[j] * hb[j] + f[j] * b[j]
            }
            let q0 = constraint(a)
            var root = Double.infinity
            if q2 > 0 {
                let disc = max(q1 * q1 - 4 * q2 * q0, 0)
                let q = -0.5 * (q1 + (q1 >= 0 ? 1 : -1) * disc.squareRoot())
                let r1 = q / q2, r2 = q != 0 ? q0 / q : r1
                root = max(r1, r2)
            } else if q1 > 0 {
                root = -q0 / q1
            }
            if root.isFinite && root <= end + tolerance {
                let tt = max(root, t)
                return (0..<n).map { a[$0] + tt * b[$0] }
            }
            if end == .infinity { return a } // the constraint stays slack: the vertex of the linear program
            t = end
            free[leaving].toggle()
            if !free.contains(true) { return nil }
        }
        return nil
    }
}
