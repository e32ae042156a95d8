import EstimationCore
import Matching
import Regression
import Reporting

extension Estimand: SettingChoice {}
extension DistanceScale: SettingChoice {}
extension BinaryLink: SettingChoice {}
extension MatchingSpecification.Order: SettingChoice {}

/// `method: match`: nearest-neighbour or coarsened exact matching, estimand ATT.
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
        let distance = DefaultedKey<Distance>("distance", "logit/probit propensity score, or mahalanobis on covariates", default: .logit)
        let scale = DefaultedKey<DistanceScale>("scale", "propensity distance on the probability or linear (log-odds) scale", default: .probability)
        let mahalanobis = DefaultedKey<[String]>("mahalanobis", "Mahalanobis columns used inside propensity-score calipers", column: .numeric, default: [])
        let ratio = DefaultedKey<Int>("ratio", "k:1 matching", default: 1, rule: { $0 >= 1 ? nil : "the ratio must be a whole number of at least 1" })
        let replace = DefaultedKey<Bool>("replace", "match with replacement", default: false)
        let caliper = OptionalKey<Double>(
            "caliper", "caliper in SDs of the propensity distance (MatchIt's std.caliper)",
            rule: { $0 > 0 ? nil : "the caliper (in SDs of the distance) must be positive" })
        let exact = DefaultedKey<[String]>("exact", "columns matched exactly", column: .any, default: [])
        let order = OptionalKey<MatchingSpecification.Order>("order", "matching order", default: "largest with a propensity score")
        let cutpoints = DefaultedKey<[String: Int]>("cutpoints", "CEM: bins per covariate, e.g. {age: 5}", default: [:])
        let outcome = OptionalKey<String>("outcome", "outcome for the effect estimate", column: .numeric)
        let adjust = DefaultedKey<[String]>("adjust", "covariates for regression adjustment of the effect", column: .numeric, default: [])
        let inference = InferenceName.key(
            "standard errors of the effect", defaultText: "cr1 on matched sets without replacement, else hc1", supported: [.cr1, .hc1], method: "match")
        let level = CommonKeys.level
        public init() {}
    }

    public var treatment: String
    public var covariates: [String]
    public var factors: [String]
    public var matching: Kind
    public var distance: Distance
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
    public var inference: VarianceEstimator?
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        treatment = try s(\.treatment)
        covariates = try s(\.covariates)
        factors = try s(\.factors)
        matching = try s(\.matching)
        distance = try s(\.distance)
        scale = try s(\.scale)
        mahalanobis = try s(\.mahalanobis)
        ratio = try s(\.ratio)
        replace = try s(\.replace)
        caliper = try s(\.caliper)
        exact = try s(\.exact)
        order = try s(\.order)
        cutpoints = try s(\.cutpoints)
        outcome = try s(\.outcome)
        adjust = try s(\.adjust)
        inference = try s(\.inference)?.varianceEstimator
        level = try s(\.level)
        guard covariates.count + factors.count > 0 || distance == .mahalanobis else {
            throw s.issue("matching needs 'covariates' or 'factors'")
        }
        if matching == .cem {
            let inapplicable: [(String, Bool)] = [
                ("distance", s.has(\.distance)), ("scale", s.has(\.scale)), ("mahalanobis", s.has(\.mahalanobis)),
                ("ratio", s.has(\.ratio)), ("replace", s.has(\.replace)), ("caliper", s.has(\.caliper)),
                ("exact", s.has(\.exact)), ("order", s.has(\.order))
            ]
            if let (key, _) = inapplicable.first(where: \.1) { throw s.issue("'\(key)' does not apply to 'matching: cem'") }
        } else if s.has(\.cutpoints) {
            throw s.issue(\.cutpoints, "'cutpoints' applies only to 'matching: cem'")
        }
        if distance == .mahalanobis && (caliper != nil || !mahalanobis.isEmpty) {
            throw s.issue(
                \.distance, "with 'distance: mahalanobis' there is no propensity score for a caliper; use a logit distance with 'mahalanobis: [...]' instead")
        }
        if replace && inference == .cr1 { throw s.issue(\.inference, "matched sets overlap when matching with replacement; use hc1") }
        if outcome == nil && (s.has(\.adjust) || s.has(\.inference)) {
            throw s.issue("'adjust' and 'inference' describe the effect estimate and need an 'outcome'")
        }
    }

    public var specification: MatchingSpecification {
        let mahalanobisOnly = distance == .mahalanobis
        return MatchingSpecification(
            treatment: treatment, covariates: covariates, factors: factors,
            link: distance == .probit ? .probit : .logit, scale: scale,
            mahalanobis: mahalanobisOnly ? covariates : mahalanobis, usePropensityScore: !mahalanobisOnly,
            ratio: ratio, replace: replace, caliper: caliper, exact: exact, order: order)
    }

    public func run(_ context: RunContext) throws -> MethodOutput<AdjustmentResult> {
        let table = context.data.table
        let sample: MatchedSample
        if matching == .cem {
            sample = try CoarsenedExactMatching.match(
                table, treatment: treatment, covariates: covariates,
                factors: factors, cutpoints: cutpoints.mapValues { .bins($0) })
        } else {
            var spec = specification
            spec.threads = context.threads
            sample = try NearestNeighborMatching.match(table, spec)
        }
        var effects: [EffectEstimate] = []
        if let outcome {
            let subclass = sample.subclass.contains { $0 != nil } ? sample.subclass : nil
            let variance = inference ?? (subclass == nil ? .hc1 : .cr1)
            let sets = variance == .cr1 ? subclass : nil
            effects.append(
                try WeightedEffect.estimate(
                    table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                    outcome: outcome, subclass: sets, estimand: .att, variance: variance, level: level))
            if !adjust.isEmpty {
                effects.append(
                    try WeightedEffect.estimate(
                        table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                        outcome: outcome, covariates: adjust, subclass: sets, estimand: .att,
                        variance: variance, level: level))
            }
        }
        let extra = mahalanobis.filter { !covariates.contains($0) }
        let variables = try AdjustmentReport.balanceVariables(
            table, rows: sample.rows, covariates: covariates + extra, factors: factors,
            distance: sample.propensityScores?.probabilities)
        let balance = Balance.tables(variables, treated: sample.treated, weights: [nil, sample.weights], estimand: .att)
        let (before, after) = (balance[0], balance[1])
        let result = AdjustmentResult(
            method: sample.method, estimand: .att,
            counts: SampleCounts(
                treated: sample.treatedCount, control: sample.controlCount, treatedUsed: sample.matchedTreatedCount,
                controlUsed: sample.matchedControlCount, droppedRows: sample.droppedRows),
            propensityModel: sample.propensityScores.map { PropensityModelSummary($0.model) }, convergence: nil,
            balanceBefore: before, balanceAfter: after, effects: effects)
        let units = ReportTable(
            fileName: "matched_sample.csv", headers: ["row", "treated", "weight", "subclass", "propensity_score"],
            rows: sample.rows.indices.map { i in
                [
                    .integer(sample.rows[i] + 1), .integer(sample.treated[i] ? 1 : 0), .number(sample.weights[i]),
                    .integer(sample.subclass[i]), .number(sample.propensityScores?.probabilities[i])
                ]
            })
        return AdjustmentReport.output(context.analysis.name, result: result, units: units)
    }
}
