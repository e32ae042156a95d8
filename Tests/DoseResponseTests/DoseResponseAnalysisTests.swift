import EstimationCore
import Foundation
import Matching
import Tabular
import TestSupport
import Testing

@testable import DoseResponse

@Suite("Dose–response through one entry point")
struct DoseResponseAnalysisTests {
    static func table() throws -> Table {
        var t = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        try t.addColumn("re74_2", .numeric(try t.numeric("re74").map { $0 * $0 }))
        return t
    }

    @Test("entropy balancing through the entry point is the estimator's own curve, with the unit doses and weights kept out of JSON")
    func entropy() throws {
        let t = try Self.table()
        let covariates = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re74_2"]
        var spec = DoseResponseAnalysis.Specification(dose: "re75", outcome: "re78", estimator: .entropy)
        spec.covariates = covariates
        spec.replications = 0
        spec.grid = [1000, 5000, 10000]
        let r = try DoseResponseAnalysis.estimate(spec, table: t)
        var direct = DoseWeighting.Specification()
        direct.method = .entropy
        direct.replications = 0
        direct.grid = spec.grid
        let d = try DoseWeighting.estimate(try DoseData(t, dose: "re75", outcome: "re78", covariates: covariates), direct)
        // Equal up to BLAS's summation order (tests run concurrently, some with threaded BLAS).
        #expect(maxRelativeError(r.curve.effects, d.curve.effects) < 1e-10)
        #expect(maxRelativeError(try #require(r.unitDoses?.weights), d.weights) < 1e-10)
        let after = try #require(r.weighting?.balanceAfter.rows.map(\.correlation))
        #expect(maxAbsoluteDifference(after, d.balanceAfter.rows.map(\.correlation)) < 1e-10)
        #expect(r.units == 614 && r.unitDoses?.doses.count == 614)
        #expect(abs(r.doseSummary.median - WeightedStatistics.quantile(try t.numeric("re75"), 0.5)) < 1e-12)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(!json.contains("unitDoses") && json.contains("\"doseSummary\""))
        #expect(try JSONDecoder().decode(DoseResponseAnalysis.Result.self, from: Data(json.utf8)).curve.effects == r.curve.effects)
    }

    @Test("settings that cannot work name their input before any data are read")
    func settings() {
        var spec = DoseResponseAnalysis.Specification(dose: "re75", outcome: "re78", estimator: .gps)
        spec.covariates = ["age"]
        spec.degree = 4
        #expect(throws: DoseResponseAnalysis.SettingError(field: .degree, description: "the GPS outcome model's degree must be 1, 2 or 3")) {
            try DoseResponseAnalysis.checkSettings(spec)
        }
        spec.degree = nil
        spec.covariates = ["re78"]
        #expect(throws: DoseResponseAnalysis.SettingError.self) { try DoseResponseAnalysis.checkSettings(spec) }
        var did = DoseResponseAnalysis.Specification(dose: "d", outcome: "y", estimator: .did)
        #expect(throws: DoseResponseAnalysis.SettingError.self) { try DoseResponseAnalysis.checkSettings(did) }
        did.panel = .init(unit: "u", time: "t", adoption: "g")
        did.bands = [0, 1, 2]
        #expect(throws: DoseResponseAnalysis.SettingError(field: .bands, description: "dose bands are compared for cross-sectional estimators, not did")) {
            try DoseResponseAnalysis.checkSettings(did)
        }
    }
}
