import EstimationCore
import Regression
import StaggeredDiD
import Tabular

extension CallawaySantAnna.ControlGroup: SettingChoice {}
extension CallawaySantAnna.BasePeriod: SettingChoice {}
extension CallawaySantAnna.Aggregation: SettingChoice {}
extension CallawaySantAnna.Sampling: SettingChoice {}
extension DifferenceInDifferences.Estimator: SettingChoice {}

/// `method: did`: staggered difference-in-differences. Callaway & Sant'Anna (2021) group-time
/// effects (`estimator: dr | ipw | reg`, as R's did) with their aggregations and pre-test, or the
/// imputation estimator (`estimator: imputation`, Borusyak, Jaravel & Spiess 2024); the library's
/// `DifferenceInDifferences.estimate` computes everything, `StaggeredDiDPresenter` reports it.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `unit`, `time`, `outcome` | unit, period and outcome columns (`unit` not needed for cross-sections) | required |
/// | `sampling` | `panel` (balanced), `unbalanced-panel` or `repeated-cross-sections` | `panel` |
/// | `adoption` | each unit's first treated period (0 or missing = never treated) | required |
/// | `control_group` | `never` or `not-yet` treated comparison units | `never` |
/// | `estimator` | `dr`, `ipw`, `reg` or `imputation` | `dr` |
/// | `covariates` | covariates (base-period values) | `[]` |
/// | `anticipation` | periods of anticipation | `0` |
/// | `base_period` | `varying` or `universal` | `varying` |
/// | `weights` | sampling weights (constant within unit) | none |
/// | `cluster` | a column coarser than the unit (constant within unit) | the unit |
/// | `aggregations` | any of `simple`, `group`, `dynamic`, `calendar` | all four |
/// | `min_e`, `max_e`, `balance_e` | the dynamic aggregation's window and balancing | none |
/// | `replications` | multiplier-bootstrap draws for the uniform band (0: none) | `1000` |
/// | `bootstrap_weights` | `mammen` (moderndid, DRDID) or `rademacher` (R did) | `mammen` |
/// | `level` | confidence level | `0.95` |
/// | `sensitivity` | robust sets under violations of parallel trends (HonestDiD; needs `base_period: universal`) | none |
public struct StaggeredDiDAnalysis: AnalysisMethod {
    public static let names = ["did"]
    public static let summary = "staggered DiD: Callaway–Sant'Anna, imputation"

    public struct Keys: KeySet {
        let unit = OptionalKey<String>("unit", "unit identifier column", column: .any, default: "required unless sampling: repeated-cross-sections")
        let time = RequiredKey<String>("time", "time period column (numeric)", column: .numeric)
        let outcome = CommonKeys.outcome
        let sampling = DefaultedKey<CallawaySantAnna.Sampling>(
            "sampling", "panel (balanced), unbalanced-panel, or repeated-cross-sections", default: .panel)
        let adoption = RequiredKey<String>("adoption", "each unit's first treated period (0 or missing = never treated)", column: .numeric)
        let controlGroup = DefaultedKey<CallawaySantAnna.ControlGroup>("control_group", "never or not-yet treated comparison units", default: .never)
        let estimator = DefaultedKey<DifferenceInDifferences.Estimator>("estimator", "dr, ipw, reg or imputation", default: .dr)
        let covariates = CommonKeys.covariates
        let anticipation = DefaultedKey<Int>("anticipation", "periods of anticipation", default: 0, rule: { $0 >= 0 ? nil : "must be 0 or more" })
        let basePeriod = DefaultedKey<CallawaySantAnna.BasePeriod>("base_period", "varying or universal", default: .varying)
        let weights = OptionalKey<String>("weights", "sampling weights (constant within unit)", column: .numeric)
        let cluster = OptionalKey<String>("cluster", "cluster column coarser than the unit", column: .any)
        let aggregations = DefaultedKey<[CallawaySantAnna.Aggregation]>(
            "aggregations", "simple, group, dynamic, calendar", default: CallawaySantAnna.Aggregation.allCases)
        let minE = OptionalKey<Int>("min_e", "dynamic aggregation: first event time")
        let maxE = OptionalKey<Int>("max_e", "dynamic aggregation: last event time")
        let balanceE = OptionalKey<Int>("balance_e", "dynamic aggregation: groups observed at least this many periods after treatment")
        let replications = DefaultedKey<Int>(
            "replications", "multiplier-bootstrap draws for the uniform band (0: none)", default: 1000,
            rule: { $0 == 0 || $0 >= 99 ? nil : "use 0 (no bootstrap) or at least 99 draws" })
        let bootstrapWeights = DefaultedKey<WildClusterBootstrap.Weights>(
            "bootstrap_weights", "mammen (moderndid, DRDID) or rademacher (R did)", default: .mammen,
            rule: { $0 == .webb ? "use rademacher or mammen" : nil })
        let level = CommonKeys.level
        let sensitivity = CommonKeys.sensitivity
        public init() {}
    }

