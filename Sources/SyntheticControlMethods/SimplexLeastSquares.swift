import Foundation
import LinearAlgebra

/// Least squares over the unit simplex:
/// min Σᵣ vᵣ (Aᵣw − bᵣ)² + ρ‖w‖² subject to w ≥ 0, Σw = 1 (row weights v default to 1).
///
/// A primal active-set method in the style of Lawson & Hanson's NNLS
/// (1974, ch. 23) with the sum constraint kept in every subproblem: the free
/// set grows by the variable whose multiplier most violates the KKT
/// conditions; each subproblem is the equality-constrained least squares
/// problem on the free set, solved through its KKT system (LU, `DenseSolver.solveInPlace`;
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
    public private(set) var rowWeights: [Double]?
    public let ridge: Double
    /// A row by row (row r at r·J, contiguous across donors), for the gradient's column-vectorised pass.
    let rows: [Double]

    public init(a: Matrix, b: [Double], rowWeights: [Double]? = nil, ridge: Double = 0) {
        precondition(a.rows == b.count, "SimplexLeastSquares: A has \(a.rows) rows, b has \(b.count)")
        precondition(rowWeights == nil || rowWeights!.count == b.count, "SimplexLeastSquares: one row weight per row")
        self.a = a
        self.b = b
        self.rowWeights = rowWeights
        self.ridge = ridge
        let m = a.rows, j = a.columns
        rows = a.withUnsafeBufferPointer { ap in
            [Double](unsafeUninitializedCapacity: m * j) { out, count in
                for c in 0..<j { for r in 0..<m { out[r * j + c] = ap[r + c * m] } }
                count = m * j
            }
        }
    }

    /// The same problem with other row weights (sharing A and its row-by-row copy).
    func reweighted(_ v: [Double]) -> SimplexLeastSquares {
        precondition(v.count == b.count, "SimplexLeastSquares: one row weight per row")
        var copy = self
        copy.rowWeights = v
        return copy
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
    ///
    /// Weights outside the free set are exactly zero throughout, so the final normalisation and
    /// the entering scan touch J entries once each through raw pointers (no per-entry
    /// copy-on-write checks).
    func solve(warmStart: [Int]?, workspace work: inout Workspace) -> Solution {
        let m = a.rows, j = a.columns
        precondition(j > 0, "SimplexLeastSquares needs at least one column")
        if work.gradient.count != j || work.residual.count != m { work = Workspace(m: m, j: j) }
        let v = rowWeights ?? [Double](repeating: 1, count: m)
        var weights = [Double](repeating: 0, count: j)
        var inFreeStorage = [Bool](repeating: false, count: j)
        var free: [Int] = []
        var iterations = 0
        a.withUnsafeBufferPointer { ap in
            weights.withUnsafeMutableBufferPointer { w in
                inFreeStorage.withUnsafeMutableBufferPointer { inFree in
                    if let warm = warmStart, !warm.isEmpty {
                        // A support from an earlier solve (sorted and unique; made so if not: sums over the free
                        // set run in its order). Weights that come out non-positive
                        // are dropped and the rest re-solved, until all are positive: a feasible point,
                        // optimal on its free set, from which the active-set loop below continues (rather
                        // than restarting from one donor, which redid most of the work).
                        var candidate = warm
                        if zip(candidate, candidate.dropFirst()).contains(where: { $0 >= $1 }) { candidate = Array(Set(candidate)).sorted() }
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
                    let maxIterations = 10 * (j + m) + 100
                    outer: while iterations < maxIterations {
                        iterations += 1
                        let entering = halfGradient(UnsafeBufferPointer(w), free: free, inFree: UnsafeBufferPointer(inFree), ap, v, &work)
                        if entering < 0 { break }
                        free.append(entering)
                        free.sort()
                        inFree[entering] = true
                        while true {
                            iterations += 1
                            guard let z = subproblem(free, ap, v, &work) else { break outer }
                            if z.allSatisfy({ $0 > 0 }) {
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
                    for i in free { w[i] = max(w[i], 0) / total }
                }
            }
        }
        return Solution(weights: weights, support: free, iterations: iterations)
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
        /// The low-rank subproblem's scratch, one buffer cut into pieces (see `lowRankSubproblem`).
        var lowRank: [Double] = []
        /// The (k, m) LAPACK's workspace size was asked for, and that size.
        var lapackShape = (0, 0), lapackCount = 0
        /// The free set whose factors `lowRank` holds (nil: none).
        var factoredFree: [Int]?
        init(m: Int, j: Int) {
            residual = [Double](repeating: 0, count: m)
            gradient = [Double](repeating: 0, count: j)
            kkt = []
            rhs = []
            pivots = []
        }
    }

    /// Aᵀ V (Aw − b) + ρw into `work.gradient`, using only the weights of `free` (the others are zero),
    /// and the column that enters the free set: among columns not in `inFree`, the one with the most
    /// negative g_c − μ below −10⁻¹²(1 + |μ|), μ the mean of g over `free` (the first of equals), or −1
    /// when the KKT conditions hold.
    ///
    /// Eight columns at a time from the row-by-row copy of A (vector lanes across columns), each
    /// column's sum in the same order as one at a time: ρw_c, then + a_rc·y_r for r = 1…m (the result
    /// does not depend on the grouping); μ from the free columns' sums in the same order, then one scan
    /// of g. Complexity: O(m·|free|) for the residual and μ, O(m·J) for the rest.
    func halfGradient(
        _ wp: UnsafeBufferPointer<Double>, free: [Int], inFree: UnsafeBufferPointer<Bool>, _ ap: UnsafeBufferPointer<Double>, _ v: [Double],
        _ work: inout Workspace
    ) -> Int {
        let m = a.rows, j = a.columns, rho = ridge
        return work.residual.withUnsafeMutableBufferPointer { res -> Int in
            let a = ap.baseAddress!
            // rᵢ = (−bᵢ + Σ_{c ∈ free} a_ic·w_c)·vᵢ, the sum in the order of `free` (sorted), eight rows
            // per vector register.
            var r0 = 0
            while r0 + 8 <= m {
                var acc = -SIMD8<Double>(b[r0..<(r0 + 8)])
                for c in free where wp[c] != 0 {
                    acc = acc + UnsafeRawPointer(a + c * m + r0).loadUnaligned(as: SIMD8<Double>.self) * SIMD8(repeating: wp[c])
                }
                acc = acc * SIMD8(v[r0..<(r0 + 8)])
                UnsafeMutableRawPointer(res.baseAddress! + r0).storeBytes(of: acc, as: SIMD8<Double>.self)
                r0 += 8
            }
            for r in r0..<m {
                var acc = -b[r]
                for c in free where wp[c] != 0 { acc += a[c * m + r] * wp[c] }
                res[r] = acc * v[r]
            }
            return work.gradient.withUnsafeMutableBufferPointer { g -> Int in
                rows.withUnsafeBufferPointer { rp -> Int in
                    let at = rp.baseAddress!, gout = g.baseAddress!
                    var mu = 0.0
                    for c in free {
                        let column = a + c * m
                        var s0 = rho * wp[c]
                        for r in 0..<m { s0 += column[r] * res[r] }
                        mu += s0
                    }
                    mu /= Double(free.count)
                    var entering = -1
                    var most = -1e-12 * (1 + abs(mu))
                    var c = 0
                    while c + 8 <= j {
                        var s = SIMD8<Double>(
                            rho * wp[c], rho * wp[c + 1], rho * wp[c + 2], rho * wp[c + 3], rho * wp[c + 4], rho * wp[c + 5],
                            rho * wp[c + 6], rho * wp[c + 7])
                        for r in 0..<m {
                            let row = UnsafeRawPointer(at + r * j + c).loadUnaligned(as: SIMD8<Double>.self)
                            s = s + row * SIMD8(repeating: res[r])
                        }
                        UnsafeMutableRawPointer(gout + c).storeBytes(of: s, as: SIMD8<Double>.self)
                        c += 8
                    }
                    while c < j {
                        var s0 = rho * wp[c]
                        for r in 0..<m { s0 += at[r * j + c] * res[r] }
                        g[c] = s0
                        c += 1
                    }
                    for c in 0..<j {
                        let d = g[c] - mu
                        if d < most && !inFree[c] {
                            most = d
                            entering = c
                        }
                    }
                    return entering
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
        if k > max(2 * m, 24) && ridge > 0, let z = lowRankSubproblem(free, ap, v, &work) { return z }
        return kktSubproblem(free, ap, v, &work)
    }

    /// The subproblem through its (k+1)-square KKT system (LU by `DenseSolver.solveInPlace`; minimum-norm
    /// `dgelsd` if singular).
    func kktSubproblem(_ free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double], _ work: inout Workspace) -> [Double]? {
        let k = free.count, m = a.rows, n = k + 1
        if k == 1 { return [1] }
        if work.kkt.count < n * n {
            work.kkt = [Double](repeating: 0, count: n * n); work.rhs = [Double](repeating: 0, count: n); work.pivots = [Int32](repeating: 0, count: n)
        }
        let ridge = ridge
        let solved = work.kkt.withUnsafeMutableBufferPointer { kp -> [Double]? in
            work.rhs.withUnsafeMutableBufferPointer { rp -> [Double]? in
                work.pivots.withUnsafeMutableBufferPointer { pp -> [Double]? in
                    v.withUnsafeBufferPointer { vp -> [Double]? in
                        b.withUnsafeBufferPointer { bp -> [Double]? in
                            let kkt = kp.baseAddress!, rhs = rp.baseAddress!, a = ap.baseAddress!
                            for (x, cx) in free.enumerated() {
                                let ax = a + cx * m
                                for (y, cy) in free.enumerated() where y >= x {
                                    let ay = a + cy * m
                                    var s = 0.0
                                    for r in 0..<m { s += ax[r] * vp[r] * ay[r] }
                                    kkt[x + y * n] = s
                                    kkt[y + x * n] = s
                                }
                                kkt[x + x * n] += ridge
                                var s = 0.0
                                for r in 0..<m { s += ax[r] * vp[r] * bp[r] }
                                rhs[x] = s
                                kkt[x + k * n] = 1
                                kkt[k + x * n] = 1
                            }
                            kkt[k + k * n] = 0
                            rhs[k] = 1
                            guard DenseSolver.solveInPlace(kkt, rhs, n: n, pivots: pp.baseAddress!) else { return nil }
                            let z = Array(UnsafeBufferPointer(start: rhs, count: k))
                            return z.allSatisfy(\.isFinite) ? z : nil
                        }
                    }
                }
            }
        }
        if let solved { return solved }
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

    /// The subproblem for k > m free weights, through the QR factorisation A_Fᵀ = QR₀ (k x m;
    /// `DenseSolver.householderQRInPlace`, Q kept as its m reflectors) instead of the (k+1)-square
    /// KKT system.
    ///
    /// Uᵀ = (V^½A_F)ᵀ = A_FᵀV^½ = Q(R₀V^½): scaling the columns of A_Fᵀ scales those of R₀ and
    /// leaves Q alone, so R = R₀V^½ and the factorisation of A_Fᵀ serves every V. With
    /// M = RRᵀ + ρI (m x m), (UᵀU + ρI)⁻¹ = Q₁M⁻¹Q₁ᵀ + Q₂Q₂ᵀ/ρ for Q = (Q₁ Q₂). Writing
    /// Qᵀ1 = (p, t), a = M⁻¹Rc (c = V^½b) and d = M⁻¹p, the solution is
    /// z = Q(a − νd, −κt) with κ = ν/ρ = (pᵀa − 1)/(ρpᵀd + ‖t‖²), which never divides by ρ, so a tiny
    /// tie-breaking ridge loses no precision; Q₂t = 1 − Q₁p is the part of 1 outside U's row space,
    /// found without cancellation. Q is applied, never formed. nil if a factorisation fails (the
    /// caller then uses the KKT system).
    ///
    /// The workspace keeps the factors of the last free set it factored (a workspace serves one A):
    /// the nested V search re-solves the same free set under many V (each warm start begins with
    /// the previous solution's free set), and then only M, its Cholesky factor and one application
    /// of Q are new. The factors do not depend on V, so a reused factorisation is the one a fresh
    /// workspace computes, bit for bit, and results do not depend on what a workspace solved before.
    ///
    /// Complexity: O(km²) for the factorisation (once per free set), O(m³ + km) per V.
    func lowRankSubproblem(_ free: [Int], _ ap: UnsafeBufferPointer<Double>, _ v: [Double], _ work: inout Workspace) -> [Double]? {
        let k = free.count, m = a.rows
        if work.lapackShape != (k, m) {
            work.lapackCount = DenseSolver.householderWorkspaceCount(rows: k, columns: m)
            work.lapackShape = (k, m)
        }
        // A_Fᵀ then its packed factors (k x m), R (m x m), M (m x m), the reflector scalars (m), five
        // vectors of length m, Qᵀ1 = (p, t) (kept with the factors) and z (k each), and the
        // factorisation's workspace.
        let lwork = work.lapackCount
        let size = k * m + 2 * m * m + 6 * m + 2 * k + lwork
        if work.lowRank.count < size {
            work.lowRank = [Double](repeating: 0, count: size)
            work.factoredFree = nil
        }
        let ridge = ridge
        // Whether `lowRank` holds A_F's factors when this call ends: already, or once factored here.
        var factored = work.factoredFree == free
        let reuse = factored
        let z = work.lowRank.withUnsafeMutableBufferPointer { buffer -> [Double]? in
            let q = buffer.baseAddress!, rf = q + k * m, mm = rf + m * m, tau = mm + m * m
            let root = tau + m, c = root + m, g = c + m, av = g + m, dv = av + m
            let qt1 = dv + m, zv = qt1 + k, lapackWork = zv + k
            // Qᵀ1 = (p, t): p its first m entries.
            let p = qt1
            if !reuse {
                // A_Fᵀ column by column (contiguous stores), gathering each row of A from its row-by-row copy.
                var finite = true
                rows.withUnsafeBufferPointer { rowsp in
                    for r in 0..<m {
                        let row = rowsp.baseAddress! + r * a.columns, out = q + r * k
                        for (x, cx) in free.enumerated() {
                            let u = row[cx]
                            out[x] = u
                            if !u.isFinite { finite = false }
                        }
                    }
                }
                guard finite,
                    DenseSolver.householderQRInPlace(q, rows: k, columns: m, tau: tau, work: lapackWork, workCount: lwork)
                else { return nil }
                for x in 0..<k { qt1[x] = 1 }
                DenseSolver.applyHouseholderQ(q, rows: k, reflectors: m, tau: tau, to: qt1, transposed: true)
                // 1 in the row space of U (a row constant across the free columns): t is rounding noise, and
                // κt would amplify it; it is exactly zero.
                var noise = 0.0
                for x in m..<k { noise += qt1[x] * qt1[x] }
                if noise <= Double(k) * (64 * Double.ulpOfOne) * (64 * Double.ulpOfOne) { for x in m..<k { qt1[x] = 0 } }
                factored = true
            }
            var perpNorm2 = 0.0
            for x in m..<k { perpNorm2 += qt1[x] * qt1[x] }
            for r in 0..<m { root[r] = v[r].squareRoot() }
            // R = R₀V^½ (upper triangle of the packed factors, column j times √vⱼ).
            for j in 0..<m { for i in 0..<m { rf[i + j * m] = i <= j ? q[i + j * k] * root[j] : 0 } }
            for r in 0..<m { c[r] = root[r] * b[r] }
            // g = Rc, M = RRᵀ + ρI.
            var mFinite = true
            for i in 0..<m {
                g[i] = 0
                for j in i..<m { g[i] += rf[i + j * m] * c[j] }
                for j in 0..<m {
                    var e = i == j ? ridge : 0
                    for l in max(i, j)..<m { e += rf[i + l * m] * rf[j + l * m] }
                    mm[i + j * m] = e
                    if !e.isFinite { mFinite = false }
                }
            }
            guard mFinite, DenseSolver.choleskyInPlace(mm, n: m) else { return nil }
            for i in 0..<m { av[i] = g[i]; dv[i] = p[i] }
            guard DenseSolver.choleskySolveInPlace(mm, n: m, av), DenseSolver.choleskySolveInPlace(mm, n: m, dv) else { return nil }
            var pa = 0.0, pd = 0.0
            for i in 0..<m { pa += p[i] * av[i]; pd += p[i] * dv[i] }
            let kappa = (pa - 1) / (ridge * pd + perpNorm2)
            let nu = kappa * ridge
            // z = Q(a − νd, −κt).
            for i in 0..<m { zv[i] = av[i] - nu * dv[i] }
            for x in m..<k { zv[x] = -kappa * qt1[x] }
            DenseSolver.applyHouseholderQ(q, rows: k, reflectors: m, tau: tau, to: zv, transposed: false)
            let z = Array(UnsafeBufferPointer(start: zv, count: k))
            return z.allSatisfy(\.isFinite) ? z : nil
        }
        work.factoredFree = factored ? free : nil
        return z
    }
}
