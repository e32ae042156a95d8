import DoseResponse
import EstimationCore
import StaggeredDiD
import Tabular

extension GeneralizedPropensityScore.Transform: SettingChoice {}
extension DoseResponseAnalysis.Estimator: SettingChoice {}

/// `method: dose`: how the outcome depends on a continuous dose (a share of team time on whole-school
/// work, a count of activities, staff trained); the library's `DoseResponseAnalysis.estimate`,
/// reported by `DosePresenter`.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `dose` | the dose column | required |
/// | `dose_denominator` | a column to divide the dose by (a share: whole-school hours / total hours) | none |
/// | `outcome` | the outcome column | required |
/// | `estimator` | `gps` (Hirano–Imbens), `weighting` (inverse-density weights), `entropy` (entropy balancing), `dr` (Kennedy et al.), `did` (Callaway, Goodman-Bacon & Sant'Anna) | required |
/// | `covariates`, `factors` | confounders (for `did`: numeric covariates at the base period, by regression adjustment) | `[]` |
/// | `grid` | doses at which the curve is reported | 20 doses from the 5th to the 95th percentile (`did`: contdid's 10th–99th percentiles) |
/// | `replications` | bootstrap draws (`did`: multiplier-bootstrap draws for the uniform band) | `200` (`did`: `1000`) |
/// | `level` | confidence level | `0.95` |
/// | `bands` | cut points: dose bands compared as categories (adjusted for the covariates, HC1) | none |
/// | `transform`, `degree`, `common_support` | `gps`: dose model on the identity or log dose; polynomial degree; common-support groups (0: none) | `identity`, `2`, `0` |
/// | `knots` | interior knots of the dose spline (`weighting`, `entropy`, `dr`, `did`) | `1` |
/// | `moments` | `entropy`: 1 (means and covariances) or 2 (also variances) | `1` |
/// | `bandwidth` | `dr`: the kernel bandwidth | leave-one-out cross-validation, undersmoothed |
/// | `unit`, `time`, `adoption`, `control_group` | `did`: the panel, each unit's first treated period, `never` or `not-yet` comparison units | `control_group: not-yet` |
public struct DoseAnalysis: AnalysisMethod {
    public static let names = ["dose"]
    public static let summary = "dose–response curves: GPS, weighting, doubly robust, DiD with a dose"

    public struct Keys: KeySet {
        let dose = RequiredKey<String>("dose", "the dose column", column: .numeric)
        let denominator = OptionalKey<String>("dose_denominator", "divide the dose by this column (a share)", column: .numeric)
        let outcome = CommonKeys.outcome
        let estimator = RequiredKey<DoseResponseAnalysis.Estimator>("estimator", "gps, weighting, entropy, dr or did")
        let covariates = CommonKeys.covariates
        let factors = CommonKeys.factors
        let grid = OptionalKey<[Double]>("grid", "doses at which the curve is reported", default: "20 doses from the 5th to the 95th percentile")
        let replications = OptionalKey<Int>(
            "replications", "bootstrap draws (did: multiplier-bootstrap draws for the uniform band)", default: "200 (did: 1000)",
            rule: { $0 == 0 || $0 >= 50 ? nil : "use 0 (no bootstrap) or at least 50 draws" })
        let level = CommonKeys.level
        let bands = OptionalKey<[Double]>("bands", "cut points of dose bands compared as categories")
        let transform = OptionalKey<GeneralizedPropensityScore.Transform>("transform", "gps: identity or log dose in the dose model", default: "identity")
        let degree = OptionalKey<Int>("degree", "gps: polynomial degree in dose and score (1-3); did: spline degree", default: "2 (did: 3)")
        let commonSupport = OptionalKey<Int>("common_support", "gps: dose groups for common-support trimming (0: none)", default: "0")
        let knots = OptionalKey<Int>("knots", "interior knots of the dose spline", default: "1", rule: { $0 >= 0 && $0 <= 10 ? nil : "use 0 to 10 knots" })
        let moments = OptionalKey<Int>("moments", "entropy: 1 (means, covariances) or 2 (also variances)", default: "1")
        let bandwidth = OptionalKey<Double>("bandwidth", "dr: kernel bandwidth", default: "cross-validated")
        let unit = OptionalKey<String>("unit", "did: unit identifier column", column: .any)
        let time = OptionalKey<String>("time", "did: period column", column: .numeric)
        let adoption = OptionalKey<String>("adoption", "did: each unit's first treated period (0 or missing = never)", column: .numeric)
        let controlGroup = OptionalKey<CallawaySantAnna.ControlGroup>("control_group", "did: never or not-yet treated comparison units", default: "not-yet")
        public init() {}
    }

