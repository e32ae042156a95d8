import DoseResponse
import EstimationCore
import Reporting
import StaggeredDiD
import Tabular

extension GeneralizedPropensityScore.Transform: SettingChoice {}

/// `method: dose`: how the outcome depends on a continuous dose (a share of team time on whole-school
/// work, a count of activities, staff trained).
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

    public enum Estimator: String, SettingChoice { case gps, weighting, entropy, dr, did }

    public struct Keys: KeySet {
        let dose = RequiredKey<String>("dose", "the dose column", column: .numeric)
        let denominator = OptionalKey<String>("dose_denominator", "divide the dose by this column (a share)", column: .numeric)
        let outcome = CommonKeys.outcome
        let estimator = RequiredKey<Estimator>("estimator", "gps, weighting, entropy, dr or did")
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

    public var dose: String
    public var denominator: String?
    public var outcome: String
    public var estimator: Estimator
    public var covariates: [String]
    public var factors: [String]
    public var grid: [Double]?
    public var replications: Int
    public var level: Double
    public var bands: [Double]?
    public var transform: GeneralizedPropensityScore.Transform
    public var degree: Int?
    public var commonSupport: Int
    public var knots: Int
    public var moments: Int
    public var bandwidth: Double?
    public var panel: (unit: String, time: String, adoption: String)?
    public var controlGroup: CallawaySantAnna.ControlGroup

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        dose = try s(\.dose)
        denominator = try s(\.denominator)
        outcome = try s(\.outcome)
        estimator = try s(\.estimator)
        covariates = try s(\.covariates)
        let (givenOutcome, givenDose) = (outcome, dose)
        if let both = covariates.first(where: { $0 == givenOutcome || $0 == givenDose }) {
            throw s.issue(\.covariates, "'\(both)' is the \(both == givenOutcome ? "outcome" : "dose"); it cannot also be a covariate")
        }
        factors = try s(\.factors)
        grid = try s(\.grid)
        replications = try s(\.replications) ?? (estimator == .did ? 1000 : 200)
        level = try s(\.level)
        bands = try s(\.bands)
        transform = try s(\.transform) ?? .identity
        degree = try s(\.degree)
        commonSupport = try s(\.commonSupport) ?? 0
        knots = try s(\.knots) ?? 1
        moments = try s(\.moments) ?? 1
        bandwidth = try s(\.bandwidth)
        controlGroup = try s(\.controlGroup) ?? .notYet
        // Keys that belong to other estimators are errors, not silently ignored.
        let owners: [(String, Bool, [Estimator])] = [
            ("transform", s.has(\.transform), [.gps]), ("common_support", s.has(\.commonSupport), [.gps]),
            ("degree", s.has(\.degree), [.gps, .did]), ("knots", s.has(\.knots), [.weighting, .entropy, .dr, .did]),
            ("moments", s.has(\.moments), [.entropy]), ("bandwidth", s.has(\.bandwidth), [.dr]),
            ("unit", s.has(\.unit), [.did]), ("time", s.has(\.time), [.did]), ("adoption", s.has(\.adoption), [.did]),
            ("control_group", s.has(\.controlGroup), [.did])
        ]
        for (key, given, allowed) in owners where given && !allowed.contains(estimator) {
            throw s.issue("'\(key)' applies only to estimator \(allowed.map(\.rawValue).joined(separator: " or ")), not \(estimator.rawValue)")
        }
        if estimator == .did {
            guard let unit = try s(\.unit), let time = try s(\.time), let adoption = try s(\.adoption) else {
                throw s.issue("estimator did needs 'unit', 'time' and 'adoption' (each unit's first treated period)")
            }
            panel = (unit, time, adoption)
            if !factors.isEmpty { throw s.issue(\.factors, "estimator did takes numeric covariates only") }
            if denominator != nil { throw s.issue(\.denominator, "estimator did reads the dose as given; compute the share first") }
            if bands != nil { throw s.issue(\.bands, "dose bands are compared for cross-sectional estimators, not did") }
        } else {
            panel = nil
        }
        if let d = degree, !(estimator == .gps ? (1...3).contains(d) : (1...5).contains(d)) {
            throw s.issue(\.degree, estimator == .gps ? "the GPS outcome model's degree must be 1, 2 or 3" : "the spline degree must be 1 to 5")
        }
        if commonSupport < 0 || commonSupport == 1 || commonSupport > 10 {
            throw s.issue(\.commonSupport, "use 0 (no trimming) or 2 to 10 dose groups")
        }
        if moments != 1 && moments != 2 { throw s.issue(\.moments, "must be 1 or 2") }
        if let b = bandwidth, !(b > 0) { throw s.issue(\.bandwidth, "must be positive") }
        if let g = grid, g.isEmpty || g.contains(where: { !$0.isFinite }) { throw s.issue(\.grid, "list at least one finite dose") }
        if let b = bands, b.count < 3 { throw s.issue(\.bands, "give at least three cut points (two bands)") }
        if [.weighting, .entropy, .dr, .gps].contains(estimator) && covariates.isEmpty && factors.isEmpty {
            throw s.issue("estimator \(estimator.rawValue) adjusts for confounders; list 'covariates' or 'factors'")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        // Each bootstrap draw keeps the curve and its slope at every grid dose (and the band's maxima).
        let points = Double(grid?.count ?? 100)
        let memory = DataChecks.drawMemory(key: "replications", count: replications, bytesPerDraw: 8 * (2 * points + 16), what: "bootstrap draws")
        guard memory.isEmpty else { return memory }
        if let denominator, let d = try? data.table.numeric(denominator), let r = d.firstIndex(where: { $0 <= 0 }) {
            return [
                SettingIssue(
                    key: "dose_denominator", message: "'\(denominator)' is \(formatNumber(d[r])) in row \(r + 1): a dose share needs a positive denominator")
            ]
        }
        guard let values = try? data.table.numeric(dose) else { return [] }
        let finite = values.filter { $0.isFinite }
        if let first = finite.first, !finite.contains(where: { $0 != first }) {
            return [SettingIssue(key: "dose", message: "'\(dose)' takes the single value \(formatNumber(first)); a dose–response curve needs variation")]
        }
        if transform == .log, let bad = values.firstIndex(where: { $0 <= 0 }) {
            return [SettingIssue(key: "transform", message: "log needs a positive dose; row \(bad + 1) has \(formatNumber(values[bad]))")]
        }
        return []
    }

    public func run(_ context: RunContext) throws -> MethodOutput<DoseAnalysisResult> {
        try DoseReport.run(self, context)
    }
}
