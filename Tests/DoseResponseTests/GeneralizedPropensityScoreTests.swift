import EstimationCore
import Foundation
import Tabular
import TestSupport
import Testing

@testable import DoseResponse

@Suite("Generalised propensity score (Hirano & Imbens 2004)")
struct GeneralizedPropensityScoreTests {
    /// The lottery data with year-6 earnings in $1000s, as Hirano & Imbens and Bia & Mattei report them.
    static func lottery() throws -> Table {
        var t = try CSVReader.read(contentsOf: TestData.dataset("lottery_hirano_imbens.csv"))
        try t.addColumn("year6k", .numeric(try t.numeric("year6").map { $0 / 1000 }))
        return t
    }
    static let covariates = ["agew", "ownhs", "male", "tixbot", "owncoll", "workthen", "yearm1", "yearm2", "yearm3", "yearm4", "yearm5", "yearm6", "yearw"]

    @Test("Lottery: the published outcome-model coefficients (Bia & Mattei 2008, Stata doseresponse) to 1e-4 relative")
    func lotteryCoefficients() throws {
        // The dose model is fitted on ln(prize) for all 237 winners; the outcome model on the 202 with
        // year-6 earnings (the published sample). The GPS uses σ̂² = SSR/n.
        let t = try Self.lottery()
        let data = try DoseData(t, dose: "prize", outcome: "year6k", covariates: Self.covariates, outcomeMayBeMissing: true)
        #expect(data.count == 237)
        #expect(data.outcomeObserved.filter { $0 }.count == 202)
        var spec = GeneralizedPropensityScore.Specification()
        spec.transform = .log
        spec.replications = 0
        let fit = try GeneralizedPropensityScore.estimate(data, spec).fit
        #expect(fit.units == 202)
        let published: [String: Double] = [
            "T": -0.2254371, "T²": 0.0003537, "GPS": -103.3373, "GPS²": 131.949, "T×GPS": 0.5499933, "(Intercept)": 31.26845
        ]
        for (term, value) in published {
            let j = try #require(fit.outcomeTerms.firstIndex(of: term))
            // The published T² has four significant digits; 1e-4 relative is its printing precision.
            #expect(relativeError(fit.outcomeCoefficients[j], value) < (term == "T²" ? 1e-4 : 1e-5), "\(term)")
        }
    }
}
