import EstimationCore
import Matching
import Regression

extension Estimand: SettingChoice {}
extension DistanceScale: SettingChoice {}
extension BinaryLink: SettingChoice {}
extension MatchingSpecification.Order: SettingChoice {}

/// The keys of nearest-neighbour matching (refused with `matching: cem`).
public struct NearestKeys: KeySet {
    let distance = DefaultedKey<MatchingAnalysis.Distance>("distance", "logit/probit propensity score, or mahalanobis on covariates", default: .logit)
    let scale = DefaultedKey<DistanceScale>("scale", "propensity distance on the probability or linear (log-odds) scale", default: .probability)
    let mahalanobis = DefaultedKey<[String]>("mahalanobis", "Mahalanobis columns used inside propensity-score calipers", column: .numeric, default: [])
    let ratio = DefaultedKey<Int>("ratio", "k:1 matching", default: 1, rule: { $0 >= 1 ? nil : "the ratio must be a whole number of at least 1" })
    let replace = DefaultedKey<Bool>("replace", "match with replacement", default: false)
    let caliper = OptionalKey<Double>(
        "caliper", "caliper in SDs of the propensity distance (MatchIt's std.caliper)",
        rule: { $0 > 0 ? nil : "the caliper (in SDs of the distance) must be positive" })
    let exact = DefaultedKey<[String]>("exact", "columns matched exactly", column: .any, default: [])
    let order = OptionalKey<MatchingSpecification.Order>("order", "matching order", default: "largest with a propensity score")
    public init() {}
}

/// `method: match`: nearest-neighbour or coarsened exact matching, estimand ATT (the library's
/// `CovariateAdjustment.estimate`; `AdjustmentPresenter` reports it).
///
/// Writes `balance.csv`, `matched_sample.csv`, `effects.csv` (with an outcome) and `love_plot.svg`.
public struct MatchingAnalysis: BinaryTreatmentAnalysis {
    public static let names = ["match"]
    public static let summary = "nearest-neighbour or coarsened exact matching (ATT)"

    /// How units are matched.
    public enum Kind: String, SettingChoice { case nearest, cem }
    /// The distance of nearest-neighbour matching.
    public enum Distance: String, SettingChoice { case logit, probit, mahalanobis }

    public struct Keys: KeySet {
        let treatment = RequiredKey<String>("treatment", "0/1 treatment column", column: .numeric)
        let covariates = CommonKeys.covariates
        let factors = CommonKeys.factors
        let matching = DefaultedKey<Kind>("matching", "nearest or cem", default: .nearest)
        let nearest = NearestKeys()
        let cutpoints = DefaultedKey<[String: Int]>("cutpoints", "CEM: bins per covariate, e.g. {age: 5}", default: [:])
        let outcome = OptionalKey<String>("outcome", "outcome for the effect estimate", column: .numeric)
        let adjust = DefaultedKey<[String]>("adjust", "covariates for regression adjustment of the effect", column: .numeric, default: [])
        let inference = InferenceName.key(
            "standard errors of the effect", defaultText: "cr1 on matched sets without replacement, else hc1", supported: [.cr1, .hc1], method: "match")
        let level = CommonKeys.level
        public init() {}
    }

    public var specification: CovariateAdjustment.Specification
    public var treatment: String { specification.treatment }

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let treatment = try s(\.treatment), covariates = try s(\.covariates), factors = try s(\.factors)
        let distance = try s(\.nearest.distance), mahalanobis = try s(\.nearest.mahalanobis)
        let design: CovariateAdjustment.Design
        if try s(\.matching) == .cem {
            try s.refuseGiven(\.nearest, appliesTo: "'matching: nearest'")
            design = .coarsenedExact(cutpoints: try s(\.cutpoints))
        } else {
            if s.has(\.cutpoints) { throw s.issue(\.cutpoints, "'cutpoints' applies only to 'matching: cem'") }
            let caliper = try s(\.nearest.caliper)
            if distance == .mahalanobis && (caliper != nil || !mahalanobis.isEmpty) {
                throw s.issue(
                    \.nearest.distance,
                    "with 'distance: mahalanobis' there is no propensity score for a caliper; use a logit distance with 'mahalanobis: [...]' instead"
                )
            }
            let mahalanobisOnly = distance == .mahalanobis
            design = .nearest(
                MatchingSpecification(
                    treatment: treatment, covariates: covariates, factors: factors, link: distance == .probit ? .probit : .logit, scale: try s(\.nearest.scale),
                    mahalanobis: mahalanobisOnly ? covariates : mahalanobis, usePropensityScore: !mahalanobisOnly, ratio: try s(\.nearest.ratio),
                    replace: try s(\.nearest.replace), caliper: caliper, exact: try s(\.nearest.exact), order: try s(\.nearest.order)))
        }
        var spec = CovariateAdjustment.Specification(treatment: treatment, covariates: covariates, factors: factors, design: design)
        spec.balanceAlso = mahalanobis
        spec.outcome = try s(\.outcome)
        spec.adjust = try s(\.adjust)
        spec.variance = try s(\.inference)?.varianceEstimator
        spec.level = try s(\.level)
        do { try CovariateAdjustment.checkSettings(spec) } catch { throw s.issue(error.description) }
        specification = spec
    }

    public func run(_ context: RunContext) throws -> MethodOutput<CovariateAdjustment.Result> {
        var spec = specification
        spec.threads = context.threads
        let result = try CovariateAdjustment.estimate(spec, table: context.data.table)
        return AdjustmentPresenter.output(result, design: spec.design, name: context.analysis.name)
    }
}
