import Foundation
import Distributions

/// One row of a coefficient table.
public struct CoefficientRow: Sendable, Codable, Equatable {
    public let term: String
    public let estimate: Double
    public let standardError: Double
    /// `estimate / standardError`.
    public let statistic: Double
    /// Two-sided p-value from the t distribution with the covariance's degrees of freedom.
    public let pValue: Double
    /// Confidence interval at `CoefficientTable.level`.
    public let lower: Double
    public let upper: Double
}

/// Estimates with standard errors, tests and confidence intervals.
public struct CoefficientTable: Sendable, Codable, Equatable {
    public let estimator: VarianceEstimator
    public let degreesOfFreedom: Double
    public let level: Double
    public let clusterCount: Int?
    public let rows: [CoefficientRow]

    /// The row for `term`.
    public subscript(term: String) -> CoefficientRow? { rows.first { $0.term == term } }
}

extension LinearFit {
    /// The coefficient table under `estimator`, with `level` confidence intervals (t-based, see `VarianceEstimator`).
    public func coefficientTable(_ estimator: VarianceEstimator, level: Double = 0.95,
                                 clusters: [Int]? = nil) throws(RegressionError) -> CoefficientTable {
        let v = try covariance(estimator, clusters: clusters)
        let t = StudentT(degreesOfFreedom: v.degreesOfFreedom)
        let crit = t.complementaryQuantile((1 - level) / 2)
        let rows = names.indices.map { j -> CoefficientRow in
            let b = coefficients[j], se = v.standardErrors[j]
            let stat = b / se
            return CoefficientRow(term: names[j], estimate: b, standardError: se, statistic: stat,
                                  pValue: t.twoSidedPValue(stat), lower: b - crit * se, upper: b + crit * se)
        }
        return CoefficientTable(estimator: estimator, degreesOfFreedom: v.degreesOfFreedom, level: level,
                                clusterCount: v.clusterCount, rows: rows)
    }
}
