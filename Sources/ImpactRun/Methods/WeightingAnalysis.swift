import EstimationCore
import Matching
import Regression
import Reporting

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
        let variances = OptionalKey<Bool>("variances", "entropy balancing on second moments too", default: "false")
        let outcome = OptionalKey<String>("outcome", "outcome for the effect estimate", column: .numeric)
        let adjust = DefaultedKey<[String]>("adjust", "covariates for regression adjustment of the effect", column: .numeric, default: [])
        let inference = InferenceName.key(
            "standard errors of the effect (weights treated as fixed)", default: .hc1, supported: [.hc0, .hc1, .hc2, .hc3], method: "weight")
        let level = CommonKeys.level
        public init() {}
    }

    public var treatment: String
    public var covariates: [String]
    public var factors: [String]
    public var weighting: Kind
    public var estimand: Estimand
    public var link: BinaryLink
    public var variances: Bool
    public var outcome: String?
    public var adjust: [String]
    public var inference: VarianceEstimator
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        treatment = try s(\.treatment)
        covariates = try s(\.covariates)
        factors = try s(\.factors)
        weighting = try s(\.weighting)
        estimand = try s(\.estimand) ?? (weighting == .ipw ? .ate : .att)
        link = try s(\.link) ?? .logit
        variances = try s(\.variances) ?? false
        outcome = try s(\.outcome)
        adjust = try s(\.adjust)
        inference = try s(\.inference).varianceEstimator ?? .hc1
        level = try s(\.level)
        guard covariates.count + factors.count > 0 else { throw s.issue("weighting needs 'covariates' or 'factors'") }
        if weighting == .ipw && s.has(\.variances) { throw s.issue(\.variances, "'variances' applies only to 'weighting: entropy'") }
        if weighting == .entropy && s.has(\.link) { throw s.issue(\.link, "'link' applies only to 'weighting: ipw'") }
        if outcome == nil && s.has(\.adjust) { throw s.issue(\.adjust, "'adjust' describes the effect estimate and needs an 'outcome'") }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<AdjustmentResult> {
        let table = context.data.table
        let sample: WeightedSample
        if weighting == .entropy {
            sample = try EntropyBalancing.weights(
                table, treatment: treatment, covariates: covariates, factors: factors,
                estimand: estimand, variances: variances)
        } else {
            sample = try InverseProbabilityWeighting.weights(
                table, treatment: treatment, covariates: covariates,
                factors: factors, estimand: estimand, link: link)
        }
        var effects: [EffectEstimate] = []
        if let outcome {
            effects.append(
                try WeightedEffect.estimate(
                    table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                    outcome: outcome, estimand: estimand, variance: inference, level: level))
            if !adjust.isEmpty {
                effects.append(
                    try WeightedEffect.estimate(
                        table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                        outcome: outcome, covariates: adjust, estimand: estimand,
                        variance: inference, level: level))
            }
        }
        let variables = try AdjustmentReport.balanceVariables(
            table, rows: sample.rows, covariates: covariates, factors: factors,
            distance: sample.propensityScores?.probabilities)
        let balance = Balance.tables(variables, treated: sample.treated, weights: [nil, sample.weights], estimand: estimand)
        let (before, after) = (balance[0], balance[1])
        let counts = SampleCounts(
            treated: sample.treated.filter { $0 }.count, control: sample.treated.filter { !$0 }.count,
            treatedUsed: after.treatedCount, controlUsed: after.controlCount, droppedRows: sample.droppedRows)
        let result = AdjustmentResult(
            method: sample.method, estimand: estimand, counts: counts,
            propensityModel: sample.propensityScores.map { PropensityModelSummary($0.model) },
            convergence: sample.convergence, balanceBefore: before, balanceAfter: after, effects: effects)
        let units = ReportTable(
            fileName: "weights.csv", headers: ["row", "treated", "weight", "propensity_score"],
            rows: sample.rows.indices.map { i in
                [
                    .integer(sample.rows[i] + 1), .integer(sample.treated[i] ? 1 : 0), .number(sample.weights[i]),
                    .number(sample.propensityScores?.probabilities[i])
                ]
            })
        var out = AdjustmentReport.output(context.analysis.name, result: result, units: units)
        if let c = sample.convergence {
            let text: ReportText =
                "Entropy balancing \(c.converged ? "converged" : "did NOT converge") in \(c.iterations) iterations; "
                + "largest constraint error \(number: c.maximumAbsoluteError) (\(number: c.maximumStandardizedError) SD)."
            out.blocks.insert(.paragraph(text), at: 1)
            if !c.converged { out.warnings.append("entropy balancing did not converge: the weights do not balance the covariates exactly") }
        }
        return out
    }
}
