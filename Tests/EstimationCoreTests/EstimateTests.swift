import EstimationCore
import Foundation
import Testing

@Suite("Estimate and Inference")
struct EstimateTests {
    @Test("a t-based Wald estimate matches the t distribution (NSW HC1: 1794.34, SE 670.82, 443 df)")
    func wald() {
        let e = Estimate.wald(
            estimate: 1794.343, standardError: 670.8229, degreesOfFreedom: 443, level: 0.95,
            inference: Inference(kind: .robust, type: "HC1", df: .residual))
        // qt(0.975, 443) = 1.9653334 (R; scipy.stats.t.ppf agrees)
        #expect(abs((e.upper! - e.estimate) / 670.8229 - 1.9653334) < 1e-6)
        #expect(abs(e.statistic! - 1794.343 / 670.8229) < 1e-12)
        // 2 * pt(-2.674870, 443) = 0.00775324 (scipy.stats.t.sf)
        #expect(abs(e.pValue! - 0.00775324) < 1e-7)
    }

    @Test("a normal-reference estimate uses z = 1.959964 at 95% and 1.644854 at 90%")
    func normal() {
        let e95 = Estimate.wald(estimate: 1, standardError: 1, degreesOfFreedom: nil, level: 0.95, inference: Inference(kind: .analytic))
        let e90 = Estimate.wald(estimate: 1, standardError: 1, degreesOfFreedom: nil, level: 0.90, inference: Inference(kind: .analytic))
        #expect(abs(e95.upper! - 1 - 1.959964) < 1e-6)
        #expect(abs(e90.upper! - 1 - 1.644854) < 1e-6)
    }

    @Test("non-finite uncertainty is absent (nil), never NaN, and absent fields are not written")
    func absent() throws {
        let e = Estimate.wald(estimate: 2, standardError: .nan, degreesOfFreedom: 10, level: 0.95, inference: Inference(kind: .none))
        #expect(e.standardError == nil && e.pValue == nil && e.lower == nil)
        let json = String(decoding: try JSONEncoder().encode(Estimate.point(2, level: 0.9)), as: UTF8.self)
        #expect(!json.contains("standardError") && json.contains("\"level\":0.9"))
    }

    @Test("confidence levels outside (0, 1) are named")
    func levels() {
        #expect(ConfidenceLevel.problem(0.95) == nil)
        #expect(ConfidenceLevel.problem(95) != nil)
        #expect(ConfidenceLevel.problem(1) != nil)
        #expect(ConfidenceLevel.percent(0.95) == "95%" && ConfidenceLevel.percent(0.995) == "99.5%")
    }
}

@Suite("Weighted statistics")
struct WeightedStatisticsTests {
    let x = [2.0, 4, 4, 5, 7, 9]
    let w = [1.0, 2, 1, 1, 3, 0.5]

    @Test("unweighted mean, variance and type-7 quantiles as R")
    func unweighted() {
        #expect(WeightedStatistics.mean(x) == 31.0 / 6)
        // var(c(2,4,4,5,7,9)) = 6.166667; quantile(x, 0.3) = 4, quantile(x, 0.9) = 8 (R, type 7)
        #expect(abs(WeightedStatistics.variance(x) - 6.166666666666667) < 1e-12)
        #expect(WeightedStatistics.quantile(x, 0.3) == 4)
        #expect(abs(WeightedStatistics.quantile(x, 0.9) - 8) < 1e-12)
    }

    @Test("weighted variance equals R's cov.wt (unbiased) and equal weights give the unweighted one")
    func weighted() {
        // The reliability-weighted form of R's cov.wt(method = "unbiased"), written out.
        let v = WeightedStatistics.variance(x, weights: w)
        let wn = w.map { $0 / w.reduce(0, +) }
        let m = zip(x, wn).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = zip(x, wn).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) } / (1 - wn.reduce(0) { $0 + $1 * $1 })
        #expect(abs(v - expected) < 1e-12)
        #expect(abs(WeightedStatistics.variance(x, weights: [Double](repeating: 3, count: 6)) - WeightedStatistics.variance(x)) < 1e-12)
        #expect(abs(WeightedStatistics.effectiveSampleSize(w) - 8.5 * 8.5 / 16.25) < 1e-12)
    }

    @Test("weighted correlation is symmetric, in [-1, 1], nil for a constant")
    func correlation() throws {
        let y = [1.0, 3, 2, 5, 8, 8]
        let r = try #require(WeightedStatistics.correlation(x, y, weights: w))
        #expect(abs(r - (WeightedStatistics.correlation(y, x, weights: w) ?? 0)) < 1e-15)
        #expect(r > 0.8 && r <= 1)
        // cor(x, y) = 0.9477906 (R)
        #expect(abs((WeightedStatistics.correlation(x, y) ?? 0) - 0.9477906) < 1e-6)
        #expect(WeightedStatistics.correlation(x, [Double](repeating: 1, count: 6)) == nil)
    }
}

@Suite("Parallel map and seeds")
struct ParallelMapTests {
    @Test("results are in task order and identical for any thread count")
    func deterministic() {
        let task: @Sendable (Int) -> Double = { i in
            var g = SplitMix64(seed: SplitMix64.derive(7, i))
            return (0..<100).reduce(0) { acc, _ in acc + g.uniform() }
        }
        let one = ParallelMap.map(50, threads: 1, task)
        let two = ParallelMap.map(50, threads: 2, task)
        let many = ParallelMap.map(50, threads: 7, task)
        #expect(one == two && two == many)
        #expect(Set(one).count == 50)
    }
}
