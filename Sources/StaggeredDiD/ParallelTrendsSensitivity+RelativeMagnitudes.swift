import Distributions
import EstimationCore
import Foundation
import LinearAlgebra

extension ParallelTrendsSensitivity {
    /// Robust confidence sets under `Δ^RM(M̄)`, one per `M̄` (HonestDiD's
    /// `createSensitivityResults_relativeMagnitudes` with its default method "C-LF").
    ///
    /// `Δ^RM(M̄)`: every post-period change `|δ_{t+1} − δ_t|` is at most `M̄` times the largest
    /// pre-period change. The set is the union over the location `s` and sign of that largest
    /// change of polyhedral sets `Aδ ≤ 0`, each tested by Andrews, Roth & Pakes's (2023)
    /// conditional test hybridised with the least-favourable test at `κ = α/10`, whose critical
    /// value comes from 1,000 draws of R's generator after `set.seed(0)` as in HonestDiD. Only the
    /// moments involving post-period coefficients enter the test (`postPeriodMomentsOnly`).
    ///
    /// The test is inverted on `gridPoints` equally spaced values of θ centred at `θ̂`, with
    /// half-width `M̄ · Σ_t t|l_t| · max_t|Δβ̂_pre,t| + 20 sd(θ̂)` (HonestDiD 0.2.6 and the Stata
    /// port); the set's ends are the extreme accepted grid points, so they are exact to one grid
    /// step, and ``RobustInterval/openAtGridEnd`` flags a set that reaches the grid's end.
    ///
    /// Complexity: per `M̄`, 2·preperiods polyhedra × (1,000 + `gridPoints`) linear programs with
    /// a few rows each; the polyhedra run in parallel on `threads` with identical results.
    public func relativeMagnitudes(_ bounds: [Double], gridPoints: Int = 1000, threads: Int = 1) throws(DiDError) -> [RobustInterval] {
        guard gridPoints >= 2 else { throw .data("sensitivity: the relative-magnitudes grid needs at least 2 points, got \(gridPoints)") }
        for m in bounds where !(m >= 0 && m.isFinite) {
            throw .data("sensitivity: relative-magnitudes bound M̄ must be finite and non-negative, got \(m)")
        }
        let alpha = 1 - level
        let sdTheta = targetStandardError
        let pre = Array(estimates[0..<preperiods])
        let maxPre: Double =
            preperiods > 1
            ? zip(pre + [0], pre.dropFirst() + [0]).reduce(0.0) { max($0, abs($1.1 - $1.0)) } : abs(pre[0])
        let weightedSpan = target.indices.reduce(0.0) { $0 + Double($1 + 1) * abs(target[$1]) }
        // Pairs (s, sign): s = −(preperiods − 1) … 0 locates the largest pre-period change.
        let cases = (-(preperiods - 1)...0).flatMap { s in [(s, true), (s, false)] }
        var out: [RobustInterval] = []
        for mBar in bounds {
            let half = mBar * weightedSpan * maxPre + 20 * sdTheta
            let grid = Self.sequence(from: targetEstimate - half, to: targetEstimate + half, count: gridPoints)
            let accepted = ParallelMap.map(cases.count, threads: threads) { index -> [Bool] in
                let (s, positive) = cases[index]
                let polyhedron = RelativeMagnitudesPolyhedron(self, mBar: mBar, s: s, maxPositive: positive)
                return polyhedron.acceptance(grid: grid, alpha: alpha)
            }
            var union = [Bool](repeating: false, count: gridPoints)
            for a in accepted { for i in 0..<gridPoints where a[i] { union[i] = true } }
            let first = union.firstIndex(of: true), last = union.lastIndex(of: true)
            out.append(
                RobustInterval(
                    restriction: .relativeMagnitudes, bound: mBar, lower: first.map { grid[$0] }, upper: last.map { grid[$0] },
                    method: "C-LF", openAtGridEnd: union[0] || union[gridPoints - 1]))
        }
        return out
    }

    /// R's `seq(from, to, length.out = count)`: `from + i·by`, with `to` exactly at the end.
    static func sequence(from: Double, to: Double, count: Int) -> [Double] {
        let by = (to - from) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? to : from + Double($0) * by }
    }
}

