import EstimationCore
import Foundation
import LinearAlgebra
import Matching
import Tabular
import TestSupport
import Testing

@testable import DoseResponse

@Suite("Weighting for a continuous dose")
struct DoseWeightingTests {
    /// cobalt's continuous example: re75 as the dose, with race as three indicators and re74².
    static func lalonde(white: Bool) throws -> DoseData {
        var t = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        let black = try t.numeric("black"), hispan = try t.numeric("hispan"), re74 = try t.numeric("re74")
        try t.addColumn("white", .numeric(zip(black, hispan).map { 1 - $0 - $1 }))
        try t.addColumn("re74_2", .numeric(re74.map { $0 * $0 }))
        return try DoseData(
            t, dose: "re75", outcome: "re78",
            covariates: ["age", "educ", "black", "hispan"] + (white ? ["white"] : []) + ["married", "nodegree", "re74", "re74_2"])
    }

    @Test("lalonde: unweighted treatment–covariate correlations equal cobalt's printed values (to 5e-5)")
    func cobaltCorrelations() throws {
        // All three race indicators, as cobalt lists them (collinear with the intercept, so not a DoseData).
        var t = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        let black = try t.numeric("black"), hispan = try t.numeric("hispan"), re74 = try t.numeric("re74")
        try t.addColumn("white", .numeric(zip(black, hispan).map { 1 - $0 - $1 }))
        try t.addColumn("re74_2", .numeric(re74.map { $0 * $0 }))
        let names = ["age", "educ", "black", "hispan", "white", "married", "nodegree", "re74", "re74_2"]
        let variables = try BalanceVariable.from(t, rows: Array(0..<t.rowCount), covariates: names, factors: [])
        let table = Balance.doseTable(variables, dose: try t.numeric("re75"))
        let cobalt: [String: Double] = [
            "age": 0.1400, "educ": 0.0183, "black": -0.1405, "hispan": 0.0616, "white": 0.0978, "married": 0.3541, "nodegree": -0.0705,
            "re74": 0.5520, "re74_2": 0.4607
        ]
        for (name, value) in cobalt {
            let row = try #require(table[name])
            #expect(abs(row.correlation - value) <= 5e-5, "\(name): \(row.correlation)")
        }
    }

    @Test("entropy balancing through DoseWeighting: every weighted correlation below 1e-8, means (and with moments 2, variances) kept")
    func entropy() throws {
        let data = try Self.lalonde(white: false)
        for moments in [1, 2] {
            var s = DoseWeighting.Specification()
            s.method = .entropy
            s.moments = moments
            s.replications = 0
            let r = try DoseWeighting.estimate(data, s)
            #expect(r.balanceBefore.rows.contains { abs($0.correlation) > 0.3 })
            for (before, after) in zip(r.balanceBefore.rows, r.balanceAfter.rows) {
                #expect(abs(after.correlation) < 1e-8, "\(after.variable): \(after.correlation)")
                #expect(abs(after.mean - before.mean) <= 1e-8 * max(1, abs(before.mean)), "\(after.variable)")
            }
            if moments == 2 {
                for (j, name) in data.covariateNames.enumerated() where !["black", "hispan", "married", "nodegree"].contains(name) {
                    let x = data.covariates.column(j)
                    let m = WeightedStatistics.mean(x)
                    let unweighted = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
                    let weighted = zip(x, r.weights).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) } / r.weights.reduce(0, +)
                    #expect(abs(weighted / unweighted - 1) < 1e-8, "\(name)")
                }
            }
            #expect(r.balanceAfter.effectiveSampleSize < Double(data.count))
        }
    }

    @Test("inverse-density weights: f(T)/f(T | X) from the two normal models")
    func inverseDensity() throws {
        // With all three race indicators the covariates are collinear with the intercept: an error naming them.
        #expect(throws: DoseResponseError.self) { try Self.lalonde(white: true) }
        let data = try Self.lalonde(white: false)
        let w = try DoseWeighting.inverseDensityWeights(data)
        // By hand for one unit: the marginal normal over the conditional normal at its dose.
        let x = data.designWithIntercept
        let gamma = try x.leastSquares(data.dose).solution
        let fitted = x.multiplied(by: gamma)
        let residuals = zip(data.dose, fitted).map { $0 - $1 }
        let s = (residuals.reduce(0) { $0 + $1 * $1 } / Double(data.count)).squareRoot()
        let mean = WeightedStatistics.mean(data.dose), sd = WeightedStatistics.standardDeviation(data.dose)
        for i in [0, 100, 613] {
            let num = exp(-0.5 * pow((data.dose[i] - mean) / sd, 2)) / sd
            let den = exp(-0.5 * pow(residuals[i] / s, 2)) / s
            #expect(relativeError(w[i], num / den) < 1e-12)
        }
        // The weights are stabilised: their mean is close to 1.
        #expect(abs(WeightedStatistics.mean(w) - 1) < 0.5)
    }

    @Test("bootstrap bands are identical for any thread count and the band is at least as wide as the pointwise interval")
    func threads() throws {
        let data = DoseSimulation.crossSection(n: 400, replication: 1, design: .linear)
        var s = DoseWeighting.Specification()
        s.replications = 120
        s.grid = DoseSimulation.grid
        let one = try DoseWeighting.estimate(data, s)
        s.threads = 2
        let two = try DoseWeighting.estimate(data, s)
        #expect(one.curve == two.curve)
        let c = try #require(one.curve.criticalValue)
        #expect(c >= 1.959964)
        for p in one.curve.points { #expect(p.bandLower! <= p.effect.lower! && p.bandUpper! >= p.effect.upper!) }
    }
}

@Suite("Dose bands as categories")
struct DoseBandsTests {
    @Test("without covariates each band's effect is its difference in mean outcome from the lowest band")
    func differenceInMeans() throws {
        let data = DoseSimulation.crossSection(n: 300, replication: 2, design: .linear)
        let plain = DoseData(dose: data.dose, outcome: data.outcome, covariates: LinearAlgebra.Matrix(rows: data.count, columns: 0))
        let lo = data.dose.min()!, hi = data.dose.max()!
        let r = try DoseBands.compare(plain, cutpoints: [lo, -0.3, 0.3, hi])
        #expect(r.bands.count == 3 && r.bands.map(\.count).reduce(0, +) == 300)
        for b in r.bands.dropFirst() {
            let e = try #require(b.effect)
            #expect(abs(e.estimate - (b.meanOutcome - r.bands[0].meanOutcome)) < 1e-10)
            #expect(e.inference.type == "HC1")
        }
        #expect(throws: DoseResponseError.self) { try DoseBands.compare(plain, cutpoints: [lo + 0.01, 0, hi]) }
    }
}
