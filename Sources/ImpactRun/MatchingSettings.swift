import Matching
import Regression

/// Settings of `method: match` (nearest-neighbour or coarsened exact matching, ATT).
///
/// | key | meaning | default |
/// |---|---|---|
/// | `treatment` | 0/1 treatment column | required |
/// | `covariates`, `factors` | numeric and categorical covariates (propensity model / CEM strata) | `[]` |
/// | `matching` | `nearest` or `cem` | `nearest` |
/// | `distance` | `logit`, `probit` (propensity score) or `mahalanobis` (on `covariates`) | `logit` |
/// | `scale` | propensity-score distance on `probability` or `linear` (log-odds) scale | `probability` |
/// | `mahalanobis` | Mahalanobis columns used within propensity-score calipers | `[]` |
/// | `ratio`, `replace`, `caliper`, `exact`, `order` | see `MatchingSpecification` | `1`, `false`, none, `[]`, `largest` |
/// | `cutpoints` | CEM: bins per covariate (a number) | Sturges |
/// | `outcome` | outcome for effect estimates | none |
/// | `adjust` | covariates for regression adjustment of the effect | `[]` |
/// | `variance` | `cr1` on matched sets (default without replacement) or `hc1` | |
/// | `level` | confidence level | `0.95` |
public struct MatchSettings: Sendable {
    public var treatment: String
    public var covariates: [String]
    public var factors: [String]
    public var matching: String
    public var distance: String
    public var scale: DistanceScale
    public var mahalanobis: [String]
    public var ratio: Int
    public var replace: Bool
    public var caliper: Double?
    public var exact: [String]
    public var order: MatchingSpecification.Order?
    public var cutpoints: [String: Int]
    public var outcome: String?
    public var adjust: [String]
    public var variance: VarianceEstimator?
    public var level: Double

    static let keys = ["treatment", "covariates", "factors", "matching", "distance", "scale", "mahalanobis", "ratio",
                       "replace", "caliper", "exact", "order", "cutpoints", "outcome", "adjust", "variance", "level"]

    init(_ m: StrictMapping) throws {
        treatment = try m.required("treatment")
        covariates = try m.value("covariates", default: [])
        factors = try m.value("factors", default: [])
        matching = try m.choice("matching", ["nearest", "cem"], default: "nearest")
        distance = try m.choice("distance", ["logit", "probit", "mahalanobis"], default: "logit")
        scale = DistanceScale(rawValue: try m.choice("scale", ["probability", "linear"], default: "probability"))!
        mahalanobis = try m.value("mahalanobis", default: [])
        ratio = try m.value("ratio", default: 1)
        replace = try m.value("replace", default: false)
        caliper = try m.optional("caliper")
        exact = try m.value("exact", default: [])
        order = try m.optional("order", String.self).map { _ in
            MatchingSpecification.Order(rawValue: try m.choice("order", MatchingSpecification.Order.allCases.map(\.rawValue)))!
        }
        cutpoints = try m.value("cutpoints", default: [:])
        outcome = try m.optional("outcome")
        adjust = try m.value("adjust", default: [])
        level = try m.value("level", default: 0.95)
        variance = try m.optional("variance", String.self).map { _ in
            VarianceEstimator(rawValue: try m.choice("variance", ["cr1", "hc1"]))!
        }
        guard covariates.count + factors.count > 0 || distance == "mahalanobis" else {
            throw m.issue("matching needs 'covariates' or 'factors'")
        }
        guard ratio >= 1 else { throw m.issue("ratio", "the ratio must be a whole number of at least 1") }
        if let c = caliper, !(c > 0) { throw m.issue("caliper", "the caliper (in SDs of the distance) must be positive") }
        guard level > 0 && level < 1 else { throw m.issue("level", "the confidence level must be between 0 and 1") }
        if matching == "cem" {
            for key in ["distance", "scale", "mahalanobis", "ratio", "replace", "caliper", "exact", "order"] where m.has(key) {
                throw m.issue(key, "'\(key)' does not apply to 'matching: cem'")
            }
        } else if m.has("cutpoints") {
            throw m.issue("cutpoints", "'cutpoints' applies only to 'matching: cem'")
        }
        if distance == "mahalanobis" && (caliper != nil || !mahalanobis.isEmpty) {
            throw m.issue("distance", "with 'distance: mahalanobis' there is no propensity score for a caliper; use a logit distance with 'mahalanobis: [...]' instead")
        }
        if replace && variance == .cr1 { throw m.issue("variance", "matched sets overlap when matching with replacement; use hc1") }
        if outcome == nil && (m.has("adjust") || m.has("variance")) {
            throw m.issue("'adjust' and 'variance' describe the effect estimate and need an 'outcome'")
        }
    }

    var specification: MatchingSpecification {
        let mahalanobisOnly = distance == "mahalanobis"
        return MatchingSpecification(
            treatment: treatment, covariates: covariates, factors: factors,
            link: distance == "probit" ? .probit : .logit, scale: scale,
            mahalanobis: mahalanobisOnly ? covariates : mahalanobis, usePropensityScore: !mahalanobisOnly,
            ratio: ratio, replace: replace, caliper: caliper, exact: exact, order: order)
    }