/// One polyhedron `A δ ≤ 0` of `Δ^RM(M̄)` (fixed location `s` and sign of the largest pre-period
/// change) and the conditional / least-favourable hybrid test of `θ` against it.
struct RelativeMagnitudesPolyhedron {
    let sensitivity: ParallelTrendsSensitivity
    /// Constraint rows over (δ_pre, δ_post), the reference period removed.
    let rows: [[Double]]

    /// HonestDiD's `.create_A_RM`: first differences of `(δ_pre, 0, δ_post)`, each bounded in
    /// absolute value by the (signed) difference at pre-period `s` (times `M̄` after treatment).
    init(_ sensitivity: ParallelTrendsSensitivity, mBar: Double, s: Int, maxPositive: Bool) {
        self.sensitivity = sensitivity
        let pre = sensitivity.preperiods, total = pre + sensitivity.postperiods
        var bound = [Double](repeating: 0, count: total + 1)
        bound[pre + s - 1] = maxPositive ? -1 : 1
        bound[pre + s] = maxPositive ? 1 : -1
        var all: [[Double]] = []
        for direction in [1.0, -1.0] {
            for r in 0..<total {
                var row = [Double](repeating: 0, count: total + 1)
                row[r] = -direction
                row[r + 1] = direction
                let scale = r < pre ? 1 : mBar
                for j in 0...total { row[j] -= scale * bound[j] }
                all.append(row)
            }
        }
        rows = all.filter { $0.reduce(0) { $0 + $1 * $1 } > 1e-10 }.map { row in
            var r = row
            r.remove(at: pre)
            return r
        }
    }

    /// Accept (true) or reject each θ in `grid`.
    func acceptance(grid: [Double], alpha: Double) -> [Bool] {
        let s = sensitivity
        let pre = s.preperiods, post = s.postperiods
        let kappa = alpha / 10
        // Only moments that involve post-period coefficients.
        let selected = rows.filter { row in (pre..<(pre + post)).contains { row[$0] != 0 } }
        if selected.isEmpty { return Array(repeating: true, count: grid.count) }
        let sigma = s.covariance
        let sigmaY = Matrix(rows: selected.count, columns: sigma.rows, rowMajor: selected.flatMap { $0 }).sandwiching(sigma)
        let y0 = selected.map { row in Vector.dot(row, s.estimates) }
        if post == 1 {
            let lfCV = ConditionalMomentTest.leastFavourableCriticalValueWithoutNuisance(sigma: sigmaY, kappa: kappa)
            let test = NoNuisanceTest(rows: selected, sigma: sigma, sigmaY: sigmaY, lfCV: lfCV, alpha: alpha, kappa: kappa)
            return grid.map { theta in
                var beta = s.estimates
                beta[pre] -= theta
                return !test.rejects(beta)
            }
        }
        // Reparametrise the post-period part by Γ (first row l) so θ is one coordinate:
        // Aδ = A_pre δ_pre + A_post Γ⁻¹ (θ, ν).
        let gamma = Self.gammaMatrix(s.target)
        let gammaInverse = (try? gamma.inverse()) ?? gamma
        var one = [Double](repeating: 0, count: selected.count)
        var nuisance = [[Double]](repeating: [Double](repeating: 0, count: post - 1), count: selected.count)
        for i in selected.indices {
            for c in 0..<post {
                var v = 0.0
                for t in 0..<post { v += selected[i][pre + t] * gammaInverse[t, c] }
                if c == 0 { one[i] = v } else { nuisance[i][c - 1] = v }
            }
        }
        let test = ConditionalMomentTest(nuisance: nuisance, sigma: sigmaY, alpha: alpha, kappa: kappa)
        return grid.map { theta in
            let y = zip(y0, one).map { $0 - $1 * theta }
            return !test.rejects(y)
        }
    }

    /// HonestDiD's `.construct_Gamma`: `lᵀ` then the unit vectors that are pivots of the
    /// reduced row echelon form of `[l, I]`, i.e. the first ones independent of those before.
    static func gammaMatrix(_ l: [Double]) -> Matrix {
        let p = l.count
        var chosen: [[Double]] = [l]
        for j in 0..<p where chosen.count < p {
            var e = [Double](repeating: 0, count: p)
            e[j] = 1
            let candidate = Matrix(rows: chosen.count + 1, columns: p, rowMajor: (chosen + [e]).flatMap { $0 })
            if let svd = try? candidate.svd(), svd.rank(relativeTolerance: 1e-10) == chosen.count + 1 { chosen.append(e) }
        }
        return Matrix(rows: p, columns: p, rowMajor: chosen.flatMap { $0 })
    }
}

