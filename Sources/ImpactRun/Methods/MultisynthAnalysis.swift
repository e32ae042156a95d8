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

/// The report of a `multisynth` analysis.
struct MultisynthReport {
    let analysis: String
    let outcome: String
    let result: PartiallyPooledSyntheticControl.Result
    let level: Double

    func output() -> MethodOutput<MultisynthResult> {
        let r = result
        let ci = "\(ConfidenceLevel.percent(level)) CI"
        func estimateCells(_ e: Estimate) -> [ReportTable.Cell] {
            [.number(e.estimate), .number(e.standardError), .interval(e.lower, e.upper), .pValue(e.pValue)]
        }
        var intro: ReportText = "Partially pooled synthetic control (multisynth) for \(r.units.count) treated units, "
        intro += "ν = \(number: r.nu)" + (r.nuChosen ? " (augsynth's heuristic)" : " (set)") + ", λ = \(number: r.lambda), "
        intro += "\(r.lags) lags balanced and \(r.leads) leads estimated. Average effect "
        intro += ReportText.estimate(r.average) + "."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        let improvementGlobal = 100 * (1 - r.scaledGlobal), improvementIndividual = 100 * (1 - r.scaledIndividual)
        blocks.append(
            .table(
                ReportTable(
                    columns: [.init("imbalance", .left), .init("this fit"), .init("separate fits (ν = 0)"), .init("uniform weights"), .init("improvement, %")],
                    rows: [
                        [
                            .text("global (pooled average)"), .number(r.imbalance.global), .number(r.separateImbalance.global),
                            .number(r.uniformImbalance.global), .number(improvementGlobal)
                        ],
                        [
                            .text("individual (units)"), .number(r.imbalance.individual), .number(r.separateImbalance.individual),
                            .number(r.uniformImbalance.individual), .number(improvementIndividual)
                        ]
                    ])))
        blocks.append(
            .note(
                "Imbalance as augsynth reports it: global = ‖mean of the units' pre-treatment gaps‖/√d, individual = √(mean of each unit's "
                    + "squared gaps per balanced period), on the demeaned outcomes; uniform weights are measured on the raw outcomes."))
        blocks.append(
            .table(
                ReportTable(
                    columns: [.init("periods since adoption"), .init("average effect"), .init("SE"), .init(ci, .left), .init("p")],
                    rows: r.eventTime.map { [.integer($0.eventTime)] + estimateCells($0.effect) })))
        blocks.append(
            .table(
                ReportTable(
                    columns: [.init("adoption cohort"), .init("average effect"), .init("SE"), .init(ci, .left), .init("p")],
                    rows: r.cohorts.map { [.period($0.adoption)] + estimateCells($0.effect) })))
        if !r.covariateImbalance.isEmpty {
            blocks.append(
                .table(
                    ReportTable(
                        headers: ["covariate", "treated − synthetic (mean over units)"],
                        rows: r.covariateImbalance.keys.sorted().map { [.text($0), .number(r.covariateImbalance[$0])] })))
        }
        switch r.inference {
        case .none: break
        case .jackknife:
            blocks.append(
                .note(
                    "Standard errors from the delete-one-unit jackknife (augsynth's jackknife_se_multi): every unit left out in turn and the "
                        + "weights refitted at the same ν; normal intervals and p-values. Negative event times are pre-adoption fits."))
        case .bootstrap(let draws):
            blocks.append(
                .note(
                    "Standard errors and intervals from augsynth's wild bootstrap (\(draws) draws, Mammen weights, weights held fixed); no p-values. "
                        + "Its spread grows with the size of the effect, so the intervals are conservative when effects are large."))
        }
        let e = r.eventTime.map { (Double($0.eventTime), $0.effect) }
        var chart = LineChart(title: "\(analysis): average effect by periods since adoption", xLabel: "periods since adoption", yLabel: "effect on \(outcome)")
        chart.series = [LineChart.Series(name: "average effect", x: e.map(\.0), y: e.map(\.1.estimate), color: Palette.color(0), markers: true)]
        chart.errorBars = e.compactMap { x, row in row.lower.flatMap { lo in row.upper.map { (x, lo, $0) } } }
        chart.horizontalLines = [(0, "")]
        chart.verticalLines = [(-0.5, "adoption")]
        blocks.append(.figure(ReportFigure(fileName: "event_time.svg", caption: "Average effect by event time with \(ci)s", svg: chart.render())))

        let summaryHeaders = ["estimate", "std_error", "ci_lower", "ci_upper", "p_value"]
        func summaryRow(_ e: Estimate) -> [ReportTable.Cell] {
            [.number(e.estimate), .number(e.standardError), .number(e.lower), .number(e.upper), .pValue(e.pValue)]
        }
        let attachments = [
            ReportTable(
                fileName: "units.csv", headers: ["unit", "adoption", "average_effect", "donors_with_weight"],
                rows: r.units.map { [.text($0.name), .period($0.adoption), .number($0.averageEffect), .integer($0.donors.count)] }),
            ReportTable(
                fileName: "weights.csv", headers: ["unit", "donor", "weight"],
                rows: r.units.flatMap { u in zip(u.donors, u.weights).map { [.text(u.name), .text($0), .number($1)] } }),
            ReportTable(
                fileName: "event_time.csv", headers: ["event_time"] + summaryHeaders,
                rows: r.eventTime.map { [.integer($0.eventTime)] + summaryRow($0.effect) }),
            ReportTable(
                fileName: "cohorts.csv", headers: ["adoption"] + summaryHeaders,
                rows: r.cohorts.map { [.period($0.adoption)] + summaryRow($0.effect) }),
            ReportTable(
                fileName: "imbalance.csv", headers: ["measure", "fit", "separate", "uniform"],
                rows: [
                    [.text("global"), .number(r.imbalance.global), .number(r.separateImbalance.global), .number(r.uniformImbalance.global)],
                    [.text("individual"), .number(r.imbalance.individual), .number(r.separateImbalance.individual), .number(r.uniformImbalance.individual)]
                ])
        ]
        return MethodOutput(
            result: r, blocks: blocks, attachments: attachments, warnings: r.warnings.map(\.message),
            keyEstimates: [KeyEstimate("average effect over treated units", r.average)])
    }
}
