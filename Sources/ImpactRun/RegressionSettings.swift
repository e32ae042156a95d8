import Regression
import Tabular

/// Settings of `method: ols` / `method: wls`.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `outcome` | outcome column | required |
/// | `treatment` | treatment column (entered first; highlighted in the report) | none |
/// | `covariates` | numeric covariates | `[]` |
/// | `factors` | categorical covariates (treatment contrasts) | `[]` |
/// | `reference` | reference level per factor | first sorted level |
/// | `intercept` | include an intercept | `true` |
/// | `weights` | analytic weights column (required for `wls`) | none |
/// | `cluster` | cluster identifier column | none |
/// | `variance` | estimators: `classical`, `hc0`–`hc3`, `cr0`, `cr1` | `[cr1]` with a cluster, else `[classical, hc1]` |
/// | `level` | confidence level | `0.95` |
public struct RegressionSettings: Sendable {
    public var outcome: String
    public var treatment: String?
    public var covariates: [String]
    public var factors: [String]
    public var reference: [String: String]
    public var intercept: Bool
    public var weights: String?
    public var cluster: String?
    public var variance: [VarianceEstimator]
    public var level: Double

    static let keys = ["outcome", "treatment", "covariates", "factors", "reference", "intercept",
                       "weights", "cluster", "variance", "level"]

    init(_ m: StrictMapping, method: String) throws {
        outcome = try m.required("outcome")
        treatment = try m.optional("treatment")
        covariates = try m.value("covariates", default: [])
        factors = try m.value("factors", default: [])
        reference = try m.value("reference", default: [:])
        intercept = try m.value("intercept", default: true)
        weights = try m.optional("weights")
        cluster = try m.optional("cluster")
        level = try m.value("level", default: 0.95)
        guard level > 0 && level < 1 else { throw m.issue("level", "the confidence level must be between 0 and 1, e.g. 0.95") }
        if method == "wls" && weights == nil {
            throw m.issue("method 'wls' needs a 'weights' column")
        }
        let names: [String] = try m.value("variance", default: cluster == nil ? ["classical", "hc1"] : ["cr1"])
        let valid = VarianceEstimator.allCases.map(\.rawValue)
        let hasCluster = cluster != nil
        variance = try names.map { name in
            guard let v = VarianceEstimator(rawValue: name) else {
                var message = "unknown variance estimator '\(name)'"
                if let s = closestMatch(to: name, in: valid) { message += " (did you mean '\(s)'?)" }
                throw m.issue("variance", message + "; expected some of: " + valid.joined(separator: ", "))
            }
            if v.isClustered && !hasCluster {
                throw m.issue("variance", "'\(name)' needs a 'cluster' column")
            }
            return v
        }
        for factor in reference.keys.sorted() where !factors.contains(factor) {
            throw m.issue("reference", "'\(factor)' has a reference level but is not listed in 'factors'")
        }
    }

    /// The library specification this config describes.
    public var specification: ModelSpecification {
        ModelSpecification(outcome: outcome, covariates: (treatment.map { [$0] } ?? []) + covariates,
                           factors: factors, referenceLevels: reference, intercept: intercept,
                           weights: weights, cluster: cluster)
    }

    var columnRequirements: [ColumnRequirement] {
        var r = [ColumnRequirement(key: "outcome", column: outcome, numeric: true)]
        if let treatment { r.append(ColumnRequirement(key: "treatment", column: treatment, numeric: true)) }
        r += ColumnRequirement.list("covariates", covariates, numeric: true)
        r += ColumnRequirement.list("factors", factors, numeric: false)
        if let weights { r.append(ColumnRequirement(key: "weights", column: weights, numeric: true)) }
        if let cluster { r.append(ColumnRequirement(key: "cluster", column: cluster, numeric: false)) }
        return r
    }
}
