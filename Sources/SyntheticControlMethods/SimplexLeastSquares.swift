import Foundation
import LinearAlgebra

/// Least squares over the unit simplex:
/// min Σᵣ vᵣ (Aᵣw − bᵣ)² + ρ‖w‖² subject to w ≥ 0, Σw = 1 (row weights v default to 1).
///
/// A primal active-set method in the style of Lawson & Hanson's NNLS
/// (1974, ch. 23) with the sum constraint kept in every subproblem: the free
/// set grows by the variable whose multiplier most violates the KKT
/// conditions; each subproblem is the equality-constrained least squares
/// problem on the free set, solved through its KKT system (LAPACK `dgesv`,
/// minimum-norm `dgelsd` when singular); infeasible subproblem solutions are
/// handled by stepping to the boundary and dropping variables. The solution is
/// exact up to rounding (no iteration tolerance on the objective), and a
/// previous free set can seed the search (warm start), which is what makes the
/// nested V search fast: between nearby V the free set rarely changes.
///
/// Complexity per iteration: O(mJ) for the gradient plus O(|F|³) for the
/// subproblem, with |F| ≤ m + 1 free weights in non-degenerate problems; when
/// more weights than rows are free (few periods, many donors: the ridge alone
/// makes W unique) the subproblem costs O(|F|m²) instead.
public struct SimplexLeastSquares: Sendable {
    /// m x J design (one column per donor).
    public let a: Matrix
    public let b: [Double]
    public let rowWeights: [Double]?
    public let ridge: Double

    public init(a: Matrix, b: [Double], rowWeights: [Double]? = nil, ridge: Double = 0) {
        precondition(a.rows == b.count, "SimplexLeastSquares: A has \(a.rows) rows, b has \(b.count)")
        precondition(rowWeights == nil || rowWeights!.count == b.count, "SimplexLeastSquares: one row weight per row")
        self.a = a
        self.b = b
        self.rowWeights = rowWeights
        self.ridge = ridge
    }

    /// The solution and the free set it ended with (for warm starts).
    public struct Solution: Sendable {
        public let weights: [Double]
        public let support: [Int]
        public let iterations: Int
    }

    /// Solves the problem, optionally starting from the free set `warmStart`.
    public func solve(warmStart: [Int]? = nil) -> Solution {
        var work = Workspace(m: a.rows, j: a.columns)
        return solve(warmStart: warmStart, workspace: &work)
    }

