import Foundation
import Regression
import Tabular

/// An estimated treatment effect with its uncertainty.
public struct EffectEstimate: Sendable, Codable, Equatable {
    public let estimand: Estimand
    /// "difference in means", "regression adjustment" or "Abadie-Imbens matching".
    public let method: String
    public let estimate: Double
    public let standardError: Double
    public let statistic: Double
    public let pValue: Double
    public let level: Double
    public let lower: Double
    public let upper: Double
    /// Degrees of freedom of the t reference (infinite: normal).
    public let degreesOfFreedom: Double?
    /// How the standard error was computed.
    public let variance: String
    public let observations: Int
    public let clusters: Int?
}

/// Effects on a matched or weighted sample by weighted least squares.
///
/// The estimate is the coefficient on the treatment indicator in a WLS
/// regression of the outcome on the treatment (difference in weighted means)
/// or on the treatment and covariates (regression adjustment), with the
/// matching or balancing weights. Standard errors: cluster-robust CR1 with
/// matched sets (subclasses) as clusters when there are any (as MatchIt's
/// documentation recommends: `lm(y ~ treat, weights)` with
/// `sandwich::vcovCL(cluster = ~subclass)`), HC1 otherwise; they treat the
/// weights as fixed.
public enum WeightedEffect {
    public static func estimate(_ table: Table, rows: [Int], treated: [Bool], weights: [Double], outcome: String,
                                covariates: [String] = [], factors: [String] = [], subclass: [Int?]? = nil,
                                estimand: Estimand, variance: VarianceEstimator? = nil,
                                level: Double = 0.95) throws(MatchingError) -> EffectEstimate {
        let keep = rows.indices.filter { weights[$0] > 0 && (subclass == nil || subclass![$0] != nil) }
        var t = Table(rowCount: keep.count)
        do {
            let source = table.selectingRows(keep.map { rows[$0] })
            try t.addColumn("__outcome", .numeric(try source.numeric(outcome)))
            try t.addColumn("__treated", .numeric(keep.map { treated[$0] ? 1 : 0 }))
            try t.addColumn("__weight", .numeric(keep.map { weights[$0] }))
            for c in covariates { try t.addColumn(c, try source.column(c)) }
            for f in factors where !covariates.contains(f) { try t.addColumn(f, try source.column(f)) }
            if let subclass { try t.addColumn("__subclass", .numeric(keep.map { Double(subclass[$0]!) })) }
        } catch { throw .table(error) }
        let estimator = variance ?? (subclass != nil ? .cr1 : .hc1)
        if estimator.isClustered && subclass == nil {
            throw .invalidOption("cluster-robust standard errors need matched sets; this sample has none (weighting, or matching with replacement)")
        }
        let spec = ModelSpecification(outcome: "__outcome", covariates: ["__treated"] + covariates, factors: factors,
                                      weights: "__weight", cluster: subclass == nil ? nil : "__subclass")
        do {
            let fit = try LinearModel.fit(spec, table: t)
            let table = try fit.coefficientTable(estimator, level: level)
            let row = table["__treated"]!
            return EffectEstimate(
                estimand: estimand, method: covariates.isEmpty && factors.isEmpty ? "difference in means" : "regression adjustment",
                estimate: row.estimate, standardError: row.standardError, statistic: row.statistic, pValue: row.pValue,
                level: level, lower: row.lower, upper: row.upper, degreesOfFreedom: table.degreesOfFreedom,
                variance: estimator.rawValue + (table.clusterCount.map { " (\($0) matched sets)" } ?? ""),
                observations: fit.observations, clusters: table.clusterCount)
        } catch {
            throw .regression(error)
        }
    }
}