/// Andrews, Roth & Pakes's (2023) conditional test of `E[y] − X ν ≤ 0` for some nuisance `ν`,
/// hybridised with the least-favourable test (their section 6.2), as HonestDiD's
/// `.lp_conditional_test_fn` with `hybrid_flag = "LF"`.
///
/// The statistic is `η̂ = min_ν max_i (y_i − X_i ν)/σ_i`, a linear program whose dual
/// `max yᵀλ : σᵀλ = 1, Xᵀλ = 0, λ ≥ 0` gives the binding moments; the critical value conditions
/// on the dual vertex (Lee et al. 2016 truncation bounds) and never exceeds the
/// least-favourable critical value.
struct ConditionalMomentTest {
    let nuisance: [[Double]]
    let sigma: Matrix
    let sd: [Double]
    let alpha: Double
    let kappa: Double
    let lfCV: Double

    init(nuisance: [[Double]], sigma: Matrix, alpha: Double, kappa: Double) {
        self.nuisance = nuisance
        self.sigma = sigma
        self.sd = sigma.diagonal.map { $0.squareRoot() }
        self.alpha = alpha
        self.kappa = kappa
        self.lfCV = Self.leastFavourableCriticalValue(nuisance: nuisance, sigma: sigma, sd: sd, kappa: kappa)
    }

    /// `(η̂, λ)` from the dual linear program; nil when it has no solution (the statistic is −∞).
    static func statistic(_ y: [Double], nuisance x: [[Double]], sd: [Double]) -> (eta: Double, lambda: [Double])? {
        let m = y.count, k = x.first?.count ?? 0
        var constraints = [sd]
        for c in 0..<k { constraints.append((0..<m).map { x[$0][c] }) }
        var rhs = [Double](repeating: 0, count: k + 1)
        rhs[0] = 1
        let solution = LinearProgram(cost: y.map { -$0 }, rows: constraints, rightHandSide: rhs).solve()
        guard solution.status == .optimal else { return nil }
        return (-solution.objective, solution.x)
    }

    /// The `1 − κ` quantile (R type 7) of `η̂` under `y ~ N(0, Σ)`, from 1,000 draws of R's
    /// generator after `set.seed(0)` transformed by the symmetric square root of Σ (as
    /// `mvtnorm::rmvnorm`'s default eigen method).
    static func leastFavourableCriticalValue(nuisance: [[Double]], sigma: Matrix, sd: [Double], kappa: Double) -> Double {
        let draws = Self.correlatedDraws(sigma)
        let etas = draws.compactMap { statistic($0, nuisance: nuisance, sd: sd)?.eta }
        return WeightedStatistics.quantile(etas, 1 - kappa)
    }

    /// The no-nuisance version: the `1 − κ` quantile of `max_i y_i/σ_i`.
    static func leastFavourableCriticalValueWithoutNuisance(sigma: Matrix, kappa: Double) -> Double {
        let sd = sigma.diagonal.map { $0.squareRoot() }
        let maxima = correlatedDraws(sigma).map { row in zip(row, sd).map { $0 / $1 }.max() ?? 0 }
        return WeightedStatistics.quantile(maxima, 1 - kappa)
    }

    /// 1,000 rows `z Σ^{1/2}` with `z` filled row by row from R's `rnorm` after `set.seed(0)`.
    static func correlatedDraws(_ sigma: Matrix, count: Int = 1000) -> [[Double]] {
        let m = sigma.rows
        let root = (try? sigma.symmetricEigen().applying { max($0, 0).squareRoot() }) ?? Matrix(rows: m, columns: m)
        var stream = RNormalStream(seed: 0)
        return (0..<count).map { _ in
            let z = stream.normals(m)
            return (0..<m).map { j in (0..<m).reduce(0) { $0 + z[$1] * root[$1, j] } }
        }
    }