    var columnRequirements: [ColumnRequirement] {
        var r = [ColumnRequirement(key: "treatment", column: treatment, numeric: true)]
        r += ColumnRequirement.list("covariates", covariates, numeric: true)
        r += ColumnRequirement.list("factors", factors, numeric: false)
        r += ColumnRequirement.list("mahalanobis", mahalanobis, numeric: true)
        r += ColumnRequirement.list("exact", exact, numeric: false)
        r += ColumnRequirement.list("adjust", adjust, numeric: true)
        if let outcome { r.append(ColumnRequirement(key: "outcome", column: outcome, numeric: true)) }
        return r
    }
}

/// Settings of `method: weight` (inverse probability weighting or entropy balancing).
///
/// | key | meaning | default |
/// |---|---|---|
/// | `treatment`, `covariates`, `factors` | as for `match` | |
/// | `weighting` | `ipw` or `entropy` | `ipw` |
/// | `estimand` | `ate`, `att` or `atc` | `ate` for IPW, `att` for entropy |
/// | `link` | IPW propensity model: `logit` or `probit` | `logit` |
/// | `variances` | entropy balancing also on variances | `false` |
/// | `outcome`, `adjust`, `level` | effect estimate (HC1 standard errors) | |
public struct WeightSettings: Sendable {
    public var treatment: String
    public var covariates: [String]
    public var factors: [String]
    public var weighting: String
    public var estimand: Estimand
    public var link: BinaryLink
    public var variances: Bool
    public var outcome: String?
    public var adjust: [String]
    public var level: Double

    static let keys = ["treatment", "covariates", "factors", "weighting", "estimand", "link", "variances",
                       "outcome", "adjust", "level"]

    init(_ m: StrictMapping) throws {
        treatment = try m.required("treatment")
        covariates = try m.value("covariates", default: [])
        factors = try m.value("factors", default: [])
        weighting = try m.choice("weighting", ["ipw", "entropy"], default: "ipw")
        estimand = Estimand(rawValue: try m.choice("estimand", ["ate", "att", "atc"], default: weighting == "ipw" ? "ate" : "att"))!
        link = BinaryLink(rawValue: try m.choice("link", ["logit", "probit"], default: "logit"))!
        variances = try m.value("variances", default: false)
        outcome = try m.optional("outcome")
        adjust = try m.value("adjust", default: [])
        level = try m.value("level", default: 0.95)
        guard covariates.count + factors.count > 0 else { throw m.issue("weighting needs 'covariates' or 'factors'") }
        if weighting == "ipw" && m.has("variances") { throw m.issue("variances", "'variances' applies only to 'weighting: entropy'") }
        if weighting == "entropy" && m.has("link") { throw m.issue("link", "'link' applies only to 'weighting: ipw'") }
        guard level > 0 && level < 1 else { throw m.issue("level", "the confidence level must be between 0 and 1") }
        if outcome == nil && m.has("adjust") { throw m.issue("adjust", "'adjust' describes the effect estimate and needs an 'outcome'") }
    }

    var columnRequirements: [ColumnRequirement] {
        var r = [ColumnRequirement(key: "treatment", column: treatment, numeric: true)]
        r += ColumnRequirement.list("covariates", covariates, numeric: true)
        r += ColumnRequirement.list("factors", factors, numeric: false)
        r += ColumnRequirement.list("adjust", adjust, numeric: true)
        if let outcome { r.append(ColumnRequirement(key: "outcome", column: outcome, numeric: true)) }
        return r
    }
}

/// Settings of `method: abadie-imbens` (nearest-neighbour matching estimator with analytic variance).
///
/// | key | meaning | default |
/// |---|---|---|
/// | `outcome`, `treatment`, `covariates` | columns | required |
/// | `estimand` | `ate`, `att`, `atc` | `ate` |
/// | `matches` | M, matches per unit (ties kept) | `1` |
/// | `bias_adjustment` | Abadie–Imbens (2011) regression bias adjustment | `false` |
/// | `variance_matches` | 0: homoskedastic σ²; J > 0: σ²(x) from J within-group matches | `0` |
/// | `sample_variance` | variance for the sample (not population) average effect | `false` |
/// | `level` | confidence level (normal) | `0.95` |
public struct AbadieImbensSettings: Sendable {
    public var specification: AbadieImbens.Specification
    public var level: Double

    static let keys = ["outcome", "treatment", "covariates", "estimand", "matches", "bias_adjustment",
                       "variance_matches", "sample_variance", "level"]

    init(_ m: StrictMapping) throws {
        specification = AbadieImbens.Specification(
            outcome: try m.required("outcome"), treatment: try m.required("treatment"), covariates: try m.required("covariates"),
            estimand: Estimand(rawValue: try m.choice("estimand", ["ate", "att", "atc"], default: "ate"))!,
            matches: try m.value("matches", default: 1), biasAdjustment: try m.value("bias_adjustment", default: false),
            varianceMatches: try m.value("variance_matches", default: 0), sampleVariance: try m.value("sample_variance", default: false))
        level = try m.value("level", default: 0.95)
        guard !specification.covariates.isEmpty else { throw m.issue("covariates", "list at least one covariate to match on") }
        guard specification.matches >= 1 else { throw m.issue("matches", "the number of matches must be at least 1") }
        guard specification.varianceMatches >= 0 else { throw m.issue("variance_matches", "must be 0 or more") }
        guard level > 0 && level < 1 else { throw m.issue("level", "the confidence level must be between 0 and 1") }
    }

    var columnRequirements: [ColumnRequirement] {
        [ColumnRequirement(key: "outcome", column: specification.outcome, numeric: true),
         ColumnRequirement(key: "treatment", column: specification.treatment, numeric: true)]
            + ColumnRequirement.list("covariates", specification.covariates, numeric: true)
    }
}
