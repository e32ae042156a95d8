import EstimationCore
import Foundation
import LinearAlgebra

/// The wild cluster bootstrap t test and confidence interval for one coefficient (Cameron, Gelbach &
/// Miller 2008), computed as boottest does (Roodman, MacKinnon, Nielsen & Webb 2019).
///
/// Restricted (WCR, the default): the null β_j = r is imposed; the restricted model's residuals ũ
/// (least squares of y − r xⱼ on the other columns, fixed effects absorbed) are multiplied by one
/// draw v_g per cluster, y* = Xβ̃ + ũ∘v, and the model is refitted. Unrestricted (WCU): the
/// residuals û of the full model and its β̂, and t* is centred at β̂_j. Each draw's t* uses the same
/// CR1 variance (and small-sample factor) as the observed t, which is `LinearFit.coefficientTable(.cr1)`'s.
///
/// The p-value is symmetric two-sided, P*(|t*| ≥ |t|) over the draws (ties within 1e-10 relative
/// count, so the draws ±1 of WCR, which reproduce ±t exactly, count as the `wildboottest`
/// package counts them). With Rademacher weights and 2^G ≤ `replications` every sign vector is
/// used once (full enumeration) and the p-value is exact for the design. The confidence interval
/// inverts the test: the set of r whose p-value exceeds 1 − level, its ends found by bisection to
/// 1e-9 standard errors (or the spacing of doubles there), at most 200 halvings.
///
/// A draw whose multipliers are all equal (v = c·1) reproduces the observed t for every null value r,
/// so the p-value never falls below the share of such draws (2/2^G under full enumeration). When that
/// floor is not below α = 1 − level the confidence set is the whole line: both ends are reported as
/// unbounded with a warning, as boottest and fwildclusterboot do, instead of searching. An end that
/// the search cannot close within 2^60 standard errors is reported as unbounded likewise. With
/// Rademacher weights and fewer than 64 distinct sign vectors (G ≤ 5) a warning suggests Webb's
/// six-point weights (Webb 2014).
///
/// Per-draw cost does not grow with n: y* enters only through cluster sums. With s_g(r) = X_gᵀW_g ũ_g(r)
/// and b = (XᵀWX)⁻¹eⱼ, β*ⱼ − r = Σ_g v_g bᵀs_g and the CR1 score of cluster h is
/// Σ_g v_g K_hg, K_hg = X_hᵀW_h [M_D ũ^(g)]_h − (X_hᵀW_hX_h) B s_g. Everything is affine in r, so each
/// draw is summarised once by five numbers and each p(r) costs O(B). Without absorbed fixed effects,
/// or with every absorbed factor nested in the clusters, K_hg is diagonal plus rank k and a draw costs
/// O(G k); otherwise K (G × G) is formed with 2G demeanings and a draw costs O(G²).
///
/// Draws are made in blocks of 256 with seeds derived from `seed` and the block's index, so results are
/// identical for any number of threads.
public enum WildClusterBootstrap {
    /// The distribution of the cluster multipliers v_g.
    public typealias Weights = MultiplierWeights

    /// The bootstrap's settings, each with boottest's default.
    public struct Specification: Sendable {
        public var weights = Weights.rademacher
        public var replications = 9999
        /// Impose the null (WCR) or not (WCU).
        public var imposeNull = true
        public var seed: UInt64 = 1
        public var level = 0.95
        public var threads = 1

        public init() {}

        /// The defaults with `replications` draws.
        public init(replications: Int) { self.replications = replications }
    }

    /// Something a reader of a wild bootstrap result should know before trusting its interval.
    public enum Warning: Sendable, Codable, Equatable {
        /// The confidence set is unbounded on at least one side: `smallestPValue` is the floor the
        /// p-value cannot go below (the share of draws with equal multipliers), `level` the level asked for.
        case unboundedInterval(smallestPValue: Double, level: Double)
        /// Rademacher weights with G clusters have only 2^G distinct sign vectors (fewer than 64).
        case fewDistinctDraws(clusters: Int, distinct: Int)

