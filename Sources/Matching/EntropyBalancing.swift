import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Entropy balancing (Hainmueller 2012).
///
/// Reweights a group so that its weighted covariate means (and optionally
/// variances) equal a target exactly while staying as close as possible to
/// uniform weights in Kullback–Leibler divergence (the dual solver is
/// `EntropyWeights.solve`, shared with continuous-treatment balancing).
///
/// Targets: ATT reweights controls to the treated means; ATC treated to the
/// control means; ATE each group to the whole-sample means. With `variances`,
/// the constraints also include (x − m)², matched to the target group's mean
/// of (x − m)². Weights of a reweighted group are scaled to mean 1; the other
/// group keeps weight 1.
public enum EntropyBalancing {
    /// How the optimisation ended (see `EntropyWeights`).
    public typealias Convergence = EntropyWeights.Convergence

    public static func weights(
        _ table: Table, treatment: String, covariates: [String], factors: [String] = [],
        estimand: Estimand = .att, variances: Bool = false
    ) throws(MatchingError) -> WeightedSample {
        let sample = try AnalysisSample(table, treatment: treatment, columns: covariates + factors)
        let columns = try constraintColumns(sample, covariates: covariates, factors: factors)
        let n = sample.count
        var w = [Double](repeating: 1, count: n)
        var worst: Convergence?
        let groups: [(members: [Int], targets: [Int])]
        let t = (0..<n).filter { sample.treated[$0] }, c = (0..<n).filter { !sample.treated[$0] }
        switch estimand {
        case .att: groups = [(c, t)]
        case .atc: groups = [(t, c)]
        case .ate: groups = [(t, Array(0..<n)), (c, Array(0..<n))]
        }
        for g in groups {
            var constraints: [[Double]] = []
            var targets: [Double] = []
            var labels: [String] = []
            for (name, x) in columns {
                let m = g.targets.reduce(0) { $0 + x[$1] } / Double(g.targets.count)
                constraints.append(g.members.map { x[$0] })
                targets.append(m)
                labels.append("the mean of '\(name)'")
                if variances && !BalanceVariable(name: "", values: x).isBinary {
                    let v = g.targets.reduce(0) { $0 + (x[$1] - m) * (x[$1] - m) } / Double(g.targets.count)
                    constraints.append(g.members.map { (x[$0] - m) * (x[$0] - m) })
                    targets.append(v)
                    labels.append("the variance of '\(name)'")
                }
            }
            let (gw, conv) = try solve(constraints: constraints, targets: targets, labels: labels)
            let scale = Double(gw.count) / gw.reduce(0, +)
            for (k, i) in g.members.enumerated() { w[i] = gw[k] * scale }
            if worst == nil || conv.maximumStandardizedError > worst!.maximumStandardizedError || !conv.converged { worst = conv }
        }
        return WeightedSample(
            sample, estimand: estimand, weights: w, convergence: worst,
            method: "entropy balancing (\(estimand.rawValue.uppercased()), means\(variances ? " and variances" : ""))")
    }

    /// The balance variables of `sample` with one level of each factor dropped: the levels sum to one,
    /// which Σw = 1 already fixes.
    static func constraintColumns(_ sample: AnalysisSample, covariates: [String], factors: [String]) throws(MatchingError) -> [(String, [Double])] {
        let variables = try BalanceVariable.from(sample.table, rows: Array(0..<sample.count), covariates: covariates, factors: factors)
        return BalanceVariable.droppingFirstLevels(variables, covariates: covariates, factors: factors).map { ($0.name, $0.values) }
    }

    /// Weights (summing to 1) for units whose constraint values are `constraints[j][i]`, meeting `targets`;
    /// `labels` name the constraints in a non-convergence error. See `EntropyWeights`.
    static func solve(constraints: [[Double]], targets: [Double], labels: [String]? = nil) throws(MatchingError) -> ([Double], Convergence) {
        do {
            let s = try EntropyWeights.solve(constraints: constraints, targets: targets)
            return (s.weights, s.convergence)
        } catch {
            let what = labels.map { " for \($0[error.constraint])" } ?? ""
            throw .notConverged(
                method: "entropy balancing", iterations: error.iterations,
                detail:
                    "the targets may lie outside what the reweighted group can reach (largest standardised error \(String(format: "%.3g", error.standardizedError))\(what))"
            )
        }
    }
}
