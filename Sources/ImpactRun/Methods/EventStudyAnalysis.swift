import EstimationCore
import Regression
import StaggeredDiD

/// `method: event-study`: a two-way fixed-effects event study around each unit's adoption, with
/// unit and period effects absorbed and never-treated units as controls (see `EventStudy`).
///
/// | key | meaning | default |
/// |---|---|---|
/// | `unit`, `time`, `outcome` | panel columns | required |
/// | `adoption` | each unit's first treated period (0 or missing = never) | required |
/// | `reference_period` | the omitted relative period | `-1` |
/// | `window` | `[first, last]` relative periods; beyond them, binned into the ends | every relative period |
/// | `covariates` | time-varying numeric covariates | `[]` |
/// | `weights` | analytic weights column | none |
/// | `cluster` | cluster column(s) | the unit |
/// | `inference` | `cr1`, `cr0` or `hc1` | `cr1` |
/// | `level` | confidence level (pointwise intervals and the sup-t band) | `0.95` |
/// | `sensitivity` | robust sets under violations of parallel trends (HonestDiD; see `ParallelTrendsSensitivity.Settings`) | none |
public struct EventStudyAnalysis: AnalysisMethod {
    public static let names = ["event-study"]
    public static let summary = "two-way fixed-effects event study with a sup-t band"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let adoption = RequiredKey<String>("adoption", "each unit's first treated period (0 or missing = never treated)", column: .numeric)
        let reference = DefaultedKey<Int>("reference_period", "the omitted relative period", default: -1)
        let window = OptionalKey<[Int]>(
            "window", "[first, last] relative periods; those beyond are binned into the ends", default: "every relative period",
            rule: { $0.count == 2 && $0[0] < $0[1] ? nil : "give two relative periods, first < last, e.g. [-4, 3]" })
        let covariates = CommonKeys.covariates
        let weights = OptionalKey<String>("weights", "analytic weights column", column: .numeric)
        let cluster = OptionalKey<[String]>("cluster", "cluster column(s)", column: .any, default: "the unit")
        let inference = InferenceName.key("cr1, cr0 or hc1", default: .cr1, supported: [.cr1, .cr0, .hc1], method: "event-study")
        let level = CommonKeys.level
        let sensitivity = CommonKeys.sensitivity
        public init() {}
    }

    public var specification: EventStudy.Specification
    public var sensitivity: ParallelTrendsSensitivity.Settings?

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let (unit, time, outcome) = try s.panel(\.panel)
        let window = try s(\.window)
        var spec = EventStudy.Specification(outcome: outcome, unit: unit, time: time, adoption: try s(\.adoption))
        spec.reference = try s(\.reference)
        spec.window = window.map { $0[0]...$0[1] }
        spec.covariates = try s(\.covariates)
        spec.weights = try s(\.weights)
        spec.clusters = try s(\.cluster)
        spec.estimator = try s(\.inference).varianceEstimator ?? .cr1
        spec.level = try s(\.level)
        specification = spec
        sensitivity = try s(\.sensitivity)
        if sensitivity != nil && spec.reference != -1 {
            throw s.issue(\.sensitivity, "sensitivity needs reference_period: -1 (the period before adoption), as HonestDiD's restrictions assume")
        }
        if let w = specification.window, !w.contains(specification.reference) {
            throw s.issue(\.window, "the window \(w.lowerBound)…\(w.upperBound) must contain the reference period \(specification.reference)")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        DataChecks.staggeredPanel(data, unit: specification.unit, time: specification.time, adoption: specification.adoption)
    }

    public func run(_ context: RunContext) throws -> MethodOutput<EventStudyResult> {
        var spec = specification
        spec.seed = context.seed
        let result = try TwoWayEventStudy.estimate(spec, sensitivity: sensitivity, threads: context.threads, table: context.data.table)
        return EventStudyPresenter.output(result, name: context.analysis.name)
    }
}

/// The `results.json` entry of an event study.
public typealias EventStudyResult = TwoWayEventStudy.Result
