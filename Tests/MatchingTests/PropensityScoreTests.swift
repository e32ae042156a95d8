import Foundation
import Tabular
import TestSupport
import Testing

@testable import Matching
@testable import Regression

@Suite("Propensity scores against R's glm")
struct PropensityScoreTests {
    @Test("logit and probit coefficients, standard errors and deviance", arguments: [BinaryLink.logit, .probit])
    func glm(link: BinaryLink) throws {
        let ps = try PropensityScores.estimate(Reference.lalonde, treatment: "treat", covariates: Reference.covariates, link: link)
        let key = link.rawValue
        let coefficients = Reference.value("\(key).coefficients") as! [String: NSNumber]
        let ses = Reference.value("\(key).se") as! [String: NSNumber]
        for (name, value) in coefficients {
            let ours = ps.model.coefficient(name == "(Intercept)" ? "(Intercept)" : name)!
            #expect(relativeError(ours, value.doubleValue) < 1e-8, "\(key) \(name): \(ours) vs \(value)")
            let se = ps.model.standardErrors[ps.model.names.firstIndex(of: name)!]
            #expect(relativeError(se, ses[name]!.doubleValue) < 1e-6, "\(key) SE \(name)")
        }
        #expect(relativeError(ps.model.deviance, Reference.number("\(key).deviance")) < 1e-10)
    }

    @Test("complete separation is an error naming the separating covariate")
    func separation() throws {
        var t = Reference.lalonde
        let treat = try t.numeric("treat")
        try t.addColumn("enrolled_score", .numeric(treat.enumerated().map { $0.element * 10 + Double($0.offset % 7) }))
        #expect {
            try PropensityScores.estimate(t, treatment: "treat", covariates: ["age", "enrolled_score"])
        } throws: { error in
            let d = "\(error)"
            return d.contains("separation") && d.contains("'enrolled_score' alone separates the two groups")
        }
    }

    @Test("a treatment that is not 0/1 is named")
    func badTreatment() {
        #expect {
            try NearestNeighborMatching.match(Reference.lalonde, MatchingSpecification(treatment: "educ", covariates: ["age"]))
        } throws: { "\($0)".contains("treatment column 'educ': must be 0 or 1") }
    }
}