    public var specification: DifferenceInDifferences.Specification

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let sampling = try s(\.sampling)
        let unit = try s(\.unit)
        if unit == nil && sampling != .repeatedCrossSections {
            throw s.issue("missing required key 'unit' (unit identifier column; only sampling: repeated-cross-sections does without it)")
        }
        var design = CallawaySantAnna.Specification(outcome: try s(\.outcome), unit: unit ?? "", time: try s(\.time), adoption: try s(\.adoption))
        design.sampling = sampling
        design.controlGroup = try s(\.controlGroup)
        design.covariates = try s(\.covariates)
        if design.covariates.contains(design.outcome) {
            throw s.issue(\.covariates, "'\(design.outcome)' is the outcome; it cannot also be a covariate")
        }
        design.anticipation = try s(\.anticipation)
        design.basePeriod = try s(\.basePeriod)
        design.weights = try s(\.weights)
        design.cluster = try s(\.cluster)
        design.level = try s(\.level)
        var spec = DifferenceInDifferences.Specification(design: design)
        spec.estimator = try s(\.estimator)
        spec.aggregations = try s(\.aggregations)
        spec.window.minimum = try s(\.minE)
        spec.window.maximum = try s(\.maxE)
        spec.window.balance = try s(\.balanceE)
        spec.replications = try s(\.replications)
        spec.bootstrapWeights = try s(\.bootstrapWeights)
        spec.sensitivity = try s(\.sensitivity)
        if spec.estimator == .imputation && s.has(\.controlGroup) {
            throw s.issue(\.controlGroup, "the imputation estimator uses every untreated observation (never and not-yet treated); remove control_group")
        }
        do { try DifferenceInDifferences.checkSettings(spec) } catch { throw Self.issue(error, s) }
        specification = spec
    }

    /// A library error about a setting, located at its key.
    static func issue(_ error: DiDError, _ s: SettingsReader<Keys>) -> DecodingIssue {
        guard case .setting(let field, let message) = error else { return s.issue(error.description) }
        switch field {
        case .sensitivity: return s.issue(\.sensitivity, message)
        case .sampling: return s.issue(\.sampling, message)
        case .controlGroup: return s.issue(\.controlGroup, message)
        case .replications: return s.issue(\.replications, message)
        case .bootstrapWeights: return s.issue(\.bootstrapWeights, message)
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        bootstrapMemory(data) + neverTreated(data) + designIssues(data)
    }

    /// Never-treated comparisons need units whose adoption is 0 or missing.
    func neverTreated(_ data: LoadedData) -> [SettingIssue] {
        let design = specification.design
        guard specification.estimator != .imputation, design.controlGroup == .never, let adoption = try? data.table.numeric(design.adoption),
            !adoption.isEmpty, !adoption.contains(where: { $0.isNaN || $0 == 0 })
        else { return [] }
        return [
            SettingIssue(
                key: "control_group",
                message:
                    "no unit is never treated ('\(design.adoption)' is never 0 or missing), so there is no never-treated comparison group; use control_group: not-yet"
            )
        ]
    }

    /// The multiplier bootstrap keeps one value per ATT(g,t) cell per draw (at most cohorts × periods cells).
    func bootstrapMemory(_ data: LoadedData) -> [SettingIssue] {
        let design = specification.design
        guard specification.replications > 0, let times = try? data.table.numeric(design.time),
            let adoption = try? data.table.numeric(design.adoption)
        else { return [] }
        let cells = Set(adoption.filter { $0 > 0 }).count * Set(times.filter { !$0.isNaN }).count
        return DataChecks.drawMemory(
            key: "replications", count: specification.replications, bytesPerDraw: 8 * Double(cells + 8), what: "bootstrap draws")
    }

    func designIssues(_ data: LoadedData) -> [SettingIssue] {
        let spec = specification.design
        switch spec.sampling {
        case .repeatedCrossSections:
            return []
        case .unbalancedPanel:
            return DataChecks.staggeredPanel(data, unit: spec.unit, time: spec.time, adoption: spec.adoption)
        case .panel:
            let issues = DataChecks.staggeredPanel(data, unit: spec.unit, time: spec.time, adoption: spec.adoption)
            guard issues.isEmpty, let panel = try? Panel(data.table, unit: spec.unit, time: spec.time) else { return issues }
            do { _ = try panel.wideComplete(spec.outcome) } catch {
                return [
                    SettingIssue(
                        key: "sampling",
                        message: "\(error); the default sampling: panel needs every unit in every period with the outcome (use sampling: unbalanced-panel)")
                ]
            }
            return []
        }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<DifferenceInDifferences.Result> {
        var spec = specification
        spec.seed = context.seed
        spec.threads = context.threads
        let result = try DifferenceInDifferences.estimate(spec, table: context.data.table)
        return StaggeredDiDPresenter.output(result, spec, name: context.analysis.name)
    }
}
