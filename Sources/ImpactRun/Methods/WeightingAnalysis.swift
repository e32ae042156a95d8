import EstimationCore
import Matching
import Regression

/// `method: weight`: inverse probability weighting or entropy balancing.
///
/// Writes `balance.csv`, `weights.csv`, `effects.csv` (with an outcome) and `love_plot.svg`.
public struct WeightingAnalysis: BinaryTreatmentAnalysis {
    public static let names = ["weight"]
    public static let summary = "inverse probability weighting or entropy balancing"

    /// How the weights are found.
    public enum Kind: String, SettingChoice { case ipw, entropy }

    public struct Keys: KeySet {
        let treatment = RequiredKey<String>("treatment", "0/1 treatment column", column: .numeric)
        let covariates = CommonKeys.covariates
        let factors = CommonKeys.factors
        let weighting = DefaultedKey<Kind>("weighting", "ipw or entropy", default: .ipw)
        let estimand = OptionalKey<Estimand>("estimand", "ate, att or atc", default: "ate for ipw, att for entropy")
        let link = OptionalKey<BinaryLink>("link", "IPW propensity model link", default: "logit")
        let moments = OptionalKey<Int>(
            "moments", "entropy: 1 (means) or 2 (also variances)", default: "1", rule: { $0 == 1 || $0 == 2 ? nil : "must be 1 or 2" })
        let outcome = OptionalKey<String>("outcome", "outcome for the effect estimate", column: .numeric)
        let adjust = DefaultedKey<[String]>("adjust", "covariates for regression adjustment of the effect", column: .numeric, default: [])
        let inference = InferenceName.key(
            "standard errors of the effect (weights treated as fixed)", default: .hc1, supported: [.hc0, .hc1, .hc2, .hc3], method: "weight")
        let level = CommonKeys.level
        public init() {}
    }

    public var specification: CovariateAdjustment.Specification
    public var treatment: String { specification.treatment }

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let weighting = try s(\.weighting)
        let estimand = try s(\.estimand) ?? (weighting == .ipw ? .ate : .att)
        if weighting == .ipw && s.has(\.moments) { throw s.issue(\.moments, "'moments' applies only to 'weighting: entropy'") }
        if weighting == .entropy && s.has(\.link) { throw s.issue(\.link, "'link' applies only to 'weighting: ipw'") }
        let design: CovariateAdjustment.Design =
            weighting == .ipw
            ? .inverseProbability(estimand: estimand, link: try s(\.link) ?? .logit) : .entropy(estimand: estimand, variances: try s(\.moments) == 2)
        var spec = CovariateAdjustment.Specification(treatment: try s(\.treatment), covariates: try s(\.covariates), factors: try s(\.factors), design: design)
        spec.outcome = try s(\.outcome)
        spec.adjust = try s(\.adjust)
        if s.has(\.inference) { spec.variance = try s(\.inference).varianceEstimator }
        spec.level = try s(\.level)
        do { try CovariateAdjustment.checkSettings(spec) } catch { throw s.issue(error.description) }
        specification = spec
    }

    public func run(_ context: RunContext) throws -> MethodOutput<CovariateAdjustment.Result> {
        let result = try CovariateAdjustment.estimate(specification, table: context.data.table)
        return AdjustmentPresenter.output(result, design: specification.design, name: context.analysis.name)
    }
}
