import Foundation
import LinearAlgebra
import Regression
import Tabular

/// The scale on which propensity-score distances are measured.
public enum DistanceScale: String, Sendable, Codable, CaseIterable {
    /// The fitted probability (MatchIt's `distance = "glm"`).
    case probability
    /// The linear predictor, e.g. the log-odds (MatchIt's `link = "linear.logit"`).
    case linear
}

/// Propensity scores from a logistic or probit regression of treatment on covariates.
public struct PropensityScores: Sendable {
    /// The fitted model.
    public let model: BinaryFit
    /// P(treated | covariates) for each unit of the analysis sample.
    public var probabilities: [Double] { model.fittedProbabilities }
    /// The linear predictor (log-odds for logit).
    public var linearPredictor: [Double] { model.linearPredictor }

    /// The distance used for matching on `scale`.
    public func distance(_ scale: DistanceScale) -> [Double] {
        scale == .probability ? probabilities : linearPredictor
    }

    /// Estimates propensity scores for `treatment` on `covariates` (numeric) and `factors` (categorical).
    public static func estimate(
        _ table: Table, treatment: String, covariates: [String], factors: [String] = [],
        link: BinaryLink = .logit
    ) throws(MatchingError) -> PropensityScores {
        let spec = ModelSpecification(outcome: treatment, covariates: covariates, factors: factors)
        do { return PropensityScores(model: try BinaryRegression.fit(spec, table: table, link: link)) } catch {
            throw .regression(error)
        }
    }
}