    /// The hybrid test's decision at moments `y` (already shifted by θ).
    func rejects(_ y: [Double]) -> Bool {
        guard let (eta, lambda) = Self.statistic(y, nuisance: nuisance, sd: sd) else { return false }
        if eta > lfCV { return true }
        let modSize = (alpha - kappa) / (1 - kappa)
        let m = y.count, k = nuisance.first?.count ?? 0
        let binding = lambda.map { $0 > 1e-6 }
        let bindingCount = binding.filter { $0 }.count
        let degenerate = bindingCount != k + 1
        let bindingRows = (0..<m).filter { binding[$0] }
        var fullRank = false
        if !bindingRows.isEmpty && k > 0 {
            let xb = Matrix(rows: bindingRows.count, columns: k, rowMajor: bindingRows.flatMap { nuisance[$0] })
            if let svd = try? xb.svd() { fullRank = svd.rank(relativeTolerance: Double(max(bindingRows.count, k)) * .ulpOfOne) == min(bindingRows.count, k) }
        }
        let sigmaGamma: (([Double]) -> (variance: Double, product: [Double])) = { g in
            let p = self.sigma * g
            return (Vector.dot(g, p), p)
        }
        var zlo: Double, zup: Double, maxstat: Double
        if !fullRank || degenerate {
            let (variance, product) = sigmaGamma(lambda)
            if abs(variance) < .ulpOfOne { return eta > 0 }
            let sigmaB = variance.squareRoot()
            let gy = Vector.dot(lambda, y)
            let sT = (0..<m).map { y[$0] - product[$0] / variance * gy }
            let b = product.map { $0 / variance }
            let (vlo, vup) = dualTruncation(eta: eta, sT: sT, b: b, sigmaB: sigmaB)
            maxstat = eta / sigmaB
            zlo = vlo / sigmaB
            zup = min(vup, lfCV) / sigmaB
        } else {
            let outside = (0..<m).filter { !binding[$0] }
            let basis = Matrix(rows: k + 1, columns: k + 1, rowMajor: bindingRows.flatMap { [sd[$0]] + nuisance[$0] })
            guard let inverse = try? basis.inverse() else { return false }
            // v_B: first row of the inverse, placed at the binding rows.
            var vB = [Double](repeating: 0, count: m)
            for (c, r) in bindingRows.enumerated() { vB[r] = inverse[0, c] }
            // Γ_B = [σ, X]_{B^c} · inverse · S_B − S_{B^c}.
            var gammaB = [[Double]](repeating: [Double](repeating: 0, count: m), count: outside.count)
            for (i, r) in outside.enumerated() {
                let left = [sd[r]] + nuisance[r]
                for (c, col) in bindingRows.enumerated() {
                    gammaB[i][col] = (0...k).reduce(0) { $0 + left[$1] * inverse[$1, c] }
                }
                gammaB[i][r] -= 1
            }
            let (variance, product) = sigmaGamma(vB)
            let sigmaB = variance.squareRoot()
            let vy = Vector.dot(vB, y)
            var vlo = -Double.infinity, vup = Double.infinity
            for row in gammaB {
                let rho = Vector.dot(row, product) / variance
                let value = -Vector.dot(row, y) / rho + vy
                if rho > 0 { vlo = max(vlo, value) } else if rho < 0 { vup = min(vup, value) }
            }
            maxstat = eta / sigmaB
            zlo = vlo / sigmaB
            zup = min(vup, lfCV) / sigmaB
        }
        guard zlo <= maxstat && maxstat <= zup else { return false }
        let critical = max(0, TruncatedNormal.quantile(1 - modSize, lower: zlo, upper: zup))
        return maxstat > critical
    }