    /// Solves with caller-owned buffers (reused across the many solves of a V search).
    func solve(warmStart: [Int]?, workspace work: inout Workspace) -> Solution {
        let m = a.rows, j = a.columns
        precondition(j > 0, "SimplexLeastSquares needs at least one column")
        if work.gradient.count != j || work.residual.count != m { work = Workspace(m: m, j: j) }
        let v = rowWeights ?? [Double](repeating: 1, count: m)
        return a.withUnsafeBufferPointer { ap -> Solution in
            var w = [Double](repeating: 0, count: j)
            var inFree = [Bool](repeating: false, count: j)
            var free: [Int] = []
            if let warm = warmStart, !warm.isEmpty {
                // A support from an earlier solve (sorted, unique). Weights that come out non-positive
                // are dropped and the rest re-solved, until all are positive: a feasible point,
                // optimal on its free set, from which the active-set loop below continues (rather
                // than restarting from one donor, which redid most of the work).
                var candidate = warm
                while !candidate.isEmpty, let z = subproblem(candidate, ap, v, &work) {
                    if z.allSatisfy({ $0 > 0 }) {
                        free = candidate
                        for (k, i) in free.enumerated() { w[i] = z[k]; inFree[i] = true }
                        break
                    }
                    let kept = candidate.indices.filter { z[$0] > 0 }.map { candidate[$0] }
                    if kept.count == candidate.count { break }
                    candidate = kept
                }
            }
            if free.isEmpty {
                // Start at the single best column.
                var best = 0, bestValue = Double.infinity
                for c in 0..<j {
                    var s = ridge
                    for r in 0..<m { let d = ap[r + c * m] - b[r]; s += v[r] * d * d }
                    if s < bestValue { bestValue = s; best = c }
                }
                free = [best]
                inFree[best] = true
                w[best] = 1
            }
            var iterations = 0
            let maxIterations = 10 * (j + m) + 100
            outer: while iterations < maxIterations {
                iterations += 1
                halfGradient(w, free: free, ap, v, &work)
                let g = work.gradient
                var mu = 0.0
                for i in free { mu += g[i] }
                mu /= Double(free.count)
                var entering = -1
                var most = -1e-12 * (1 + abs(mu))
                for c in 0..<j where !inFree[c] && g[c] - mu < most {
                    most = g[c] - mu
                    entering = c
                }
                if entering < 0 { break }
                free.append(entering)
                free.sort()
                inFree[entering] = true
                while true {
                    iterations += 1
                    guard let z = subproblem(free, ap, v, &work) else { break outer }
                    if z.allSatisfy({ $0 > 0 }) {
                        for i in free { w[i] = 0 }
                        for (k, i) in free.enumerated() { w[i] = z[k] }
                        break
                    }
                    var alpha = 1.0
                    for (k, i) in free.enumerated() where z[k] <= 0 {
                        let denominator = w[i] - z[k]
                        if denominator > 0 { alpha = min(alpha, w[i] / denominator) }
                    }
                    for (k, i) in free.enumerated() { w[i] += alpha * (z[k] - w[i]) }
                    let keep = free.filter { w[$0] > 1e-14 }
                    for i in free where w[i] <= 1e-14 { w[i] = 0; inFree[i] = false }
                    if keep.count == free.count { break outer } // no progress possible (degenerate)
                    if keep.isEmpty {
                        free = [free[0]]
                        inFree[free[0]] = true
                        w[free[0]] = 1
                    } else {
                        free = keep
                    }
                }
                if iterations >= maxIterations { break }
            }
            var total = 0.0
            for i in free { total += max(w[i], 0) }
            for i in 0..<j { w[i] = inFree[i] ? max(w[i], 0) / total : 0 }
            return Solution(weights: w, support: free, iterations: iterations)
        }
    }

    /// Σ vᵣ(Aᵣw − bᵣ)² + ρ‖w‖².
    public func objective(_ w: [Double]) -> Double {
        let r = a.multiplied(by: w)
        var s = ridge * w.reduce(0) { $0 + $1 * $1 }
        for i in r.indices { s += (rowWeights?[i] ?? 1) * (r[i] - b[i]) * (r[i] - b[i]) }
        return s
    }

    /// Buffers reused across iterations and solves.
    struct Workspace {
        var residual: [Double]
        var gradient: [Double]
        var kkt: [Double]
        var rhs: [Double]
        var pivots: [Int32]
        init(m: Int, j: Int) {
            residual = [Double](repeating: 0, count: m)
            gradient = [Double](repeating: 0, count: j)
            kkt = []
            rhs = []
            pivots = []
        }
    }

