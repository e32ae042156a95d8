import Foundation
import Tabular
import TestSupport
import Testing

@testable import Matching

/// Checks a balance table against MatchIt's `bal1var` output stored under `path`.
func expectBalance(_ table: BalanceTable, _ path: String, tolerance: Double = 1e-10) {
    let reference = Reference.value(path) as! [String: [String: Any]]
    #expect(reference.count == table.rows.count)
    for row in table.rows {
        guard let r = reference[row.variable] else { Issue.record("no reference for \(row.variable)"); continue }
        func num(_ k: String) -> Double? { (r[k] as? NSNumber)?.doubleValue }
        #expect(relativeError(row.meanTreated, num("meanTreated")!, floor: 1e-12) < tolerance, "\(path) \(row.variable) mean treated")
        #expect(relativeError(row.meanControl, num("meanControl")!, floor: 1e-12) < tolerance, "\(path) \(row.variable) mean control")
        #expect(relativeError(row.standardizedMeanDifference, num("smd")!, floor: 1e-12) < tolerance, "\(path) \(row.variable) SMD")
        #expect(relativeError(row.ecdfMean, num("ecdfMean")!, floor: 1e-12) < tolerance, "\(path) \(row.variable) eCDF mean")
        #expect(relativeError(row.ecdfMax, num("ecdfMax")!, floor: 1e-12) < tolerance, "\(path) \(row.variable) eCDF max")
        if let vr = num("varianceRatio") {
            #expect(relativeError(row.varianceRatio!, vr) < tolerance, "\(path) \(row.variable) variance ratio")
        } else {
            #expect(row.varianceRatio == nil)
        }
    }
}

func lalondeBalanceVariables(distance: [Double]) throws -> [BalanceVariable] {
    [BalanceVariable(name: "distance", values: distance)]
        + (try BalanceVariable.from(Reference.lalonde, rows: Array(0..<614), covariates: Reference.covariates, factors: []))
}

@Suite("Balance diagnostics with MatchIt's definitions")
struct BalanceTests {
    @Test("before matching: the published age and re74 rows")
    func published() throws {
        let ps = try PropensityScores.estimate(Reference.lalonde, treatment: "treat", covariates: Reference.covariates)
        let treated = try Reference.lalonde.numeric("treat").map { $0 == 1 }
        let b = Balance.table(try lalondeBalanceVariables(distance: ps.probabilities), treated: treated)
        let age = b["age"]!, re74 = b["re74"]!
        #expect(abs(age.meanTreated - 25.8162) < 1e-4 && abs(age.meanControl - 28.0303) < 1e-4)
        #expect(abs(age.standardizedMeanDifference - -0.3094) < 1e-4)
        #expect(abs(age.varianceRatio! - 0.4400) < 1e-4)
        #expect(abs(age.ecdfMean - 0.0813) < 1e-4 && abs(age.ecdfMax - 0.1577) < 1e-4)
        #expect(abs(re74.standardizedMeanDifference - -0.7211) < 1e-4 && abs(re74.varianceRatio! - 0.5181) < 1e-4)
        #expect(b.treatedCount == 185 && b.controlCount == 429)
        #expect(abs(b.effectiveControl - 429) < 1e-9)
    }

    @Test("before matching: every variable agrees with MatchIt to 1e-10")
    func allVariables() throws {
        let ps = try PropensityScores.estimate(Reference.lalonde, treatment: "treat", covariates: Reference.covariates)
        let treated = try Reference.lalonde.numeric("treat").map { $0 == 1 }
        expectBalance(Balance.table(try lalondeBalanceVariables(distance: ps.probabilities), treated: treated), "balanceBefore", tolerance: 1e-7)
    }

    /// A constant column: no mean difference, and a variance ratio that is undefined rather than 0/0 noise
    /// (weighted means of a constant are only equal to it up to rounding).
    @Test("a constant covariate has SMD 0 and no variance ratio, weighted or not")
    func constantCovariate() throws {
        let treated = try Reference.lalonde.numeric("treat").map { $0 == 1 }
        let constant = [BalanceVariable(name: "c", values: [Double](repeating: 3.1, count: 614))]
        let weights = (0..<614).map { 0.1 + Double(($0 * 7919) % 97) / 13 }
        for w in [nil, weights] {
            let row = Balance.table(constant, treated: treated, weights: w).rows[0]
            #expect(abs(row.standardizedMeanDifference) < 1e-12 && row.varianceRatio == nil)
            #expect(row.ecdfMean < 1e-12 && row.ecdfMax < 1e-12)
        }
    }
}
