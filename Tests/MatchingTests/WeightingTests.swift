import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import Matching
@testable import Regression

@Suite("Weighting")
struct WeightingTests {
    @Test("inverse probability weights (ATE, ATT) and their balance agree with R", arguments: [Estimand.ate, .att])
    func ipw(estimand: Estimand) throws {
        let w = try InverseProbabilityWeighting.weights(Reference.lalonde, treatment: "treat", covariates: Reference.covariates, estimand: estimand)
        #expect(maxRelativeError(w.weights, Reference.numbers("ipw.\(estimand.rawValue).weights")) < 1e-8)
        let b = Balance.table(
            try lalondeBalanceVariables(distance: w.propensityScores!.probabilities), treated: w.treated,
            weights: w.weights, estimand: .att)
        expectBalance(b, "ipw.\(estimand.rawValue).balance", tolerance: 1e-7)
    }

    @Test("IPW effect with HC1 agrees with lm + sandwich::vcovHC")
    func ipwEffect() throws {
        let w = try InverseProbabilityWeighting.weights(Reference.lalonde, treatment: "treat", covariates: Reference.covariates, estimand: .ate)
        let e = try WeightedEffect.estimate(
            Reference.lalonde, rows: w.rows, treated: w.treated, weights: w.weights,
            outcome: "re78", estimand: .ate)
        #expect(relativeError(e.estimate, Reference.number("ipw.effectATE.estimate")) < 1e-7)
        #expect(relativeError(try #require(e.standardError), Reference.number("ipw.effectATE.se")) < 1e-7)
    }

    @Test("entropy balancing reproduces the treated means exactly (1e-8) and the weights are optimal")
    func entropyMeans() throws {
        let covariates = Reference.covariates
        let w = try EntropyBalancing.weights(Reference.lalonde, treatment: "treat", covariates: covariates)
        #expect(w.convergence!.converged)
        let controls = w.treated.indices.filter { !w.treated[$0] }
        let sw = controls.reduce(0) { $0 + w.weights[$1] }
        #expect(abs(sw - Double(controls.count)) < 1e-9)
        for c in covariates {
            let x = try Reference.lalonde.numeric(c)
            let target = w.treated.indices.filter { w.treated[$0] }.reduce(0) { $0 + x[$1] } / 185
            let achieved = controls.reduce(0) { $0 + w.weights[$1] * x[$1] } / sw
            #expect(abs(achieved - target) < 1e-8, "\(c): \(achieved) vs \(target)")
        }
        // Optimality (KKT): log wᵢ is exactly linear in the covariates among controls.
        let fit = try LinearModel.fit(
            y: controls.map { log(w.weights[$0]) },
            x: LinearAlgebra.Matrix(
                columns: [[Double](repeating: 1, count: controls.count)]
                    + (try covariates.map { c in try Reference.lalonde.numeric(c) }).map { col in controls.map { col[$0] } }),
            names: ["(Intercept)"] + covariates)
        #expect(fit.residuals.map(abs).max()! < 1e-8)
    }

    @Test("entropy balancing on means and variances matches both")
    func entropyVariances() throws {
        let covariates = ["age", "educ", "re74", "re75"]
        let w = try EntropyBalancing.weights(Reference.lalonde, treatment: "treat", covariates: covariates, variances: true)
        let t = w.treated.indices.filter { w.treated[$0] }, c = w.treated.indices.filter { !w.treated[$0] }
        let sw = c.reduce(0) { $0 + w.weights[$1] }
        for name in covariates {
            let x = try Reference.lalonde.numeric(name)
            let mt = t.reduce(0) { $0 + x[$1] } / Double(t.count)
            let vt = t.reduce(0) { $0 + (x[$1] - mt) * (x[$1] - mt) } / Double(t.count)
            let mc = c.reduce(0) { $0 + w.weights[$1] * x[$1] } / sw
            let vc = c.reduce(0) { $0 + w.weights[$1] * (x[$1] - mt) * (x[$1] - mt) } / sw
            #expect(abs(mc - mt) < 1e-8 * max(1, abs(mt)))
            #expect(abs(vc - vt) < 1e-8 * max(1, vt))
        }
    }

    @Test("ATE entropy balancing moves both groups to the whole-sample means")
    func entropyATE() throws {
        let w = try EntropyBalancing.weights(Reference.lalonde, treatment: "treat", covariates: ["age", "educ", "married"], estimand: .ate)
        let x = try Reference.lalonde.numeric("age")
        let overall = x.reduce(0, +) / Double(x.count)
        for g in [true, false] {
            let idx = w.treated.indices.filter { w.treated[$0] == g }
            let sw = idx.reduce(0) { $0 + w.weights[$1] }
            #expect(abs(idx.reduce(0) { $0 + w.weights[$1] * x[$1] } / sw - overall) < 1e-8)
        }
    }
}

extension WeightingTests {
    /// A covariate that is 1 for every treated unit and 0 for every control cannot be balanced.
    @Test("unreachable entropy-balancing targets are an error naming the constraint")
    func entropyInfeasible() throws {
        var table = Reference.lalonde
        try table.addColumn("indicator", .numeric(try table.numeric("treat")))
        #expect { try EntropyBalancing.weights(table, treatment: "treat", covariates: ["age", "indicator"]) } throws: {
            "\($0)".contains("entropy balancing did not converge") && "\($0)".contains("for the mean of 'indicator'")
        }
    }
}

@Suite("Abadie-Imbens matching estimator against Matching::Match")
struct AbadieImbensTests {
    @Test("NSW, match on age, ATE, M = 1: estimate 1.785191, SE 0.686717 (to 1e-5)")
    func published() throws {
        let r = try AbadieImbens.estimate(Reference.nsw, .init(outcome: "re78", treatment: "t", covariates: ["age"], sampleVariance: true))
        #expect(abs(r.estimate - 1.785191) < 1e-5)
        #expect(abs(try #require(r.standardError) - 0.686717) < 1e-5)
    }

    static let cases: [(String, AbadieImbens.Specification)] = {
        let base = AbadieImbens.Specification(outcome: "re78", treatment: "t", covariates: ["age"])
        var c: [(String, AbadieImbens.Specification)] = []
        var s = base; s.sampleVariance = true; c.append(("ate_sample", s))
        c.append(("ate_population", base))
        s = base; s.varianceMatches = 1; c.append(("ate_varcalc1", s))
        s = base; s.varianceMatches = 3; s.sampleVariance = true; c.append(("ate_varcalc3_sample", s))
        s = base; s.biasAdjustment = true; c.append(("ate_bias", s))
        s = base; s.estimand = .att; s.matches = 4; c.append(("att_m4", s))
        s = base; s.estimand = .atc; s.matches = 2; s.biasAdjustment = true; c.append(("atc_bias", s))
        s = base; s.covariates = ["age", "educ", "re74"]; c.append(("ate_multi", s))
        s.estimand = .att; s.matches = 2; s.biasAdjustment = true; s.varianceMatches = 2; c.append(("att_multi_bias_vc2", s))
        return c
    }()

    @Test("estimate and SE agree to 1e-8 relative", arguments: cases.map(\.0))
    func variants(_ key: String) throws {
        let spec = Self.cases.first { $0.0 == key }!.1
        let r = try AbadieImbens.estimate(Reference.nsw, spec)
        #expect(relativeError(r.estimate, Reference.number("abadieImbens.\(key).estimate")) < 1e-8, "\(key) estimate \(r.estimate)")
        #expect(
            relativeError(try #require(r.standardError), Reference.number("abadieImbens.\(key).se")) < 1e-8, "\(key) se \(String(describing: r.standardError))")
    }
}
