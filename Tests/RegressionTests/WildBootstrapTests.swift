import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular
import TestSupport
import Testing

/// Bootstrap settings from the defaults.
func wildSpec(
    weights: WildClusterBootstrap.Weights = .rademacher, replications: Int, imposeNull: Bool = true, seed: UInt64 = 1,
    level: Double = 0.95, threads: Int = 1
) -> WildClusterBootstrap.Specification {
    var s = WildClusterBootstrap.Specification(replications: replications)
    s.weights = weights
    s.imposeNull = imposeNull
    s.seed = seed
    s.level = level
    s.threads = threads
    return s
}

@Suite("Wild cluster bootstrap")
struct WildBootstrapTests {
    static let spec = ModelSpecification(outcome: "inv", covariates: ["capital"], cluster: "firm", absorb: ["firm", "year"])

    @Test("Grunfeld WCR, Rademacher, full enumeration: p equals wildboottest's exactly; t is the CR1 t")
    func grunfeldEnumeration() throws {
        let reference = PyfixestReference.value.wildGrunfeld
        let fit = try LinearModel.fit(Self.spec, table: PanelData.grunfeld)
        let result = try fit.wildClusterBootstrap("capital", .init(replications: 9999))
        #expect(result.fullEnumeration && result.draws == reference.draws)
        #expect(result.effect.pValue == reference.p) // 254/1024
        #expect(result.effect.statistic == (try fit.coefficientTable(.cr1))["capital"]!.statistic)
        // wildboottest's t uses every dummy in K (Stata areg's count): the same t with that rule.
        var areg = Self.spec
        areg.fixedEffectCounting = .areg
        let aregFit = try LinearModel.fit(areg, table: PanelData.grunfeld)
        let aregResult = try aregFit.wildClusterBootstrap("capital", .init(replications: 9999))
        #expect(relativeError(aregResult.effect.statistic!, reference.statistic) < 1e-9)
        #expect(aregResult.effect.pValue == reference.p)
    }

    @Test("the interval inverts the test: at each end, the WCR test of that value has p = 1 − level")
    func intervalInvertsTest() throws {
        let fit = try LinearModel.fit(Self.spec, table: PanelData.grunfeld)
        let result = try fit.wildClusterBootstrap("capital", wildSpec(replications: 9999, level: 0.9))
        let lower = try #require(result.effect.lower), upper = try #require(result.effect.upper)
        #expect(lower < fit.coefficients[0] && fit.coefficients[0] < upper)
        let capital = try PanelData.grunfeld.numeric("capital"), inv = try PanelData.grunfeld.numeric("inv")
        for (end, inward) in [(lower, 1.0), (upper, -1.0)] {
            for (offset, inside) in [(1e-6, true), (-1e-6, false)] {
                let r = end + inward * offset * (upper - lower)
                var t = PanelData.grunfeld
                try t.addColumn("shifted", .numeric(zip(inv, capital).map { $0 - r * $1 }))
                var shifted = Self.spec
                shifted.outcome = "shifted"
                let p = try LinearModel.fit(shifted, table: t).wildClusterBootstrap("capital", .init(replications: 9999)).effect.pValue!
                #expect(inside ? p > 0.1 : p <= 0.1, "r = \(r): p = \(p)")
            }
        }
    }

    @Test("draws are identical for any thread count (Webb, Mammen, WCU)")
    func threadInvariance() throws {
        let fit = try LinearModel.fit(Self.spec, table: PanelData.grunfeld)
        for weights in [WildClusterBootstrap.Weights.webb, .mammen] {
            for impose in [true, false] {
                let one = try fit.wildClusterBootstrap("capital", wildSpec(weights: weights, replications: 999, imposeNull: impose, seed: 7, threads: 1))
                let two = try fit.wildClusterBootstrap("capital", wildSpec(weights: weights, replications: 999, imposeNull: impose, seed: 7, threads: 2))
                #expect(one == two)
                #expect(!one.fullEnumeration && one.draws == 999)
                let other = try fit.wildClusterBootstrap("capital", wildSpec(weights: weights, replications: 999, imposeNull: impose, seed: 8))
                #expect(other.effect.pValue != nil && other.effect.lower != one.effect.lower)
            }
        }
    }

    @Test("absorbed factors crossing the clusters: the bootstrap equals the one on the explicit-dummy model")
    func crossingFactor() throws {
        // Clustered by firm, year crosses firms: the dense path.
        let absorbed = try LinearModel.fit(Self.spec, table: PanelData.grunfeld)
        let explicit = try LinearModel.fit(
            ModelSpecification(outcome: "inv", covariates: ["capital"], factors: ["firm", "year"], cluster: "firm"), table: PanelData.grunfeld)
        var aregSpec = Self.spec
        aregSpec.fixedEffectCounting = .areg
        let areg = try LinearModel.fit(aregSpec, table: PanelData.grunfeld)
        for impose in [true, false] {
            let a = try areg.wildClusterBootstrap("capital", wildSpec(weights: .webb, replications: 499, imposeNull: impose, seed: 3))
            let e = try explicit.wildClusterBootstrap("capital", wildSpec(weights: .webb, replications: 499, imposeNull: impose, seed: 3))
            #expect(a.effect.pValue == e.effect.pValue)
            #expect(relativeError(a.effect.statistic!, e.effect.statistic!) < 1e-9)
            #expect(relativeError(a.effect.lower!, e.effect.lower!) < 1e-6 && relativeError(a.effect.upper!, e.effect.upper!) < 1e-6)
        }
        _ = absorbed
    }

