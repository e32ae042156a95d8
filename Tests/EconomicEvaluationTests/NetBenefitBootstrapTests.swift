import EconomicEvaluation
import EstimationCore
import Foundation
import Regression
import Tabular
import TestSupport
import Testing

/// Simulated clustered cost-effect data with a known incremental net benefit, deliberately unlike the
/// bootstrap's own picture: unequal cluster sizes (8 to 40), multiplicative gamma cluster effects on
/// lognormal (skewed) costs, cluster and individual effects shared by cost and effect, and a baseline
/// covariate that moves the effect only. Treatment is by cluster (half the clusters).
///
/// E[cost | T] = exp(7 + 0.8²/2)·(1 + 0.3T), so ΔC = 0.3·exp(7.32); the effect is 0.6 + 0.05T + 0.3x +
/// cluster and individual noise, so ΔE = 0.05 given x; INB(20,000) = 1000 − 0.3·exp(7.32).
enum SimulatedTrial {
    static let trueINB = 20_000 * 0.05 - 0.3 * exp(7.32)

    static func normal(_ rng: inout SplitMix64) -> Double {
        (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform())
    }

    /// One trial of `clusters` clusters from `seed`.
    static func table(seed: UInt64, clusters: Int) throws -> Table {
        var rng = SplitMix64(seed: seed)
        var arm: [String?] = [], site: [Double] = [], cost: [Double] = [], effect: [Double] = [], x: [Double] = []
        for g in 0..<clusters {
            let treated = g % 2 == 1
            let size = 8 + rng.nextInt(below: 33)
            // Gamma(4, 1/4): mean 1, sd 0.5 (a sum of four exponentials).
            let u = (0..<4).reduce(0.0) { s, _ in s - log(rng.uniform()) } / 4
            let v = 0.06 * normal(&rng) + 0.04 * (u - 1)
            for _ in 0..<size {
                let shared = normal(&rng)
                let xi = normal(&rng)
                let base = exp(7 + 0.8 * (0.6 * shared + 0.8 * normal(&rng)))
                arm.append(treated ? "B" : "A")
                site.append(Double(g))
                x.append(xi)
                cost.append(base * u * (treated ? 1.3 : 1))
                effect.append(0.6 + (treated ? 0.05 : 0) + 0.3 * xi + v + 0.12 * (0.5 * shared + 0.866 * normal(&rng)))
            }
        }
        return try Table([
            ("arm", .categorical(Categorical(arm))), ("site", .numeric(site)), ("cost", .numeric(cost)), ("effect", .numeric(effect)),
            ("x", .numeric(x))
        ])
    }
}

struct ShrinkageReference: Decodable {
    struct Values: Decodable { let q: [Double], site: [Double], arm: [Double], values: [Double], retained: [Double] }
    let shrinkage: Values
    static let value = try! JSONDecoder().decode(
        Self.self, from: Foundation.Data(contentsOf: TestData.fixture("EconomicEvaluationTests", "cost_effectiveness_r.json")))
}

@Suite("The bootstrap of the net-benefit regression on clustered data")
struct NetBenefitBootstrapTests {
    @Test("Davison & Hinkley's shrinkage within arms equals an R implementation from the book on the PBS trial's QALYs (1e-12)")
    func shrinkage() throws {
        let r = ShrinkageReference.value.shrinkage
        let sites = Array(Set(r.site)).sorted()
        let codes = r.site.map { sites.firstIndex(of: $0)! }
        let (values, retained) = ClusterResampling.shrunken(r.q, clusters: codes, strata: r.arm.map { Int($0) })
        #expect(maxRelativeError(values, r.values) < 1e-12)
        #expect(maxRelativeError(retained, r.retained) < 1e-12)
    }