    /// HonestDiD's `.vlo_vup_dual_fn`: the truncation bounds when the dual vertex is degenerate,
    /// found from `max_λ (s + b c)ᵀλ` over the dual polytope, which equals `c` exactly on `[vlo, vup]`.
    private func dualTruncation(eta: Double, sT: [Double], b: [Double], sigmaB: Double) -> (Double, Double) {
        let m = sT.count, k = nuisance.first?.count ?? 0
        var constraints = [sd]
        for c in 0..<k { constraints.append((0..<m).map { nuisance[$0][c] }) }
        var rhs = [Double](repeating: 0, count: k + 1)
        rhs[0] = 1
        let tolerance = 1e-6
        func check(_ c: Double) -> (honest: Bool, x: [Double]) {
            let f = (0..<m).map { sT[$0] + b[$0] * c }
            let solution = LinearProgram(cost: f.map { -$0 }, rows: constraints, rightHandSide: rhs).solve()
            guard solution.status == .optimal else { return (false, solution.x) }
            return (abs(c - (-solution.objective)) <= tolerance, solution.x)
        }
        func roundEps(_ x: Double) -> Double { abs(x) < pow(Double.ulpOfOne, 0.75) ? 0 : x }
        func nextMid(_ x: [Double]) -> Double {
            roundEps(Vector.dot(x, sT)) / (1 - Vector.dot(x, b))
        }
        if !check(eta).honest { return (eta, .infinity) }
        let lowInitial = min(-100, eta - 20 * sigmaB), highInitial = max(100, eta + 20 * sigmaB)
        let maxIterations = 10_000, switchIterations = 10
        // From a point outside [vlo, vup] (where the program's value is not c): a few fixed-point
        // steps towards the end, then bisection between η (inside) and the last step (outside).
        func end(from initial: Double, upward: Bool) -> Double {
            var probe = check(initial)
            if probe.honest { return upward ? .infinity : -.infinity }
            var dif = 0.0, iterations = 1
            var mid = nextMid(probe.x)
            while true {
                probe = check(mid)
                if probe.honest || iterations >= maxIterations { break }
                iterations += 1
                if iterations >= switchIterations {
                    dif = tolerance + 1
                    break
                }
                mid = nextMid(probe.x)
            }
            var inside = eta, outside = mid
            while dif > tolerance && iterations < maxIterations {
                iterations += 1
                mid = (inside + outside) / 2
                if check(mid).honest { inside = mid } else { outside = mid }
                dif = abs(outside - inside)
            }
            return mid
        }
        let vup = end(from: highInitial, upward: true), vlo = end(from: lowInitial, upward: false)
        return (vlo, vup)
    }
}

/// The hybrid test without nuisance parameters (one post-period), as HonestDiD's
/// `.testInIdentifiedSet_LF_Hybrid`: the largest standardised moment, conditioned on being the largest.
struct NoNuisanceTest {
    let rows: [[Double]]
    let sigma: Matrix
    let sigmaTilde: [Double]
    let lfCV: Double
    let alpha: Double
    let kappa: Double

    init(rows: [[Double]], sigma: Matrix, sigmaY: Matrix, lfCV: Double, alpha: Double, kappa: Double) {
        self.rows = rows
        self.sigma = sigma
        self.sigmaTilde = sigmaY.diagonal.map { $0.squareRoot() }
        self.lfCV = lfCV
        self.alpha = alpha
        self.kappa = kappa
    }

    func rejects(_ beta: [Double]) -> Bool {
        let a = rows.indices.map { i in rows[i].map { $0 / sigmaTilde[i] } }
        let moments = a.map { Vector.dot($0, beta) }
        var location = 0
        for i in moments.indices where moments[i] > moments[location] { location = i }
        let maxMoment = moments[location]
        if maxMoment > lfCV { return true }
        let gamma = a[location]
        let product = sigma * gamma
        let variance = Vector.dot(gamma, product)
        let c = product.map { $0 / variance }
        let gy = Vector.dot(gamma, beta)
        let z = zip(beta, c).map { $0 - $1 * gy }
        var vlo = -Double.infinity, vup = Double.infinity
        for i in a.indices {
            let row = zip(a[i], gamma).map { $0 - $1 }
            let ac = Vector.dot(row, c)
            let value = -Vector.dot(row, z) / ac
            if ac < 0 { vlo = max(vlo, value) } else if ac > 0 { vup = min(vup, value) }
        }
        let alphaTilde = (alpha - kappa) / (1 - kappa)
        let sd = variance.squareRoot()
        let critical = max(0, sd * TruncatedNormal.quantile(1 - alphaTilde, lower: vlo / sd, upper: vup / sd))
        return maxMoment > critical
    }
}

/// Quantiles of the standard normal truncated to `[lower, upper]` (TruncatedNormal's `norminvp`),
/// computed in the tail where the truncation lies so that far tails keep their precision.
enum TruncatedNormal {
    static func quantile(_ p: Double, lower: Double, upper: Double) -> Double {
        let normal = Normal.standard
        if lower >= upper { return lower }
        if lower > 0 {
            // Upper tail: work with survival probabilities.
            let sl = normal.ccdf(lower), su = normal.ccdf(upper)
            if sl <= 0 { return lower }
            return normal.complementaryQuantile(sl - p * (sl - su))
        }
        if upper < 0 { return -quantile(1 - p, lower: -upper, upper: -lower) }
        let cl = normal.cdf(lower), cu = normal.cdf(upper)
        return normal.quantile(cl + p * (cu - cl))
    }
}
