import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

extension EntropyBalancing {
    /// Entropy balancing for a continuous treatment (Tübbicke 2022; Vegetabile et al. 2021).
    ///
    /// Finds the weights closest to uniform (in Kullback–Leibler divergence) under which every
    /// covariate is uncorrelated with the dose while the covariate and dose means stay at their
    /// unweighted values:
    ///
    ///     Σ wᵢ xᵢⱼ = x̄ⱼ,  Σ wᵢ dᵢ = d̄,  Σ wᵢ (xᵢⱼ − x̄ⱼ)(dᵢ − d̄) = 0,  Σ wᵢ = 1,
    ///
    /// solved by `EntropyWeights.solve` on those 2p + 1 moment functions. Factors enter as 0/1
    /// indicators with one level dropped. Weights are scaled to mean 1. After weighting, every
    /// treatment–covariate correlation of `Balance.doseTable` is zero up to the solver's tolerance.
    ///
    /// Complexity: O(n p²) per Newton iteration.
    public static func doseWeights(
        _ table: Table, treatment: String, covariates: [String],
        factors: [String] = []
    ) throws(MatchingError) -> WeightedSample {
        let sample = try AnalysisSample(table, treatment: treatment, columns: covariates + factors, kind: .continuous)
        let columns = try constraintColumns(sample, covariates: covariates, factors: factors)
        let w = try weights(dose: sample.treatment, columns: columns, doseName: treatment)
        return WeightedSample(
            sample, estimand: .ate, weights: w.weights, convergence: w.convergence,
            method: "entropy balancing for a continuous treatment (zero dose–covariate covariances, means preserved)")
    }

    /// The same weights for a dose and an n × p covariate matrix (columns named by `names`), scaled to mean 1.
    /// With `moments: 2` the weighted variance (n form) of every non-binary covariate is also held at its
    /// unweighted value, as WeightIt's `moments = 2` for entropy balancing: with jointly normal covariates
    /// and dose this makes them independent under the weights, not only uncorrelated.
    public static func doseWeights(dose: [Double], covariates: Matrix, names: [String], moments: Int = 1) throws(MatchingError) -> [Double] {
        guard moments == 1 || moments == 2 else { throw .invalidOption("moments must be 1 or 2; got \(moments)") }
        return try weights(
            dose: dose, columns: names.indices.map { (names[$0], covariates.column($0)) }, doseName: "the dose", variances: moments == 2
        ).weights
    }

    private static func weights(
        dose d: [Double], columns: [(String, [Double])], doseName: String, variances: Bool = false
    ) throws(MatchingError) -> (weights: [Double], convergence: Convergence) {
        let dbar = WeightedStatistics.mean(d)
        var constraints: [[Double]] = [d], targets = [dbar], labels = ["the mean of '\(doseName)'"]
        for (name, x) in columns {
            let xbar = WeightedStatistics.mean(x)
            constraints.append(x)
            targets.append(xbar)
            labels.append("the mean of '\(name)'")
            constraints.append(zip(x, d).map { ($0 - xbar) * ($1 - dbar) })
            targets.append(0)
            labels.append("the covariance of '\(name)' with '\(doseName)'")
            if variances && !BalanceVariable(name: name, values: x).isBinary {
                let squares = x.map { ($0 - xbar) * ($0 - xbar) }
                constraints.append(squares)
                targets.append(WeightedStatistics.mean(squares))
                labels.append("the variance of '\(name)'")
            }
        }
        let (w, convergence) = try solve(constraints: constraints, targets: targets, labels: labels)
        let scale = Double(w.count) / w.reduce(0, +)
        return (w.map { $0 * scale }, convergence)
    }
}
