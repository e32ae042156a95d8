import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular
import TestSupport
import Testing

/// statsmodels 0.15.0's `QuantReg` on Engel's food expenditure data
/// (`Tests/Fixtures/Generators/quantreg_engel_statsmodels.py`).
struct EngelReference: Decodable {
    struct Fit: Decodable {
        let q: Double
        let params: [Double], bse: [Double], tvalues: [Double], pvalues: [Double], lower: [Double], upper: [Double]
        let bandwidth: Double, sparsity: Double, dfResid: Double
    }
    let terms: [String]
    let fits: [Fit]
    static let value = try! JSONDecoder().decode(
        Self.self, from: Foundation.Data(contentsOf: TestData.fixture("RegressionTests", "quantreg_engel_statsmodels.json")))
    static let table = try! CSVReader.read(contentsOf: TestData.dataset("engel_statsmodels.csv"))
}

@Suite("Quantile regression models: statsmodels' standard errors, the cluster bootstrap")
struct QuantileModelTests {
    static let model = ModelSpecification(outcome: "foodexp", covariates: ["income"])

    @Test("Engel, foodexp ~ income at 11 quantiles in one call: coefficients, Hall–Sheather SEs, t, p and 95% CIs equal statsmodels' (1e-6)")
    func engel() throws {
        let r = EngelReference.value
        let result = try QuantileModel.estimate(.init(model: Self.model, quantiles: r.fits.map(\.q)), table: EngelReference.table)
        #expect(result.terms == r.terms && result.observations == 235 && result.fits.count == r.fits.count && result.warnings.isEmpty)
        for (fit, reference) in zip(result.fits, r.fits) {
            #expect(fit.quantile == reference.q && fit.converged)
            #expect(maxRelativeError(fit.coefficients.map(\.estimate), reference.params) < 1e-6, "q = \(reference.q)")
            #expect(maxRelativeError(fit.coefficients.map { $0.standardError ?? .nan }, reference.bse) < 1e-6, "q = \(reference.q)")
            #expect(maxRelativeError(fit.coefficients.map { $0.statistic ?? .nan }, reference.tvalues) < 1e-6)
            #expect(maxRelativeError(fit.coefficients.map { $0.lower ?? .nan }, reference.lower) < 1e-6)
            #expect(maxRelativeError(fit.coefficients.map { $0.upper ?? .nan }, reference.upper) < 1e-6)
            // p-values below 1e-100 underflow differently; compare those above 1e-12.
            for (p, expected) in zip(fit.coefficients.map { $0.pValue ?? .nan }, reference.pvalues) where expected > 1e-12 {
                #expect(relativeError(p, expected) < 1e-6, "q = \(reference.q): p \(p) vs \(expected)")
            }
            #expect(relativeError(try #require(fit.bandwidth), reference.bandwidth) < 1e-6)
            #expect(relativeError(try #require(fit.sparsity), reference.sparsity) < 1e-6)
            #expect(fit.coefficients.allSatisfy { $0.degreesOfFreedom == reference.dfResid })
        }
        let median = try #require(result.fits.first { $0.quantile == 0.5 })
        #expect(abs(median.coefficients[0].estimate - 81.4823) < 5e-5 && abs(median.coefficients[1].estimate - 0.5602) < 5e-5)
    }

    @Test("the bootstrap is identical on 1 and 2 threads; clusters of one observation give the pairs bootstrap's SEs")
    func bootstrapMechanics() throws {
        var spec = QuantileModel.Specification(model: Self.model, quantiles: [0.25, 0.5])
        spec.inference = .bootstrap
        spec.replications = 199
        spec.seed = 7
        let one = try QuantileModel.estimate(spec, table: EngelReference.table)
        spec.threads = 2
        #expect(try QuantileModel.estimate(spec, table: EngelReference.table) == one)
        var table = EngelReference.table
        try table.addColumn("household", .numeric((0..<table.rowCount).map(Double.init)))
        var clustered = spec
        clustered.model.clusters = ["household"]
        let byHousehold = try QuantileModel.estimate(clustered, table: table)
        #expect(byHousehold.clusters == 235 && one.clusters == nil)
        for (a, b) in zip(one.fits, byHousehold.fits) {
            #expect(a.coefficients.map(\.standardError) == b.coefficients.map(\.standardError))
            #expect(b.coefficients.allSatisfy { $0.degreesOfFreedom == 234 && $0.inference.clusters == 235 })
        }
        #expect(one.fits.allSatisfy { $0.failedDraws == 0 && $0.coefficients.allSatisfy { $0.inference.replications == 199 } })
    }

    /// 40 clusters of 5–15 observations: y = 1 + x + u_g + (1 + |x|/2)·ε, x with a cluster component, u and ε
    /// symmetric (normal and Laplace), so the conditional median is 1 + x whatever the cluster effect; the
    /// errors are heteroskedastic and correlated within clusters, which the Hall–Sheather sandwich ignores.
    @Test("coverage of the median slope with 40 clusters: the cluster bootstrap covers in 88–99% of 150 data sets, the sandwich less")
    func clusterCoverage() throws {
        var rng = SplitMix64(seed: 20_261_207)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        func laplace() -> Double {
            let u = rng.uniform() - 0.5
            return -(u < 0 ? -1 : 1) * log(1 - 2 * abs(u))
        }
        var bootstrapCovers = 0, sandwichCovers = 0
        let replications = 150
        for r in 0..<replications {
            var y: [Double] = [], x: [Double] = [], g: [Double] = []
            for c in 0..<40 {
                let u = 1.5 * normal(), xc = normal()
                for _ in 0..<(5 + (c * 7) % 11) {
                    let xi = xc + normal()
                    x.append(xi)
                    y.append(1 + xi + u + (1 + abs(xi) / 2) * laplace())
                    g.append(Double(c))
                }
            }
            let table = try Table([("y", .numeric(y)), ("x", .numeric(x)), ("g", .numeric(g))])
            var spec = QuantileModel.Specification(model: ModelSpecification(outcome: "y", covariates: ["x"], cluster: "g"))
            spec.inference = .bootstrap
            spec.replications = 199
            spec.seed = UInt64(r)
            let slope = try QuantileModel.estimate(spec, table: table).fits[0].coefficients[1]
            if try #require(slope.lower) <= 1 && 1 <= (try #require(slope.upper)) { bootstrapCovers += 1 }
            spec.inference = .hallSheather
            let naive = try QuantileModel.estimate(spec, table: table).fits[0].coefficients[1]
            if try #require(naive.lower) <= 1 && 1 <= (try #require(naive.upper)) { sandwichCovers += 1 }
        }
        let bootstrap = Double(bootstrapCovers) / Double(replications), sandwich = Double(sandwichCovers) / Double(replications)
        #expect(bootstrap >= 0.88 && bootstrap <= 0.99, "cluster bootstrap coverage \(bootstrap)")
        #expect(sandwich < bootstrap - 0.05, "sandwich coverage \(sandwich) against the bootstrap's \(bootstrap)")
    }

    @Test("bad specifications are refused with the reason")
    func invalid() throws {
        #expect { try QuantileModel.estimate(.init(model: Self.model, quantiles: [1]), table: EngelReference.table) } throws: {
            "\($0)".contains("strictly between 0 and 1")
        }
        var weighted = Self.model
        weighted.weights = "income"
        #expect(throws: RegressionError.self) { try QuantileModel.estimate(.init(model: weighted), table: EngelReference.table) }
    }
}
