import EstimationCore
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// `method: multisynth`: partially pooled synthetic control for staggered adoption (Ben-Michael,
/// Feller & Rothstein 2022; augsynth's `multisynth`), with augsynth's jackknife or wild bootstrap.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `unit`, `time`, `outcome` | panel columns (balanced outcome) | required |
/// | `adoption` | each unit's first treated period (0 or missing = never treated) | required |
/// | `nu` | pooling: 0 separate synthetic controls, 1 only the pooled average | augsynth's heuristic |
/// | `lambda` | ridge penalty on the weights | `0` |
/// | `lags` | pre-treatment periods balanced | all before the last adoption |
/// | `leads` | post-treatment periods estimated | the periods from the last adoption on |
/// | `fixed_effects` | demean each unit by its pre-treatment mean (intercept shift) | `true` |
/// | `covariates` | auxiliary covariates balanced (averaged before the first adoption) | `[]` |
/// | `inference` | `jackknife`, `bootstrap` (augsynth's wild bootstrap) or `none` | `jackknife` |
/// | `replications` | bootstrap draws | `1000` |
/// | `level` | confidence level | `0.95` |
///
/// Writes `units.csv`, `weights.csv`, `event_time.csv`, `cohorts.csv`, `imbalance.csv`, `event_time.svg`.
public struct MultisynthAnalysis: AnalysisMethod {
    public static let names = ["multisynth"]
    public static let summary = "partially pooled synthetic control for staggered adoption (augsynth's multisynth)"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let adoption = RequiredKey<String>("adoption", "each unit's first treated period (0 or missing = never treated)", column: .numeric)
        let nu = OptionalKey<Double>(
            "nu", "pooling in [0, 1]: 0 separate synthetic controls, 1 only the pooled average", default: "augsynth's heuristic",
            rule: { (0...1).contains($0) ? nil : "must lie between 0 and 1" })
        let lambda = DefaultedKey<Double>(
            "lambda", "ridge penalty on the weights", default: 0, rule: { $0 >= 0 && $0.isFinite ? nil : "must be 0 or more" })
        let lags = OptionalKey<Int>(
            "lags", "pre-treatment periods balanced", default: "all before the last adoption", rule: { $0 >= 1 ? nil : "must be at least 1" })
        let leads = OptionalKey<Int>(
            "leads", "post-treatment periods estimated", default: "the periods from the last adoption on",
            rule: { $0 >= 1 ? nil : "must be at least 1" })
        let fixedEffects = DefaultedKey<Bool>("fixed_effects", "demean each unit by its pre-treatment mean (intercept shift)", default: true)
        let covariates = DefaultedKey<[String]>(
            "covariates", "auxiliary covariates balanced (averaged over the periods before the first adoption)", column: .numeric, default: [])
        let inference = InferenceName.key(
            "jackknife (refit without each unit), bootstrap (augsynth's wild bootstrap) or none", default: .jackknife,
            supported: [.jackknife, .bootstrap, .none], method: "multisynth")
        let replications = DefaultedKey<Int>(
            "replications", "bootstrap draws", default: 1000, rule: { $0 >= 99 ? nil : "use at least 99 bootstrap draws" })
        let level = CommonKeys.level
        public init() {}
    }

    public var unit: String, time: String, outcome: String, adoption: String
    public var nu: Double?
    public var lambda: Double
    public var lags: Int?
    public var leads: Int?
    public var fixedEffects: Bool
    public var covariates: [String]
    public var inference: InferenceName
    public var replications: Int
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        (unit, time, outcome) = try s.panel(\.panel)
        adoption = try s(\.adoption)
        nu = try s(\.nu)
        lambda = try s(\.lambda)
        lags = try s(\.lags)
        leads = try s(\.leads)
        fixedEffects = try s(\.fixedEffects)
        covariates = try s(\.covariates)
        inference = try s(\.inference)
        replications = try s(\.replications)
        level = try s(\.level)
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        // The bootstrap keeps, per draw, one estimate per unit and event time (at most units × periods).
        if inference == .bootstrap, let units = data.table[unit]?.groups(rows: Array(0..<data.table.rowCount)).labels.count,
            let times = try? data.table.numeric(time)
        {
            let cells = Double(units + Set(times.filter { !$0.isNaN }).count + 8)
            let memory = DataChecks.drawMemory(key: "replications", count: replications, bytesPerDraw: 8 * cells, what: "bootstrap draws")
            if !memory.isEmpty { return memory }
        }
        let issues = DataChecks.staggeredPanel(data, unit: unit, time: time, adoption: adoption)
        guard issues.isEmpty else { return issues }
        return PanelDesignCheck.completeOutcome(
            data, unit: unit, time: time, outcome: outcome,
            remedy: "multisynth needs a balanced panel: drop those units from the data or fill the gaps"
        ) { _ in true }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<MultisynthResult> {
        let method: PartiallyPooledSyntheticControl.InferenceMethod =
            switch inference {
            case .jackknife: .jackknife
            case .bootstrap: .bootstrap(draws: replications)
            default: .none
            }
        let spec = PartiallyPooledSyntheticControl(
            outcome: outcome, adoption: [:], nu: nu, lambda: lambda, lags: lags, leads: leads, fixedEffects: fixedEffects,
            covariates: covariates, inference: method, level: level, seed: context.seed, threads: context.threads)
        let r = try spec.estimate(context.data.table, unit: unit, time: time, adoptionColumn: adoption)
        return MultisynthReport(analysis: context.analysis.name, outcome: outcome, result: r, level: level).output()
    }
}

/// `results.json` entry of a `multisynth` analysis: the library's result as it is.
public typealias MultisynthResult = PartiallyPooledSyntheticControl.Result