        /// The warning as a sentence for a report.
        public var message: String {
            switch self {
            case .unboundedInterval(let p, let level):
                return "The wild bootstrap's \(ConfidenceLevel.percent(level)) confidence set is unbounded: the bootstrap p-value cannot fall below "
                    + "\(p) (the share of draws whose multipliers are all equal, which reproduce the observed t for any null), "
                    + "which is not below 1 − level. With so few clusters no null value can be rejected at this level."
            case .fewDistinctDraws(let g, let distinct):
                return "Rademacher weights with \(g) clusters give only \(distinct) distinct bootstrap draws, so p-values are coarse; "
                    + "Webb's six-point weights (`bootstrap_weights: webb`, Webb 2014) give more."
            }
        }
    }

    /// A bootstrap test of one coefficient.
    public struct Result: Sendable, Codable, Equatable {
        /// The coefficient, its CR1 t statistic and standard error, the bootstrap p-value and the
        /// test-inversion interval (an end is absent where the set is unbounded on that side).
        public let effect: Estimate
        public let weights: Weights
        public let imposeNull: Bool
        /// Draws used (2^G under full enumeration).
        public let draws: Int
        public let fullEnumeration: Bool
        public let clusters: Int
        /// Whether the confidence set has no lower (upper) end.
        public let unboundedBelow: Bool
        public let unboundedAbove: Bool
        public let warnings: [Warning]
    }

    static let blockSize = 256

    /// One draw summarised: numerator a − r·b, denominator² ssc·(c2 − 2r·cd + r²·d2); `constant`
    /// when every multiplier is the same (the draw reproduces the observed t for every r).
    struct Draw: Sendable {
        var a = 0.0, b = 0.0, c2 = 0.0, cd = 0.0, d2 = 0.0
        var constant = false
    }

    /// The end of {r : p(r) > α} on one side of `estimate`: doubling steps of `se` outwards until p(r)
    /// is at most α (nil, unbounded, after 60 doublings), then bisection until the bracket is 1e-9
    /// standard errors or a few ulps wide, at most 200 halvings.
    static func intervalEnd(estimate: Double, se: Double, direction: Double, inside: (Double) -> Bool) -> Double? {
        var a = estimate, step = se
        var b = estimate + direction * step
        var tries = 0
        while inside(b) {
            a = b
            step *= 2
            b = estimate + direction * step
            tries += 1
            if tries > 60 || !b.isFinite { return nil }
        }
        for _ in 0..<200 {
            let width = abs(b - a)
            if width <= 1e-9 * se || width <= 4 * max(abs(a), abs(b)).ulp { break }
            let mid = (a + b) / 2
            if inside(mid) { a = mid } else { b = mid }
        }
        return (a + b) / 2
    }
}