    @Test("Resampling plans: strata keep their clusters; clusters enter whole; two-stage rows come from drawn clusters; seeds fix the draw")
    func plans() throws {
        let clusters = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3]
        let strata = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
        let whole = try ClusterResampling(.clusters, clusters: clusters, strata: strata)
        let twoStage = try ClusterResampling(.twoStage, clusters: clusters, strata: strata)
        let individuals = try ClusterResampling(.individuals, clusters: clusters, strata: strata)
        for seed in UInt64(1)...50 {
            let c = whole.counts(seed: seed)
            // Each cluster's rows share one count; each stratum draws two clusters.
            #expect(c[0] == c[1] && c[1] == c[2] && c[3] == c[4] && c[5] == c[8] && c[9] == c[11])
            #expect(c[0] + c[3] == 2 && c[5] + c[9] == 2)
            let t = twoStage.counts(seed: seed)
            let stratumRows = [t[0..<5].reduce(0, +), t[5..<12].reduce(0, +)]
            #expect(stratumRows[0] >= 4 && stratumRows[0] <= 6 && stratumRows[1] == 7 || stratumRows[1] == 8 || stratumRows[1] == 6)
            let i = individuals.counts(seed: seed)
            #expect(i[0..<5].reduce(0, +) == 5 && i[5..<12].reduce(0, +) == 7)
            #expect(whole.counts(seed: seed) == c && twoStage.counts(seed: seed) == t)
        }
        #expect(throws: ClusterResampling.Problem.clusterInTwoStrata(cluster: 1)) {
            try ClusterResampling(.clusters, clusters: [0, 1, 1, 2], strata: [0, 0, 1, 1])
        }
        #expect(throws: ClusterResampling.Problem.tooFewClusters(stratum: 0, count: 1)) {
            try ClusterResampling(.twoStage, clusters: [0, 0, 1, 2], strata: [0, 0, 1, 1])
        }
    }

    static func specification(_ scheme: ClusterResampling.Scheme?, variance: VarianceEstimator = .cr2, draws: Int = 499, threads: Int = 2)
        -> CostEffectiveness.Specification
    {
        var spec = CostEffectiveness.Specification(strategy: "arm", cost: "cost", effect: "effect")
        spec.covariates = ["x"]
        spec.cluster = "site"
        spec.variance = variance
        spec.willingnessToPay = [20_000]
        if let scheme {
            var settings = NetBenefitBootstrap.Settings(scheme: scheme)
            settings.draws = draws
            settings.threads = threads
            settings.seed = 11
            spec.bootstrap = settings
        }
        return spec
    }

    @Test("The same draws for 1 and 2 threads; the plane holds every draw; SEs are the draws' SD")
    func threadInvariance() throws {
        let table = try SimulatedTrial.table(seed: 5, clusters: 24)
        let one = try CostEffectiveness.estimate(Self.specification(.twoStage, threads: 1), table: table)
        let two = try CostEffectiveness.estimate(Self.specification(.twoStage, threads: 2), table: table)
        #expect(one.netBenefit?.bootstrap == two.netBenefit?.bootstrap)
        let b = try #require(two.netBenefit?.bootstrap)
        #expect(b.draws == 499 && b.failedDraws == 0 && b.stratified && b.shrinkage && b.clusters == 24)
        let draws = b.plane[0].incrementalCost
        let mean = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)).squareRoot()
        #expect(draws.count == 499 && relativeError(b.incrementalCost[0].standardError ?? .nan, sd) < 1e-12)
        #expect(b.incrementalCost[0].estimate == two.netBenefit?.comparisons[0].incrementalCost.estimate)
    }

    @Test(
        "Coverage of INB(20,000) over 200 simulated trials of 30 clusters: two-stage with shrinkage (expanded percentile) and CR2 cover 90–99%, the individual bootstrap under 90%"
    )
    func coverage() throws {
        var covered: [String: Int] = [:]
        let replications = 200
        for r in 0..<replications {
            let table = try SimulatedTrial.table(seed: 1000 + UInt64(r), clusters: 30)
            for (name, scheme) in [("two-stage", ClusterResampling.Scheme.twoStage), ("individuals", .individuals)] {
                let result = try CostEffectiveness.estimate(Self.specification(scheme, draws: 399), table: table)
                let boot = try #require(result.netBenefit?.bootstrap?.byWillingnessToPay.first?.incrementalNetBenefit.first)
                if let lo = boot.lower, let hi = boot.upper, lo <= SimulatedTrial.trueINB && SimulatedTrial.trueINB <= hi { covered[name, default: 0] += 1 }
                if scheme == .twoStage, let cr2 = result.netBenefit?.comparisons.first?.byWillingnessToPay.first?.incrementalNetBenefit,
                    let lo = cr2.lower, let hi = cr2.upper, lo <= SimulatedTrial.trueINB && SimulatedTrial.trueINB <= hi
                {
                    covered["cr2", default: 0] += 1
                }
            }
        }
        let rate = covered.mapValues { Double($0) / Double(replications) }
        print("coverage of INB(20,000), 200 trials of 30 clusters: \(rate.sorted { $0.key < $1.key })")
        #expect((0.90...0.99).contains(rate["two-stage"] ?? 0), "\(rate)")
        #expect((0.90...0.99).contains(rate["cr2"] ?? 0), "\(rate)")
        #expect((rate["individuals"] ?? 1) < 0.90, "\(rate)")
    }

    @Test("WELLBYs: effects in life-satisfaction point-years valued at £13,000 each; the adjusted increment and its interval scale exactly")
    func wellby() throws {
        let table = try SimulatedTrial.table(seed: 9, clusters: 20)
        var spec = Self.specification(nil)
        spec.wellbyValue = 13_000
        let r = try CostEffectiveness.estimate(spec, table: table)
        let w = try #require(r.wellbeing)
        let effect = try #require(r.netBenefit?.comparisons.first?.incrementalEffect)
        #expect(w.valuePerPointYear == 13_000 && w.strategies == r.strategies.map { 13_000 * $0.meanEffect })
        #expect(w.increments[0].estimate == 13_000 * effect.estimate && w.increments[0].lower == effect.lower.map { 13_000 * $0 })
        #expect(w.increments[0].pValue == effect.pValue)
        spec.wellbyValue = -1
        #expect(throws: EconomicEvaluationError.self) { try CostEffectiveness.estimate(spec, table: table) }
    }
}
