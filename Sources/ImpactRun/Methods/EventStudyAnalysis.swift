import EstimationCore
import Plotting
import Regression
import Reporting
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
        let study = try EventStudy(spec, table: context.data.table)
        let table = try study.fit.coefficientTable(spec.estimator, level: spec.level)
        let result = EventStudyResult(
            outcome: spec.outcome, observations: study.fit.observations, treatedUnits: study.treatedUnits,
            neverTreatedUnits: study.neverTreatedUnits, reference: spec.reference, clusters: table.clusterCount,
            pointwiseCritical: study.pointwiseCritical, supTCritical: study.supTCritical, eventTime: study.coefficients, sensitivity: nil)
        let percent = ConfidenceLevel.percent(spec.level)
        var intro: ReportText = "Event study of \(code: spec.outcome): \(study.treatedUnits) adopting and \(study.neverTreatedUnits) never-treated units, "
        intro += "unit and period effects absorbed, \(study.fit.observations) observations. Coefficients are differences from relative period \(spec.reference)"
        intro += "; \(table.rows.first?.inference.summary ?? ""). The simultaneous \(percent) band uses the sup-t critical value \(number: study.supTCritical) "
        intro += "(pointwise \(number: study.pointwiseCritical)): the whole path lies inside it with probability \(percent)."
        let rows: [[ReportTable.Cell]] = study.coefficients.map { c in
            let e = c.effect
            return [
                .integer(c.eventTime), .number(e.estimate), .number(e.standardError), .pValue(e.pValue), .interval(e.lower, e.upper),
                .interval(c.bandLower, c.bandUpper)
            ]
        }
        let reportTable = ReportTable(
            fileName: "event_study.csv", caption: "Effects by period relative to adoption",
            columns: [.init("relative period"), .init("estimate"), .init("std. error"), .init("p"), .init("\(percent) CI", .left), .init("sup-t band", .left)],
            rows: rows)
        var chart = LineChart(
            title: "\(context.analysis.name): effect by period relative to adoption", xLabel: "period relative to adoption", yLabel: "effect on \(spec.outcome)"
        )
        let x = study.coefficients.map { Double($0.eventTime) }
        chart.series = [
            .init(name: "estimate", x: x, y: study.coefficients.map(\.effect.estimate), color: Palette.color(0), markers: true),
            .init(name: "sup-t band", x: x, y: study.coefficients.map { $0.bandLower ?? 0 }, color: Palette.color(1), dashed: true),
            .init(name: nil, x: x, y: study.coefficients.map { $0.bandUpper ?? 0 }, color: Palette.color(1), dashed: true)
        ]
        chart.errorBars = study.coefficients.compactMap { c in c.effect.lower.map { (Double(c.eventTime), $0, c.effect.upper ?? $0) } }
        chart.horizontalLines = [(0, "")]
        chart.verticalLines = [(Double(spec.reference) + 0.5, "adoption")]
        var warnings: [String] = []
        if let g = table.clusterCount, g < 42 {
            warnings.append("Only \(g) clusters: CR1 tests can reject a true null far more often than their level with fewer than about 42 clusters.")
        }
        if study.neverTreatedUnits == 0 {
            warnings.append(
                "No never-treated units: the comparisons rest on not-yet-treated units alone, and two-way fixed effects can be biased when effects change over time."
            )
        }
        var blocks: [ReportBlock] = [
            .paragraph(intro), .table(reportTable),
            .figure(ReportFigure(fileName: "event_study.svg", caption: "Effects with pointwise intervals and the sup-t band", svg: chart.render()))
        ]
        var output = result
        if let sensitivity {
            let post = study.coefficients.filter { $0.eventTime >= 0 }.count
            let analysis = try ParallelTrendsSensitivity(study, target: try sensitivity.weights(postperiods: post)).analyse(
                sensitivity, threads: context.threads)
            blocks += SensitivityPresenter.blocks(analysis, name: context.analysis.name)
            warnings += analysis.warnings.map(\.message)
            output.sensitivity = analysis
        }
        return MethodOutput(result: output, blocks: blocks, warnings: warnings)
    }
}

/// The `results.json` entry of an event study.
public struct EventStudyResult: Encodable, Sendable {
    public let outcome: String
    public let observations: Int
    public let treatedUnits: Int
    public let neverTreatedUnits: Int
    public let reference: Int
    public let clusters: Int?
    public let pointwiseCritical: Double
    public let supTCritical: Double
    public let eventTime: [EventStudy.Coefficient]
    /// Robust sets under violations of parallel trends, when `sensitivity` is set.
    public var sensitivity: ParallelTrendsSensitivity.Analysis?
}