    /// Aᵀ V (Aw − b) + ρw into `work.gradient`, using only the weights of `free` (the others are zero).
    ///
    /// Four columns at a time, each column's sum in the same order as one at a time (the result does not
    /// depend on the grouping). Complexity: O(m·|free|) for the residual, O(m·J) for the gradient.
    func halfGradient(_ w: [Double], free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double], _ work: inout Workspace) {
        let m = a.rows, j = a.columns, rho = ridge
        work.residual.withUnsafeMutableBufferPointer { res in
            let a = ap.baseAddress!
            for r in 0..<m { res[r] = -b[r] }
            for c in free.sorted() where w[c] != 0 {
                let wc = w[c], base = c * m
                for r in 0..<m { res[r] += a[base + r] * wc }
            }
            for r in 0..<m { res[r] *= v[r] }
            work.gradient.withUnsafeMutableBufferPointer { g in
                w.withUnsafeBufferPointer { wp in
                    var c = 0
                    while c + 4 <= j {
                        let a0 = a + c * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m
                        var s0 = rho * wp[c], s1 = rho * wp[c + 1], s2 = rho * wp[c + 2], s3 = rho * wp[c + 3]
                        for r in 0..<m {
                            let y = res[r]
                            s0 += a0[r] * y
                            s1 += a1[r] * y
                            s2 += a2[r] * y
                            s3 += a3[r] * y
                        }
                        g[c] = s0
                        g[c + 1] = s1
                        g[c + 2] = s2
                        g[c + 3] = s3
                        c += 4
                    }
                    while c < j {
                        let a0 = a + c * m
                        var s0 = rho * wp[c]
                        for r in 0..<m { s0 += a0[r] * res[r] }
                        g[c] = s0
                        c += 1
                    }
                }
            }
        }
    }

    /// min Σ vᵣ(A_F z − b)ᵣ² + ρ‖z‖² s.t. Σz = 1, through the KKT system
    /// [A_FᵀVA_F + ρI  1; 1ᵀ 0] [z; ν] = [A_FᵀVb; 1].
    ///
    /// With more free weights than rows (k > m, a perfect fit is possible and only the ridge makes the
    /// solution unique) the O(k³) KKT solve is replaced by `lowRankSubproblem`, O(km²).
    func subproblem(_ free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double], _ work: inout Workspace) -> [Double]? {
        let k = free.count, m = a.rows
        if k == 1 { return [1] }
        if k > max(2 * m, 24) && ridge > 0, let z = lowRankSubproblem(free, ap, v) { return z }
        return kktSubproblem(free, ap, v, &work)
    }

    /// The subproblem through its (k+1)-square KKT system (LAPACK `dgesv`; minimum-norm `dgelsd` if singular).
    func kktSubproblem(_ free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double], _ work: inout Workspace) -> [Double]? {
        let k = free.count, m = a.rows, n = k + 1
        if k == 1 { return [1] }
        if work.kkt.count < n * n {
            work.kkt = [Double](repeating: 0, count: n * n); work.rhs = [Double](repeating: 0, count: n); work.pivots = [Int32](repeating: 0, count: n)
        }
        for (x, cx) in free.enumerated() {
            let bx = cx * m
            for (y, cy) in free.enumerated() where y >= x {
                let by = cy * m
                var s = 0.0
                for r in 0..<m { s += ap[bx + r] * v[r] * ap[by + r] }
                work.kkt[x + y * n] = s
                work.kkt[y + x * n] = s
            }
            work.kkt[x + x * n] += ridge
            var s = 0.0
            for r in 0..<m { s += ap[bx + r] * v[r] * b[r] }
            work.rhs[x] = s
            work.kkt[x + k * n] = 1
            work.kkt[k + x * n] = 1
        }
        work.kkt[k + k * n] = 0
        work.rhs[k] = 1
        let ok = work.kkt.withUnsafeMutableBufferPointer { kp in
            work.rhs.withUnsafeMutableBufferPointer { rp in
                work.pivots.withUnsafeMutableBufferPointer { pp in
                    DenseSolver.solveInPlace(kp.baseAddress!, rp.baseAddress!, n: n, pivots: pp.baseAddress!)
                }
            }
        }
        if ok, work.rhs.prefix(k).allSatisfy({ $0.isFinite }) { return Array(work.rhs.prefix(k)) }
        // Singular: minimum-norm least squares on a freshly built KKT system.
        var matrix = Matrix(rows: n, columns: n)
        var rhs = [Double](repeating: 0, count: n)
        for (x, cx) in free.enumerated() {
            for (y, cy) in free.enumerated() {
                var s = 0.0
                for r in 0..<m { s += ap[cx * m + r] * v[r] * ap[cy * m + r] }
                matrix[x, y] = s + (x == y ? ridge : 0)
            }
            var s = 0.0
            for r in 0..<m { s += ap[cx * m + r] * v[r] * b[r] }
            rhs[x] = s
            matrix[x, k] = 1
            matrix[k, x] = 1
        }
        rhs[k] = 1
        if let z = try? matrix.leastSquares(rhs).solution, z.allSatisfy({ $0.isFinite }) { return Array(z.prefix(k)) }
        return nil
    }

    /// The subproblem for k > m free weights, through the thin QR factorisation of Uᵀ = (V^½A_F)ᵀ = QR
    /// (k x m, LAPACK `dgeqrf`/`dorgqr`) instead of the (k+1)-square KKT system.
    ///
    /// With M = RRᵀ + ρI (m x m), (UᵀU + ρI)⁻¹ = QM⁻¹Qᵀ + (I − QQᵀ)/ρ. Writing p = Qᵀ1,
    /// q⊥ = 1 − Qp, a = M⁻¹Rc (c = V^½b) and d = M⁻¹p, the solution is
    /// z = Q(a − νd) − κq⊥ with κ = ν/ρ = (pᵀa − 1)/(ρpᵀd + ‖q⊥‖²), which never divides by ρ, so
    /// a tiny tie-breaking ridge loses no precision. nil if a factorisation fails (the caller then
    /// uses the KKT system).
    func lowRankSubproblem(_ free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double]) -> [Double]? {
        let k = free.count, m = a.rows
        let root = v.map { $0.squareRoot() }
        var ut = Matrix(rows: k, columns: m)
        ut.withUnsafeMutableBufferPointer { up in
            for (x, cx) in free.enumerated() {
                for r in 0..<m { up[x + r * k] = root[r] * ap[r + cx * m] }
            }
        }
        guard let qr = try? ut.qr(), let q = try? qr.thinQ() else { return nil }
        let rf = qr.r
        let c = (0..<m).map { root[$0] * b[$0] }
        // g = Rc, p = Qᵀ1, M = RRᵀ + ρI.
        var g = [Double](repeating: 0, count: m), p = [Double](repeating: 0, count: m)
        var mm = Matrix(rows: m, columns: m)
        for i in 0..<m {
            for j in i..<m { g[i] += rf[i, j] * c[j] }
            var s = 0.0
            for x in 0..<k { s += q[x, i] }
            p[i] = s
            for j in 0..<m {
                var t = i == j ? ridge : 0
                for l in max(i, j)..<m { t += rf[i, l] * rf[j, l] }
                mm[i, j] = t
            }
        }
        guard let chol = try? mm.cholesky(), let av = try? chol.solve(g), let dv = try? chol.solve(p) else { return nil }
        let qp = q.multiplied(by: p)
        var perp = [Double](repeating: 0, count: k)
        var perpNorm2 = 0.0
        for x in 0..<k { perp[x] = 1 - qp[x]; perpNorm2 += perp[x] * perp[x] }
        // 1 in the row space of U (a row constant across the free columns): q⊥ is rounding noise, and
        // κq⊥ would amplify it; it is exactly zero.
        if perpNorm2 <= Double(k) * (64 * Double.ulpOfOne) * (64 * Double.ulpOfOne) {
            perp = [Double](repeating: 0, count: k)
            perpNorm2 = 0
        }
        var pa = 0.0, pd = 0.0
        for i in 0..<m { pa += p[i] * av[i]; pd += p[i] * dv[i] }
        let kappa = (pa - 1) / (ridge * pd + perpNorm2)
        let nu = kappa * ridge
        let inner = (0..<m).map { av[$0] - nu * dv[$0] }
        let qi = q.multiplied(by: inner)
        let z = (0..<k).map { qi[$0] - kappa * perp[$0] }
        return z.allSatisfy(\.isFinite) ? z : nil
    }
}
