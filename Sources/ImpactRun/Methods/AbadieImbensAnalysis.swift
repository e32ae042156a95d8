import EstimationCore
import Matching
import Reporting

/// `method: abadie-imbens`: the nearest-neighbour matching estimator with its analytic variance
/// (Abadie & Imbens 2006, 2011), as R's `Matching::Match`.
public struct AbadieImbensAnalysis: AnalysisMethod {
    public static let names = ["abadie-imbens"]
    public static let summary = "Abadie–Imbens matching estimator, analytic variance"

    public struct Keys: KeySet {
        let outcome = CommonKeys.outcome
        let treatment = RequiredKey<String>("treatment", "0/1 treatment column", column: .numeric)
        let covariates = RequiredKey<[String]>(
            "covariates", "covariates matched on (scaled by their SDs)", column: .numeric,
            rule: { $0.isEmpty ? "list at least one covariate to match on" : nil })
        let estimand = DefaultedKey<Estimand>("estimand", "ate, att or atc", default: .ate)
        let matches = DefaultedKey<Int>(
            "matches", "M, matches per unit (ties kept)", default: 1,
            rule: { $0 >= 1 ? nil : "the number of matches must be at least 1" })
        let biasAdjustment = DefaultedKey<Bool>("bias_adjustment", "Abadie–Imbens (2011) regression bias adjustment", default: false)
        let varianceMatches = DefaultedKey<Int>(
            "variance_matches", "0: homoskedastic; J > 0: σ²(x) from J within-group matches", default: 0,
            rule: { $0 >= 0 ? nil : "must be 0 or more" })
        let sampleVariance = DefaultedKey<Bool>("sample_variance", "variance of the sample (not population) average effect", default: false)
        let level = CommonKeys.level
        public init() {}
    }

    public var specification: AbadieImbens.Specification
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        specification = AbadieImbens.Specification(
            outcome: try s(\.outcome), treatment: try s(\.treatment), covariates: try s(\.covariates),
            estimand: try s(\.estimand), matches: try s(\.matches), biasAdjustment: try s(\.biasAdjustment),
            varianceMatches: try s(\.varianceMatches), sampleVariance: try s(\.sampleVariance))
        level = try s(\.level)
    }

    public func run(_ context: RunContext) throws -> MethodOutput<AbadieImbensResult> {
        let e = try AbadieImbens.estimate(context.data.table, specification, level: level)
        let s = specification
        let intro: ReportText =
            "\(e.method) of \(code: s.outcome) on \(code: s.treatment), matching on "
            + ReportText.joined(s.covariates.map { "\(code: $0)" }) + "; \(e.observations) units."
        return MethodOutput(
            result: AbadieImbensResult(effect: e),
            blocks: [.paragraph(intro), .bullets([AdjustmentPresenter.effectText(e)])],
            attachments: [AdjustmentPresenter.effectsCSV([e])],
            keyEstimates: [KeyEstimate("\(e.estimand.rawValue.uppercased()), \(e.method)", e.effect)])
    }
}

/// The `results.json` entry of an `abadie-imbens` analysis.
public struct AbadieImbensResult: Encodable, Sendable {
    public let effect: EffectEstimate
}
