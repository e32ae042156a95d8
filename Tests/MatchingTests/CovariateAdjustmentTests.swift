import EstimationCore
import Foundation
import Regression
import Tabular
import TestSupport
import Testing

@testable import Matching

@Suite("Matching and weighting through one entry point")
struct CovariateAdjustmentTests {
    @Test("nearest-neighbour: MatchIt's matched sample and CR1 effect, and the units behind every balance mean")
    func nearest() throws {
        var spec = CovariateAdjustment.Specification(
            treatment: "treat", covariates: Reference.covariates, design: .nearest(NearestNeighborTests.spec))
        spec.outcome = "re78"
        let r = try CovariateAdjustment.estimate(spec, table: Reference.lalonde)
        #expect(r.units?.weights == Reference.numbers("nearest.weights"))
        #expect(relativeError(try #require(r.effects.first).estimate, Reference.number("nearest.differenceInMeans.estimate")) < 1e-10)
        #expect(relativeError(try #require(r.effects.first?.standardError), Reference.number("nearest.differenceInMeans.se")) < 1e-8)
        #expect(r.counts.treatedUsed == 185 && r.counts.controlUsed == 185 && r.counts.treated == 185 && r.counts.control == 429)
        // Counted straight from the data: treated and matched controls, and those with married = 1.
        let treat = try Reference.lalonde.numeric("treat"), married = try Reference.lalonde.numeric("married")
        let w = try #require(r.units?.weights), rows = try #require(r.units?.rows)
        let used = rows.indices.filter { w[$0] > 0 }
        let row = try #require(r.balanceAfter["married"])
        #expect(row.contributors.treated.units == used.filter { treat[rows[$0]] == 1 }.count)
        #expect(row.contributors.comparison.units == used.filter { treat[rows[$0]] == 0 }.count)
        #expect(row.ones?.treated.units == used.filter { treat[rows[$0]] == 1 && married[rows[$0]] == 1 }.count)
        #expect(row.ones?.comparison.units == used.filter { treat[rows[$0]] == 0 && married[rows[$0]] == 1 }.count)
        let before = try #require(r.balanceBefore["married"])
        #expect(before.ones?.comparison.units == (0..<614).filter { treat[$0] == 0 && married[$0] == 1 }.count)
        #expect(r.balanceAfter["age"]?.ones == nil && r.balanceAfter["age"]?.contributors == row.contributors)
        #expect(r.warnings.contains { if case .poorBalance = $0 { return true } else { return false } })
    }

    @Test("entropy balancing: exact balance, no warning; bad combinations are refused before any data are read")
    func entropyAndSettings() throws {
        var spec = CovariateAdjustment.Specification(treatment: "treat", covariates: Reference.covariates, design: .entropy(estimand: .att))
        let r = try CovariateAdjustment.estimate(spec, table: Reference.lalonde)
        #expect(r.warnings.isEmpty && r.convergence?.converged == true)
        #expect(r.balanceAfter.rows.allSatisfy { abs($0.standardizedMeanDifference) < 1e-6 })
        #expect(r.balanceAfter["married"]?.contributors.comparison.units == 429)
        spec.adjust = ["age"]
        #expect(throws: MatchingError.self) { try CovariateAdjustment.checkSettings(spec) }
        var replace = NearestNeighborTests.spec
        replace.replace = true
        var withReplacement = CovariateAdjustment.Specification(treatment: "treat", covariates: Reference.covariates, design: .nearest(replace))
        withReplacement.outcome = "re78"
        withReplacement.variance = .cr1
        #expect(throws: MatchingError.invalidOption("matched sets overlap when matching with replacement; use hc1")) {
            try CovariateAdjustment.checkSettings(withReplacement)
        }
    }
}