extension LinearFit {
    /// The wild cluster bootstrap test of `term` = 0 and its confidence interval (see `WildClusterBootstrap`).
    ///
    /// - Parameter clusters: cluster codes; defaults to the design's first cluster column.
    public func wildClusterBootstrap(
        _ term: String, clusters: [Int]? = nil, _ spec: WildClusterBootstrap.Specification = .init()
    ) throws(RegressionError) -> WildClusterBootstrap.Result {
        guard let j = index(of: term) else { throw .invalidOption("the bootstrap names '\(term)', which is not a coefficient") }
        guard let codes = clusters ?? self.clusters else {
            throw .varianceUnavailable(estimator: "wild cluster bootstrap", reason: "no cluster variable was given")
        }
        let g = (codes.max() ?? -1) + 1
        guard g >= 2 else { throw .varianceUnavailable(estimator: "wild cluster bootstrap", reason: "there is only \(g) cluster") }
        guard spec.replications >= 1 else { throw .invalidOption("the wild cluster bootstrap needs at least one replication") }
        let cr1 = try covariance(.cr1, clusters: codes)
        let se = cr1.standardErrors[j]
        let n = observations, k = parameterCount
        let w = weights ?? [Double](repeating: 1, count: n)
        let bread = try bread().bread
        let b = bread.column(j)
        let dimensions = [codes]
        let ssc = Double(g) / Double(g - 1) * (Double(n) - 1) / (Double(n) - Double(k + (absorption?.clusteredCoefficientCount(dimensions) ?? 0)))

        // Residuals affine in the null value r: ũ(r) = u0 − r·m (WCU: û, m = 0).
        var u0 = residuals, m = [Double](repeating: 0, count: n)
        if spec.imposeNull {
            let xj = x.column(j)
            if k == 1 {
                u0 = y
                m = xj
            } else {
                let others = x.selectingColumns((0..<k).filter { $0 != j })
                let sqrtW = weights?.map { $0.squareRoot() }
                func residualize(_ v: [Double]) throws(RegressionError) -> [Double] {
                    let a = sqrtW.map { others.scalingRows(by: $0) } ?? others
                    let rhs = sqrtW.map { s in zip(v, s).map { $0 * $1 } } ?? v
                    let coef: [Double]
                    do { coef = try a.leastSquares(rhs).solution } catch { throw .linearAlgebra(error) }
                    let fitted = others.multiplied(by: coef)
                    return zip(v, fitted).map { $0 - $1 }
                }
                u0 = try residualize(y)
                m = try residualize(xj)
            }
        }
        var groups = [[Int]](repeating: [], count: g)
        for (i, c) in codes.enumerated() { groups[c].append(i) }
        // Per cluster: s_g (k-vectors) for u0 and m, η = bᵀs, A_h b.
        func sums(_ u: [Double]) -> [[Double]] {
            groups.map { rows in (0..<k).map { c in rows.reduce(0) { $0 + x[$1, c] * w[$1] * u[$1] } } }
        }
        let s0 = sums(u0), s1 = sums(m)
        let eta0 = s0.map { Vector.dot(b, $0) }, eta1 = s1.map { Vector.dot(b, $0) }
        let alpha = groups.map { rows in x.selectingRows(rows).gram(rowScale: rows.map { w[$0].squareRoot() }).multiplied(by: b) }
        let bs0 = s0.map { bread.multiplied(by: $0) }, bs1 = s1.map { bread.multiplied(by: $0) }
        // K_hg projected on b: κ_hg = bᵀX_hᵀW_h [M_D ũ^(g)]_h − α_hᵀ B s_g; the first term is δ_hg η_g
        // unless some absorbed factor crosses clusters.
        let nested = absorption.map { a in a.fixedEffects.levels.indices.allSatisfy { a.fixedEffects.isNested($0, in: codes) } } ?? true
        var dense0: [[Double]]? = nil, dense1: [[Double]]? = nil
        if !nested, let fe = absorption?.fixedEffects {
            guard g <= 2_000 else {
                throw .varianceUnavailable(
                    estimator: "wild cluster bootstrap",
                    reason: "with an absorbed factor that crosses clusters it is computed for up to 2,000 clusters (this model has \(g))")
            }
            let xb = x.multiplied(by: b)
            func cross(_ u: [Double]) throws(RegressionError) -> [[Double]] {
                var out = [[Double]](repeating: [Double](repeating: 0, count: g), count: g) // out[h][g]
                for (gg, rows) in groups.enumerated() {
                    var z = [Double](repeating: 0, count: n)
                    for i in rows { z[i] = u[i] }
                    let d = try fe.demean(z).values
                    for i in 0..<n { out[codes[i]][gg] += xb[i] * w[i] * d[i] }
                }
                return out
            }
            dense0 = try cross(u0)
            dense1 = spec.imposeNull ? try cross(m) : nil
        }

        let crossing0 = dense0, crossing1 = dense1
        let enumerate = spec.weights == .rademacher && g < 63 && (1 << g) <= spec.replications
        let draws = enumerate ? 1 << g : spec.replications
        let blocks = (draws + WildClusterBootstrap.blockSize - 1) / WildClusterBootstrap.blockSize
        let weightsKind = spec.weights, seed = spec.seed
        let summaries: [[WildClusterBootstrap.Draw]] = ParallelMap.map(blocks, threads: spec.threads) { block in
            var rng = SplitMix64(seed: SplitMix64.derive(seed, block))
            let start = block * WildClusterBootstrap.blockSize, end = min(draws, start + WildClusterBootstrap.blockSize)
            var out: [WildClusterBootstrap.Draw] = []
            out.reserveCapacity(end - start)
            var v = [Double](repeating: 0, count: g)
            for d in start..<end {
                for h in 0..<g {
                    v[h] = enumerate ? ((d >> h) & 1 == 0 ? 1 : -1) : weightsKind.draw(&rng)
                }
                var draw = WildClusterBootstrap.Draw()
                draw.constant = v.allSatisfy { $0 == v[0] }
                var sv0 = [Double](repeating: 0, count: k), sv1 = [Double](repeating: 0, count: k)
                for h in 0..<g {
                    draw.a += v[h] * eta0[h]
                    draw.b += v[h] * eta1[h]
                    for c in 0..<k {
                        sv0[c] += v[h] * bs0[h][c]
                        sv1[c] += v[h] * bs1[h][c]
                    }
                }
                for h in 0..<g {
                    var c0 = -Vector.dot(alpha[h], sv0), c1 = -Vector.dot(alpha[h], sv1)
                    if let crossing0 {
                        for gg in 0..<g { c0 += v[gg] * crossing0[h][gg] }
                        if let crossing1 { for gg in 0..<g { c1 += v[gg] * crossing1[h][gg] } }
                    } else {
                        c0 += v[h] * eta0[h]
                        c1 += v[h] * eta1[h]
                    }
                    draw.c2 += c0 * c0
                    draw.cd += c0 * c1
                    draw.d2 += c1 * c1
                }
                out.append(draw)
            }
            return out
        }
        let all = summaries.flatMap { $0 }
        let estimate = coefficients[j]
        // p(r): share of draws with |t*(r)| ≥ |t(r)|.
        func pValue(_ r: Double) -> Double {
            let observed = abs(estimate - r) / se * (1 - 1e-10)
            var count = 0
            for d in all {
                let rr = spec.imposeNull ? r : 0
                let num = d.a - rr * d.b
                let den2 = ssc * (d.c2 - 2 * rr * d.cd + rr * rr * d.d2)
                let t = den2 > 0 ? abs(num) / den2.squareRoot() : (num == 0 ? 0 : .infinity)
                if t >= observed { count += 1 }
            }
            return Double(count) / Double(all.count)
        }
        let p = pValue(0)
        // Confidence set: inside where p(r) > 1 − level. Draws with equal multipliers count at every r
        // (WCR), so when their share is not below α no r is outside.
        let floor = spec.imposeNull ? Double(all.filter(\.constant).count) / Double(all.count) : 0
        let level = spec.level
        let whole = ConfidenceLevel.exceedsAlpha(pValue: floor, level: level)
        let inside: (Double) -> Bool = { ConfidenceLevel.exceedsAlpha(pValue: pValue($0), level: level) }
        let lower = whole ? nil : WildClusterBootstrap.intervalEnd(estimate: estimate, se: se, direction: -1, inside: inside)
        let upper = whole ? nil : WildClusterBootstrap.intervalEnd(estimate: estimate, se: se, direction: 1, inside: inside)
        var warnings: [WildClusterBootstrap.Warning] = []
        if lower == nil || upper == nil { warnings.append(.unboundedInterval(smallestPValue: floor, level: level)) }
        if spec.weights == .rademacher && g < 6 { warnings.append(.fewDistinctDraws(clusters: g, distinct: 1 << g)) }
        let inference = Inference(
            kind: .bootstrap, name: "wild", type: "wild cluster (\(spec.imposeNull ? "WCR" : "WCU"), \(spec.weights.rawValue))",
            df: nil, clusters: g, replications: draws)
        let effect = Estimate(
            term: term, estimate: estimate, standardError: se, degreesOfFreedom: nil, statistic: estimate / se,
            pValue: p, level: spec.level, lower: lower, upper: upper, inference: inference)
        return WildClusterBootstrap.Result(
            effect: effect, weights: spec.weights, imposeNull: spec.imposeNull, draws: draws,
            fullEnumeration: enumerate, clusters: g, unboundedBelow: lower == nil, unboundedAbove: upper == nil, warnings: warnings)
    }
}