    /// A regression of y on x with `clusters` clusters of 6 to 10 observations (x varies within clusters).
    static func fewClusters(_ clusters: Int, seed: UInt64) throws -> LinearFit {
        var rng = SplitMix64(seed: seed)
        var y: [Double] = [], x: [Double] = [], g: [Double] = []
        for c in 0..<clusters {
            let shock = rng.uniform() - 0.5
            for _ in 0..<(6 + c % 5) {
                let xi = rng.uniform()
                x.append(xi)
                y.append(1 + 0.5 * xi + shock + (rng.uniform() - 0.5))
                g.append(Double(c))
            }
        }
        let table = try Table([("y", .numeric(y)), ("x", .numeric(x)), ("g", .numeric(g))])
        return try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["x"], cluster: "g"), table: table)
    }

    @Test(
        "2, 3 and 5 clusters with Rademacher weights: the set is unbounded (p cannot fall below 2/2^G ≥ α), reported with warnings",
        .timeLimit(.minutes(1)))
    func unboundedWithFewClusters() throws {
        for g in [2, 3, 5] {
            let fit = try Self.fewClusters(g, seed: UInt64(g))
            let result = try fit.wildClusterBootstrap("x", .init(replications: 9999))
            #expect(result.fullEnumeration && result.draws == 1 << g)
            #expect(result.unboundedBelow && result.unboundedAbove && result.effect.lower == nil && result.effect.upper == nil)
            #expect(result.warnings.contains(.unboundedInterval(smallestPValue: 2 / Double(1 << g), level: 0.95)))
            #expect(result.warnings.contains(.fewDistinctDraws(clusters: g, distinct: 1 << g)))
            let p = try #require(result.effect.pValue)
            #expect(p >= 2 / Double(1 << g) && p <= 1)
        }
    }

    @Test("the floor 2/2^G against α exactly: bounded with 6 clusters at 0.95 and with 5 at level 0.9375 (α = 2/32)", .timeLimit(.minutes(1)))
    func boundedAtTheFloor() throws {
        let six = try Self.fewClusters(6, seed: 6).wildClusterBootstrap("x", .init(replications: 9999))
        #expect(!six.unboundedBelow && !six.unboundedAbove && six.effect.lower != nil && six.effect.upper != nil)
        #expect(!six.warnings.contains { if case .unboundedInterval = $0 { true } else { false } })
        #expect(six.warnings.isEmpty)
        let fit = try Self.fewClusters(5, seed: 5)
        let five = try fit.wildClusterBootstrap("x", wildSpec(replications: 9999, level: 0.9375))
        let lower = try #require(five.effect.lower), upper = try #require(five.effect.upper)
        let b = fit.coefficients[try #require(fit.names.firstIndex(of: "x"))]
        #expect(lower < b && b < upper)
        #expect(five.warnings == [.fewDistinctDraws(clusters: 5, distinct: 32)])
    }

    /// Simulated panels with 8 unequal clusters, a cluster-level regressor and cluster-correlated errors;
    /// the true coefficient is 0. CR1 with t(G − 1) over-rejects; the WCR bootstrap should not.
    @Test("coverage on 500 simulated data sets with 8 clusters: WCR rejects a true null at about 5%, CR1 more often")
    func coverage() throws {
        var rng = SplitMix64(seed: 20_261_130)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        let sizes = [4, 6, 8, 12, 20, 30, 45, 75]
        var wcr = 0, cr1 = 0
        let replications = 500
        for _ in 0..<replications {
            var y: [Double] = [], x: [Double] = [], cluster: [Double] = []
            for (g, size) in sizes.enumerated() {
                let zx = normal(), zu = normal()
                for _ in 0..<size {
                    let xi = zx + 0.5 * normal()
                    x.append(xi)
                    y.append(1 + zu + abs(xi) * normal())
                    cluster.append(Double(g))
                }
            }
            let table = try Table([("y", .numeric(y)), ("x", .numeric(x)), ("g", .numeric(cluster))])
            let fit = try LinearModel.fit(ModelSpecification(outcome: "y", covariates: ["x"], cluster: "g"), table: table)
            if try fit.coefficientTable(.cr1)["x"]!.pValue! < 0.05 { cr1 += 1 }
            if try fit.wildClusterBootstrap("x", .init(replications: 999)).effect.pValue! < 0.05 { wcr += 1 }
        }
        let wcrRate = Double(wcr) / Double(replications), cr1Rate = Double(cr1) / Double(replications)
        // 500 replications: a 5% rate has a standard error of about 1 point.
        #expect(wcrRate > 0.02 && wcrRate < 0.08, "WCR rejected \(wcrRate)")
        #expect(cr1Rate > wcrRate + 0.02, "CR1 rejected \(cr1Rate), WCR \(wcrRate)")
    }
}
