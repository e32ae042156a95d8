import Regression
import Tabular

/// Inverse probability of treatment weights from a propensity score (as R's WeightIt, `method = "glm"`).
///
/// | estimand | treated | control |
/// |---|---|---|
/// | ATE | 1/p | 1/(1 − p) |
/// | ATT | 1 | p/(1 − p) |
/// | ATC | (1 − p)/p | 1 |
///
/// Weights are not normalised (weighted means and effect estimates do not depend on the scale).
public enum InverseProbabilityWeighting {
    public static func weights(
        _ table: Table, treatment: String, covariates: [String], factors: [String] = [],
        estimand: Estimand = .ate, link: BinaryLink = .logit
    ) throws(MatchingError) -> WeightedSample {
        let sample = try AnalysisSample(table, treatment: treatment, columns: covariates + factors)
        let ps = try PropensityScores.estimate(
            sample.table, treatment: treatment, covariates: covariates,
            factors: factors, link: link)
        let p = ps.probabilities
        let w = sample.treated.indices.map { i -> Double in
            switch (estimand, sample.treated[i]) {
            case (.ate, true): return 1 / p[i]
            case (.ate, false): return 1 / (1 - p[i])
            case (.att, true): return 1
            case (.att, false): return p[i] / (1 - p[i])
            case (.atc, true): return (1 - p[i]) / p[i]
            case (.atc, false): return 1
            }
        }
        return WeightedSample(
            sample, estimand: estimand, weights: w, propensityScores: ps,
            method: "inverse probability weighting (\(estimand.rawValue.uppercased()), \(link.rawValue) propensity score)")
    }
}
