import EstimationCore
import Foundation
import Regression
import Tabular

/// An estimated treatment effect: the estimand, how it was estimated, and the `Estimate`.
///
/// In JSON the estimate's fields sit beside `estimand`, `method` and `observations`:
/// `{"estimand": "att", "method": "difference in means", "observations": 370, "estimate": …,
///   "standardError": …, "inference": {"kind": "cluster", "type": "CR1", …}, …}`.
public struct EffectEstimate: Sendable, Codable, Equatable {
    public let estimand: Estimand
    /// "difference in means", "regression adjustment" or "Abadie-Imbens matching".
    public let method: String
    public let observations: Int
    /// The effect with its standard error, test and interval.
    public let effect: Estimate

    public init(estimand: Estimand, method: String, observations: Int, effect: Estimate) {
        self.estimand = estimand
        self.method = method
        self.observations = observations
        self.effect = effect
    }

    enum CodingKeys: String, CodingKey { case estimand, method, observations }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        estimand = try c.decode(Estimand.self, forKey: .estimand)
        method = try c.decode(String.self, forKey: .method)
        observations = try c.decode(Int.self, forKey: .observations)
        effect = try Estimate(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(estimand, forKey: .estimand)
        try c.encode(method, forKey: .method)
        try c.encode(observations, forKey: .observations)
        try effect.encode(to: encoder)
    }

    /// Shorthands for the effect's fields.
    public var estimate: Double { effect.estimate }
    public var standardError: Double? { effect.standardError }
    public var pValue: Double? { effect.pValue }
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
    public static func estimate(
        _ table: Table, rows: [Int], treated: [Bool], weights: [Double], outcome: String,
        covariates: [String] = [], factors: [String] = [], subclass: [Int?]? = nil,
        estimand: Estimand, variance: VarianceEstimator? = nil,
        level: Double = 0.95
    ) throws(MatchingError) -> EffectEstimate {
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
        let spec = ModelSpecification(
            outcome: "__outcome", covariates: ["__treated"] + covariates, factors: factors,
            weights: "__weight", cluster: subclass == nil ? nil : "__subclass")
        do {
            let fit = try LinearModel.fit(spec, table: t)
            let table = try fit.coefficientTable(estimator, level: level)
            let row = table["__treated"]!
            var effect = row
            effect.term = nil
            return EffectEstimate(
                estimand: estimand,
                method: covariates.isEmpty && factors.isEmpty ? "difference in means" : "regression adjustment",
                observations: fit.observations, effect: effect)
        } catch {
            throw .regression(error)
        }
    }
}
