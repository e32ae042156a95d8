import EstimationCore
import SyntheticControlMethods
import Tabular

/// `method: sdid`: synthetic difference-in-differences (Arkhangelsky et al. 2021) and its SC and DiD
/// variants, for a block of treated units sharing one treatment time, as R's `synthdid` (the library's
/// `SyntheticDiDStudy.estimate`; `SyntheticDiDPresenter` reports it).
public struct SyntheticDiDAnalysis: AnalysisMethod {
    public static let names = ["sdid"]
    public static let summary = "synthetic difference-in-differences (synthdid)"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let treated = RequiredKey<[String]>("treated", "the treated unit or units", rule: { $0.isEmpty ? "list at least one treated unit" : nil })
        let treatmentTime = RequiredKey<Double>("adoption", "the treated units' first treated period")
        let estimator = DefaultedKey<SyntheticDiD.Estimator>("estimator", "sdid, sc or did", default: .syntheticDiD)
        let inference = InferenceName.key(
            "placebo, jackknife, conformal (Chernozhukov, Wüthrich & Zhu; for the treated average) or none",
            defaultText: "placebo with one treated unit, jackknife with several", supported: [.placebo, .jackknife, .conformal, .none], method: "sdid")
        let conformal = ConformalKeys()
        let replications = OptionalKey<Int>(
            "replications", "random draws: placebo draws; conformal permutations per null (iid)", default: "200 (placebo), 1000 (conformal)",
            rule: { $0 >= 2 ? nil : "at least 2 replications are needed" })
        let level = CommonKeys.level
        public init() {}
    }

    public var specification: SyntheticDiDStudy.Specification

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let (unit, time, outcome) = try s.panel(\.panel)
        var spec = SyntheticDiDStudy.Specification(unit: unit, time: time, outcome: outcome, treated: try s(\.treated), treatmentTime: try s(\.treatmentTime))
        spec.estimator = try s(\.estimator)
        spec.level = try s(\.level)
        let inference = try s(\.inference) ?? (spec.treated.count > 1 ? .jackknife : .placebo)
        let conformal = try s.conformal(\.conformal, when: inference == .conformal, level: spec.level, replications: \.replications)
        switch inference {
        case .conformal: spec.inference = conformal.map { .conformal($0) } ?? .none
        case .jackknife: spec.inference = .jackknife
        case .placebo: spec.inference = .placebo(replications: try s(\.replications) ?? 200)
        default: spec.inference = .none
        }
        do { try SyntheticDiDStudy.checkSettings(spec) } catch { throw s.issue(\.inference, error.description) }
        specification = spec
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let spec = specification
        let issues = PanelDesignCheck.issues(
            data, unit: spec.unit, time: spec.time, named: spec.treated.enumerated().map { ("treated[\($0.offset)]", $0.element) },
            treatmentTime: spec.treatmentTime)
        guard issues.isEmpty else { return issues }
        return PanelDesignCheck.completeOutcome(
            data, unit: spec.unit, time: spec.time, outcome: spec.outcome,
            remedy: "synthetic DiD needs a balanced panel: drop those units from the data or fill the gaps"
        ) { _ in true }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<SyntheticDiDStudy.Result> {
        var spec = specification
        (spec.seed, spec.threads) = (context.seed, context.threads)
        return SyntheticDiDPresenter.output(try SyntheticDiDStudy.estimate(spec, table: context.data.table), name: context.analysis.name)
    }
}
