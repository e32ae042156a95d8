import EstimationCore
import Foundation
import LinearAlgebra
import Matching
import Tabular
import TestSupport
import Testing

/// R reference values for continuous-treatment balance (see `Tests/Fixtures/Generators/design_dose_r.R`).
struct DoseBalanceReference: Decodable {
    let covariates: [String]
    let unweighted: [Double], weighted: [Double], weightedMeans: [Double]
    let ess: Double

    static let value = try! JSONDecoder().decode(
        DoseBalanceReference.self,
        from: Data(contentsOf: TestData.fixture("MatchingTests", "dose_balance_r.json")))
}

@Suite("Continuous treatment: sample, balance and entropy balancing")
struct DoseTests {
    static let nmes = try! CSVReader.read(contentsOf: TestData.dataset("nmes_causaldrf.csv"))

    @Test("treatment–covariate correlations, weighted means and ESS agree with R's cov.wt/sd (cobalt's definition, 1e-10)")
    func doseBalanceMatchesR() throws {
        let r = DoseBalanceReference.value
        let sample = try AnalysisSample(Self.nmes, treatment: "packyears", columns: r.covariates + ["HSQACCWT"], kind: .continuous)
        #expect(sample.count == 9708)
        let variables = try BalanceVariable.from(sample.table, rows: Array(0..<sample.count), covariates: r.covariates, factors: [])
        let unweighted = Balance.doseTable(variables, dose: sample.treatment)
        #expect(maxRelativeError(unweighted.rows.map(\.correlation), r.unweighted) < 1e-10)
        #expect(unweighted.effectiveSampleSize == 9708)
        let weighted = Balance.doseTable(variables, dose: sample.treatment, weights: try sample.table.numeric("HSQACCWT"))
        #expect(maxRelativeError(weighted.rows.map(\.correlation), r.weighted) < 1e-10)
        #expect(maxRelativeError(weighted.rows.map(\.mean), r.weightedMeans) < 1e-12)
        #expect(relativeError(weighted.effectiveSampleSize, r.ess) < 1e-12)
        #expect(weighted["MALE"]?.binary == true && weighted["LASTAGE"]?.binary == false)
    }

    @Test("entropy balancing for a dose zeroes every correlation, keeps the means, and its weights are the KL projection")
    func doseEntropyBalancing() throws {
        let covariates = ["AGESMOKE", "LASTAGE", "MALE"], factors = ["educate"]
        let w = try EntropyBalancing.doseWeights(Self.nmes, treatment: "packyears", covariates: covariates, factors: factors)
        #expect(w.kind == .continuous && w.convergence?.converged == true)
        #expect(abs(w.weights.reduce(0, +) / Double(w.weights.count) - 1) < 1e-12)
        let table = Self.nmes.selectingRows(w.rows)
        let variables = try BalanceVariable.from(table, rows: Array(0..<w.rows.count), covariates: covariates, factors: factors)
        let before = Balance.doseTable(variables, dose: w.treatment)
        let after = Balance.doseTable(variables, dose: w.treatment, weights: w.weights)
        #expect(before.rows.contains { abs($0.correlation) > 0.1 }) // LASTAGE: 0.50 before weighting
        for (b, a) in zip(before.rows, after.rows) {
            #expect(abs(a.correlation) < 1e-8, "\(a.variable): \(a.correlation)")
            #expect(abs(a.mean - b.mean) < 1e-8 * max(1, abs(b.mean)), "\(a.variable)")
        }
        #expect(abs(WeightedStatistics.mean(w.treatment, weights: w.weights) - WeightedStatistics.mean(w.treatment)) < 1e-8)
        #expect(after.effectiveSampleSize < Double(w.rows.count) && after.effectiveSampleSize > 1000)
        // Optimality: log w must be an affine function of the constraint functions (the dual form w ∝ exp(λᵀc)).
        let dbar = WeightedStatistics.mean(w.treatment)
        var columns: [[Double]] = [[Double](repeating: 1, count: w.rows.count), w.treatment]
        for v in variables where v.name != "educate_1" {
            let xbar = WeightedStatistics.mean(v.values)
            columns.append(v.values)
            columns.append(zip(v.values, w.treatment).map { ($0 - xbar) * ($1 - dbar) })
        }
        let fit = try Matrix(columns: columns).leastSquares(w.weights.map { log($0) })
        let residual = zip(Matrix(columns: columns).multiplied(by: fit.solution), w.weights.map { log($0) }).map { abs($0 - $1) }.max()!
        #expect(residual < 1e-8)
    }

    @Test("a continuous treatment needs finite values and at least two of them")
    func invalidDose() throws {
        let constant = try Table([("d", .numeric([2, 2, 2])), ("x", .numeric([1, 2, 3]))])
        #expect { try AnalysisSample(constant, treatment: "d", columns: ["x"], kind: .continuous) } throws: { "\($0)".contains("two distinct values") }
        let infinite = try Table([("d", .numeric([1, .infinity, 2])), ("x", .numeric([1, 2, 3]))])
        #expect { try AnalysisSample(infinite, treatment: "d", columns: ["x"], kind: .continuous) } throws: { "\($0)".contains("row 2") }
    }

    @Test("the general solver meets arbitrary moments with base weights, and reports the constraint it cannot meet")
    func generalSolver() throws {
        let x = (0..<200).map { Double($0 % 17) / 4 }
        let q = (0..<200).map { 1 + Double($0 % 5) }
        // Target the mean of x and of x²: a function of the covariate, not only the covariate.
        let s = try EntropyWeights.solve(constraints: [x, x.map { $0 * $0 }], targets: [2.5, 8], baseWeights: q)
        #expect(abs(zip(s.weights, x).reduce(0) { $0 + $1.0 * $1.1 } - 2.5) < 1e-10)
        #expect(abs(zip(s.weights, x).reduce(0) { $0 + $1.0 * $1.1 * $1.1 } - 8) < 1e-9)
        // w ∝ q exp(λᵀc): log(w/q) is affine in (x, x²).
        let design = Matrix(columns: [[Double](repeating: 1, count: 200), x, x.map { $0 * $0 }])
        let y = zip(s.weights, q).map { log($0 / $1) }
        let fit = try design.leastSquares(y)
        #expect(zip(design.multiplied(by: fit.solution), y).map { abs($0 - $1) }.max()! < 1e-9)
        // A mean outside the range of x cannot be reached.
        #expect { try EntropyWeights.solve(constraints: [x], targets: [9]) } throws: { ($0 as? EntropyWeights.Failure)?.constraint == 0 }
    }
}
