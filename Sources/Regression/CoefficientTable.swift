import Distributions
import EstimationCore
import Foundation

/// Estimates with standard errors, tests and confidence intervals.
public struct CoefficientTable: Sendable, Codable, Equatable {
    public let estimator: VarianceEstimator
    /// Degrees of freedom of the t reference, common to every row; nil for a normal reference or when
    /// they differ per coefficient (CR2 with Satterthwaite df: see each row).
    public let degreesOfFreedom: Double?
    public let level: Double
    public let clusterCount: Int?
    /// One `Estimate` per coefficient, labelled by its term.
    public let rows: [Estimate]

    public init(estimator: VarianceEstimator, degreesOfFreedom: Double?, level: Double, clusterCount: Int?, rows: [Estimate]) {
        self.estimator = estimator
        self.degreesOfFreedom = degreesOfFreedom
        self.level = level
        self.clusterCount = clusterCount
        self.rows = rows
    }

    /// The row for `term`.
    public subscript(term: String) -> Estimate? { rows.first { $0.term == term } }
}

extension LinearFit {
    /// The coefficient table under `estimator`, with `level` confidence intervals (t-based unless `rule` is `.normal`;
    /// see `VarianceEstimator`).
    public func coefficientTable(
        _ estimator: VarianceEstimator, level: Double = 0.95, clusters: [Int]? = nil,
        degreesOfFreedom rule: Inference.DegreesOfFreedom? = nil
    ) throws(RegressionError) -> CoefficientTable {
        let v = try covariance(estimator, clusters: clusters, degreesOfFreedom: rule)
        let inference = v.inference
        let se = v.standardErrors
        let rows = names.indices.map { j in
            Estimate.wald(
                term: names[j], estimate: coefficients[j], standardError: se[j], degreesOfFreedom: v.coefficientDegreesOfFreedom[j],
                level: level, inference: inference)
        }
        return CoefficientTable(
            estimator: estimator, degreesOfFreedom: v.degreesOfFreedom, level: level,
            clusterCount: v.clusterCount, rows: rows)
    }
}
