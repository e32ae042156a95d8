import EstimationCore
import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

@Suite("Single-unit synthetic control through one entry point")
struct SyntheticControlStudyTests {
    static let kansasTable = try! CSVReader.read(contentsOf: TestData.dataset("kansas_augsynth.csv"))

    @Test("Kansas, outcome-only weights with placebos: the estimator's own fit, its placebo rank, and the result round-trips through JSON")
    func kansasPlacebo() throws {
        var spec = SyntheticControlStudy.Specification(unit: "state", time: "year_qtr", outcome: "lngdpcapita", treated: "Kansas", treatmentTime: 2012.25)
        spec.method = .nested(.init(predictorWeights: .outcomeOnly))
        spec.threads = 2
        let r = try SyntheticControlStudy.estimate(spec, table: Self.kansasTable)
        let fit = try ConformalInferenceTests.kansasFit()
        #expect(r.weights.map(\.weight) == fit.weights && r.periods.map(\.gap) == fit.gaps)
        // augsynth's ATT −0.0294 (its vignette), the mean gap over the 16 post quarters.
        #expect(abs(r.averageEffect - -0.0294) <= 0.00005 && r.effect.estimate == r.averageEffect)
        let placebo = try fit.placeboInSpace(options: .init(predictorWeights: .outcomeOnly, seed: 1, threads: 1), level: 0.95)
        #expect(r.placebo?.rank == placebo.rank && r.placebo?.pValue == placebo.pValue && r.effect.pValue == placebo.pValue)
        #expect(r.warnings.allSatisfy { if case .placebo = $0 { return true } else { return false } })
        let decoded = try JSONDecoder().decode(SyntheticControlStudy.Result.self, from: try JSONEncoder().encode(r))
        #expect(decoded.weights == r.weights && decoded.placebo == r.placebo && decoded.effect == r.effect)
    }

    @Test("conformal inference with few pre-periods warns, typed, that single periods cannot reject; augmented fits refuse prediction intervals")
    func warnings() throws {
        let years = Set(try Self.kansasTable.numeric("year_qtr").filter { $0 >= 2011 })
        let rows = (0..<Self.kansasTable.rowCount).filter { years.contains(try! Self.kansasTable.numeric("year_qtr")[$0]) }
        let short = Self.kansasTable.selectingRows(rows)
        var spec = SyntheticControlStudy.Specification(unit: "state", time: "year_qtr", outcome: "lngdpcapita", treated: "Kansas", treatmentTime: 2012.25)
        spec.method = .nested(.init(predictorWeights: .outcomeOnly))
        spec.inference = .conformal(ConformalInference(permutations: .iid(draws: 200), gridSize: 10))
        let r = try SyntheticControlStudy.estimate(spec, table: short)
        // Five pre-periods (2011 to 2012): 1/6 > 0.05, and fewer than five would also be named.
        #expect(r.warnings.contains(.conformalPeriodTestsCannotReject(prePeriods: 5, level: 0.95)))
        #expect(r.warnings.contains(.conformalWithFewPeriods(donors: r.weights.count, periods: r.periods.count)))
        spec.method = .augmented(lambda: nil)
        spec.inference = .predictionIntervals(PredictionIntervals())
        #expect(throws: SyntheticControlError.self) { try SyntheticControlStudy.estimate(spec, table: short) }
    }
}
