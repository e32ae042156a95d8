import EstimationCore
import SyntheticControlMethods
import Tabular

/// `method: augsynth`: ridge-augmented synthetic control on the pre-period outcomes
/// (Ben-Michael, Feller & Rothstein 2021).
public struct AugmentedSyntheticControlAnalysis: AnalysisMethod {
    public static let names = ["augsynth"]
    public static let summary = "ridge-augmented synthetic control (augsynth)"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let treated = RequiredKey<String>("treated", "the treated unit")
        let treatmentTime = RequiredKey<Double>("adoption", "the treated unit's first treated period")
        let donors = OptionalKey<[String]>("donors", "the donor pool", default: "every other unit")
        let exclude = DefaultedKey<[String]>("exclude", "units left out of the donor pool", default: [])
        let lambda = OptionalKey<Double>(
            "lambda", "ridge penalty", default: "cross-validated",
            rule: { $0 >= 0 ? nil : "the ridge penalty must be 0 or more" })
        let inference = InferenceName.key(
            "placebo (in space), conformal (Chernozhukov, Wüthrich & Zhu; λ held fixed) or none", default: .placebo,
            supported: [.placebo, .conformal, .none], method: "augsynth")
        let conformal = ConformalKeys()
        let replications = OptionalKey<Int>("replications", "conformal: random permutations per null (iid)", default: "1000")
        let effectWindow = OptionalKey<PeriodSet>("effect_window", "periods averaged for the effect", default: "every post period")
        let level = CommonKeys.level
        public init() {}
    }

    public var unit: String, time: String, outcome: String, treated: String, treatmentTime: Double
    public var donors: [String]?, exclude: [String], lambda: Double?, placebo: Bool, effectWindow: [Double]?, level: Double
    /// With `inference: conformal`: the conformal procedure's settings.
    public var conformal: ConformalInference?

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        (unit, time, outcome) = try s.panel(\.panel)
        treated = try s(\.treated)
        treatmentTime = try s(\.treatmentTime)
        donors = try s(\.donors)
        exclude = try s(\.exclude)
        lambda = try s(\.lambda)
        let inference = try s(\.inference)
        placebo = inference == .placebo
        effectWindow = try s(\.effectWindow)?.values
        level = try s(\.level)
        conformal = try s.conformal(\.conformal, when: inference == .conformal, level: level, replications: \.replications)
        if conformal == nil && s.has(\.replications) { throw s.issue(\.replications, "'replications' applies to 'inference: conformal' here") }
        if let donors, donors.contains(treated) { throw s.issue(\.donors, "the treated unit '\(treated)' is listed as a donor") }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let named =
            [("treated", treated)] + (donors ?? []).enumerated().map { ("donors[\($0.offset)]", $0.element) }
            + exclude.enumerated().map { ("exclude[\($0.offset)]", $0.element) }
        let issues = PanelDesignCheck.issues(data, unit: unit, time: time, named: named, treatmentTime: treatmentTime)
        guard issues.isEmpty else { return issues }
        let donorSet = donors.map(Set.init), excluded = Set(exclude)
        return PanelDesignCheck.completeOutcome(data, unit: unit, time: time, outcome: outcome) { u in
            u == treated || (donorSet?.contains(u) ?? !excluded.contains(u))
        }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<SyntheticControlResult> {
        var spec = SyntheticControlStudy.Specification(unit: unit, time: time, outcome: outcome, treated: treated, treatmentTime: treatmentTime)
        (spec.donors, spec.exclude, spec.effectWindow, spec.level) = (donors, exclude, effectWindow, level)
        spec.method = .augmented(lambda: lambda)
        spec.inference = conformal.map { .conformal($0) } ?? (placebo ? .placebo(excludeAbove: nil) : .none)
        (spec.seed, spec.threads) = (context.seed, context.threads)
        return SyntheticControlPresenter.output(context.analysis.name, result: try SyntheticControlStudy.estimate(spec, table: context.data.table))
    }
}