    public var specification: DoseResponseAnalysis.Specification

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        var spec = DoseResponseAnalysis.Specification(dose: try s(\.dose), outcome: try s(\.outcome), estimator: try s(\.estimator))
        spec.denominator = try s(\.denominator)
        spec.covariates = try s(\.covariates)
        spec.factors = try s(\.factors)
        spec.grid = try s(\.grid)
        spec.replications = try s(\.replications)
        spec.level = try s(\.level)
        spec.bands = try s(\.bands)
        spec.transform = try s(\.transform) ?? .identity
        spec.degree = try s(\.degree)
        spec.commonSupport = try s(\.commonSupport) ?? 0
        spec.knots = try s(\.knots) ?? 1
        spec.moments = try s(\.moments) ?? 1
        spec.bandwidth = try s(\.bandwidth)
        try Self.onlyForOwners(spec.estimator, s)
        if spec.estimator == .did, let unit = try s(\.unit), let time = try s(\.time), let adoption = try s(\.adoption) {
            spec.panel = .init(unit: unit, time: time, adoption: adoption)
            spec.panel?.controlGroup = try s(\.controlGroup) ?? .notYet
        }
        do { try DoseResponseAnalysis.checkSettings(spec) } catch { throw Self.issue(error, s) }
        specification = spec
    }

    /// Keys that belong to other estimators are errors, not silently ignored.
    static func onlyForOwners(_ estimator: DoseResponseAnalysis.Estimator, _ s: SettingsReader<Keys>) throws {
        let owners: [(String, Bool, [DoseResponseAnalysis.Estimator])] = [
            ("transform", s.has(\.transform), [.gps]), ("common_support", s.has(\.commonSupport), [.gps]),
            ("degree", s.has(\.degree), [.gps, .did]), ("knots", s.has(\.knots), [.weighting, .entropy, .dr, .did]),
            ("moments", s.has(\.moments), [.entropy]), ("bandwidth", s.has(\.bandwidth), [.dr]),
            ("unit", s.has(\.unit), [.did]), ("time", s.has(\.time), [.did]), ("adoption", s.has(\.adoption), [.did]),
            ("control_group", s.has(\.controlGroup), [.did])
        ]
        for (key, given, allowed) in owners where given && !allowed.contains(estimator) {
            throw s.issue("'\(key)' applies only to estimator \(allowed.map(\.rawValue).joined(separator: " or ")), not \(estimator.rawValue)")
        }
    }

    /// A library settings error, located at its key.
    static func issue(_ error: DoseResponseAnalysis.SettingError, _ s: SettingsReader<Keys>) -> DecodingIssue {
        let keys: [DoseResponseAnalysis.Field: String] = [
            .covariates: "covariates", .factors: "factors", .denominator: "dose_denominator", .bands: "bands", .grid: "grid", .degree: "degree",
            .commonSupport: "common_support", .moments: "moments", .bandwidth: "bandwidth", .replications: "replications"
        ]
        guard let field = error.field, let key = keys[field] else { return s.issue(error.description) }
        return s.issue(named: key, error.description)
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let spec = specification
        // Each bootstrap draw keeps the curve and its slope at every grid dose (and the band's maxima).
        let points = Double(spec.grid?.count ?? 100)
        let memory = DataChecks.drawMemory(
            key: "replications", count: spec.effectiveReplications, bytesPerDraw: 8 * (2 * points + 16), what: "bootstrap draws")
        guard memory.isEmpty else { return memory }
        if let denominator = spec.denominator, let d = try? data.table.numeric(denominator), let r = d.firstIndex(where: { $0 <= 0 }) {
            return [
                SettingIssue(
                    key: "dose_denominator", message: "'\(denominator)' is \(formatNumber(d[r])) in row \(r + 1): a dose share needs a positive denominator")
            ]
        }
        guard let values = try? data.table.numeric(spec.dose) else { return [] }
        let finite = values.filter { $0.isFinite }
        if let first = finite.first, !finite.contains(where: { $0 != first }) {
            return [SettingIssue(key: "dose", message: "'\(spec.dose)' takes the single value \(formatNumber(first)); a dose–response curve needs variation")]
        }
        if spec.transform == .log, let bad = values.firstIndex(where: { $0 <= 0 }) {
            return [SettingIssue(key: "transform", message: "log needs a positive dose; row \(bad + 1) has \(formatNumber(values[bad]))")]
        }
        return []
    }

    public func run(_ context: RunContext) throws -> MethodOutput<DoseResponseAnalysis.Result> {
        var spec = specification
        spec.seed = context.seed
        spec.threads = context.threads
        let result = try DoseResponseAnalysis.estimate(spec, table: context.data.table)
        return DosePresenter.output(result, spec, name: context.analysis.name)
    }
}
