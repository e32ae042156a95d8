import EstimationCore
import Plotting
import Regression
import Reporting
import StaggeredDiD
import Tabular

extension CallawaySantAnna.ControlGroup: SettingChoice {}
extension CallawaySantAnna.BasePeriod: SettingChoice {}
extension CallawaySantAnna.Aggregation: SettingChoice {}
extension CallawaySantAnna.Sampling: SettingChoice {}

/// `method: did`: staggered difference-in-differences. Callaway & Sant'Anna (2021) group-time
/// effects (`estimator: dr | ipw | reg`, as R's did) with their aggregations and pre-test, or the
/// imputation estimator (`estimator: imputation`, Borusyak, Jaravel & Spiess 2024).
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

    public enum Estimator: String, SettingChoice { case dr, ipw, reg, imputation }

    public struct Keys: KeySet {
        let unit = OptionalKey<String>("unit", "unit identifier column", column: .any, default: "required unless sampling: repeated-cross-sections")
        let time = RequiredKey<String>("time", "time period column (numeric)", column: .numeric)
        let outcome = CommonKeys.outcome
        let sampling = DefaultedKey<CallawaySantAnna.Sampling>(
            "sampling", "panel (balanced), unbalanced-panel, or repeated-cross-sections", default: .panel)
        let adoption = RequiredKey<String>("adoption", "each unit's first treated period (0 or missing = never treated)", column: .numeric)
        let controlGroup = DefaultedKey<CallawaySantAnna.ControlGroup>("control_group", "never or not-yet treated comparison units", default: .never)
        let estimator = DefaultedKey<Estimator>("estimator", "dr, ipw, reg or imputation", default: .dr)
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

    public var specification: CallawaySantAnna.Specification
    public var sensitivity: SensitivitySetting?
    public var estimator: Estimator
    public var aggregations: [CallawaySantAnna.Aggregation]
    public var window: CallawaySantAnna.EventWindow
    public var replications: Int
    public var bootstrapWeights: WildClusterBootstrap.Weights

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let sampling = try s(\.sampling)
        let unit = try s(\.unit)
        if unit == nil && sampling != .repeatedCrossSections {
            throw s.issue("missing required key 'unit' (unit identifier column; only sampling: repeated-cross-sections does without it)")
        }
        var spec = CallawaySantAnna.Specification(outcome: try s(\.outcome), unit: unit ?? "", time: try s(\.time), adoption: try s(\.adoption))
        spec.sampling = sampling
        spec.controlGroup = try s(\.controlGroup)
        estimator = try s(\.estimator)
        spec.method = CallawaySantAnna.Method(rawValue: estimator.rawValue) ?? .dr
        spec.covariates = try s(\.covariates)
        if spec.covariates.contains(spec.outcome) {
            throw s.issue(\.covariates, "'\(spec.outcome)' is the outcome; it cannot also be a covariate")
        }
        spec.anticipation = try s(\.anticipation)
        spec.basePeriod = try s(\.basePeriod)
        spec.weights = try s(\.weights)
        spec.cluster = try s(\.cluster)
        spec.level = try s(\.level)
        specification = spec
        aggregations = try s(\.aggregations)
        window = .init()
        window.minimum = try s(\.minE)
        window.maximum = try s(\.maxE)
        window.balance = try s(\.balanceE)
        replications = try s(\.replications)
        bootstrapWeights = try s(\.bootstrapWeights)
        sensitivity = try s(\.sensitivity)
        if sensitivity != nil && estimator == .imputation {
            throw s.issue(
                \.sensitivity, "sensitivity needs pre-period estimates, which the imputation estimator does not produce; use estimator dr, ipw or reg")
        }
        if sensitivity != nil && spec.basePeriod != .universal {
            throw s.issue(
                \.sensitivity,
                "sensitivity needs base_period: universal (with a varying base period the pre-period effects are one-period changes, not deviations from the period before adoption)"
            )
        }
        if estimator == .imputation && sampling != .panel {
            throw s.issue(\.sampling, "the imputation estimator here needs a panel; use estimator dr, ipw or reg for \(sampling.rawValue) data")
        }
        if estimator == .imputation && spec.controlGroup == .never && s.has(\.controlGroup) {
            throw s.issue(\.controlGroup, "the imputation estimator uses every untreated observation (never and not-yet treated); remove control_group")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        bootstrapMemory(data) + neverTreated(data) + designIssues(data)
    }

    /// Never-treated comparisons need units whose adoption is 0 or missing.
    func neverTreated(_ data: LoadedData) -> [SettingIssue] {
        guard estimator != .imputation, specification.controlGroup == .never, let adoption = try? data.table.numeric(specification.adoption),
            !adoption.isEmpty, !adoption.contains(where: { $0.isNaN || $0 == 0 })
        else { return [] }
        return [
            SettingIssue(
                key: "control_group",
                message:
                    "no unit is never treated ('\(specification.adoption)' is never 0 or missing), so there is no never-treated comparison group; use control_group: not-yet"
            )
        ]
    }

    /// The multiplier bootstrap keeps one value per ATT(g,t) cell per draw (at most cohorts × periods cells).
    func bootstrapMemory(_ data: LoadedData) -> [SettingIssue] {
        guard replications > 0, let times = try? data.table.numeric(specification.time),
            let adoption = try? data.table.numeric(specification.adoption)
        else { return [] }
        let cells = Set(adoption.filter { $0 > 0 }).count * Set(times.filter { !$0.isNaN }).count
        return DataChecks.drawMemory(key: "replications", count: replications, bytesPerDraw: 8 * Double(cells + 8), what: "bootstrap draws")
    }

    func designIssues(_ data: LoadedData) -> [SettingIssue] {
        let spec = specification
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

    public func run(_ context: RunContext) throws -> MethodOutput<StaggeredDiDResult> {
        if estimator == .imputation { return try runImputation(context) }
        let cs = try CallawaySantAnna(specification, table: context.data.table)
        let level = specification.level
        let aggregates = try aggregations.map { try cs.aggregate($0, window: window) }
        let pre = try cs.preTest()
        var bootstrap: CallawaySantAnna.Bootstrap? = nil
        var dynamicBand: [Double]? = nil
        if replications > 0 {
            bootstrap = CallawaySantAnna.multiplierBootstrap(
                cs.influence, clusters: cs.clusters, draws: replications, level: level, seed: context.seed, threads: context.threads,
                weights: bootstrapWeights)
            if let dynamic = aggregates.first(where: { $0.aggregation == .dynamic }) {
                let b = CallawaySantAnna.multiplierBootstrap(
                    dynamic.influence, clusters: cs.clusters, draws: replications, level: level, seed: context.seed &+ 1,
                    threads: context.threads, weights: bootstrapWeights)
                dynamicBand = [b.criticalValue] + b.standardErrors
            }
        }
        let result = StaggeredDiDResult(
            estimator: estimator.rawValue, controlGroup: specification.controlGroup.rawValue, units: cs.count,
            droppedGroups: cs.droppedGroups, groupTime: cs.groupTimes, aggregations: aggregates, preTest: pre,
            uniformCriticalValue: bootstrap?.criticalValue, bootstrapDraws: bootstrap?.draws,
            imputation: nil, sensitivity: nil)
        var blocks: [ReportBlock] = []
        var intro: ReportText = "Callaway & Sant'Anna (2021) group-time effects of \(code: specification.outcome), \(code: estimator.rawValue) estimator, "
        intro += "\(specification.controlGroup == .never ? "never-treated" : "not-yet-treated") comparison units, "
        switch specification.sampling {
        case .panel: intro += "\(cs.count) units"
        case .unbalancedPanel:
            intro +=
                "an unbalanced panel of \(cs.count) units (each ATT(g,t) from the rows observed in its two periods, influence functions summed within unit)"
        case .repeatedCrossSections: intro += "repeated cross-sections of \(cs.count) observations (each row its own unit)"
        }
        intro +=
            specification.covariates.isEmpty
            ? "." : " and covariates " + ReportText.joined(specification.covariates.map { "\(code: $0)" }) + " (base-period values)."
        intro += " Standard errors from the influence function"
        intro += bootstrap.map { "; the uniform band from \($0.draws) multiplier-bootstrap draws (\(bootstrapWeights.rawValue) weights)." } ?? "."
        blocks.append(.paragraph(intro))
        // Where this default differs from the R peer's, say so: a reader comparing with R did sees other SEs.
        blocks.append(
            .note(
                "R did's default (bstrap = TRUE) reports multiplier-bootstrap standard errors; the standard errors here are the analytic ones from the same influence functions, so they differ from R's by Monte Carlo error and, with clusters, by its cluster-mean convention."
            ))
        if !cs.droppedGroups.isEmpty {
            blocks.append(
                .note("Groups treated in the first period (no pre-period) were dropped: \(cs.droppedGroups.map(ReportFormat.period).joined(separator: ", "))."))
        }
        if let pre {
            blocks.append(
                .paragraph(
                    "Pre-test of parallel trends (all pre-treatment ATT(g,t) = 0): χ² = \(number: pre.statistic) on \(pre.degreesOfFreedom) df, \(pClause: pre.pValue)."
                ))
        }
        for a in aggregates {
            var rows: [[ReportTable.Cell]] = [
                [
                    .text("overall"), .number(a.overall.estimate), .number(a.overall.standardError), .pValue(a.overall.pValue),
                    .interval(a.overall.lower, a.overall.upper)
                ]
            ]
            rows += a.components.map {
                [.text($0.term ?? ""), .number($0.estimate), .number($0.standardError), .pValue($0.pValue), .interval($0.lower, $0.upper)]
            }
            blocks.append(
                .table(
                    ReportTable(
                        fileName: "aggregate_\(a.aggregation.rawValue).csv", caption: "Aggregation: \(strong: a.aggregation.rawValue)",
                        columns: [
                            .init(
                                "\(a.aggregation == .simple ? "average" : a.aggregation == .dynamic ? "event time" : a.aggregation == .group ? "cohort" : "period")",
                                .left),
                            .init("estimate"), .init("std. error"), .init("p"), .init("\(ConfidenceLevel.percent(level)) CI", .left)
                        ],
                        rows: rows)))
        }
        let gtRows: [[ReportTable.Cell]] = cs.groupTimes.enumerated().map { j, g in
            let band = bootstrap.map { b in
                (g.effect.estimate - b.criticalValue * b.standardErrors[j], g.effect.estimate + b.criticalValue * b.standardErrors[j])
            }
            return [
                .period(g.group), .period(g.time), .text(g.pre ? "pre" : "post"), .number(g.effect.estimate), .number(g.effect.standardError),
                .interval(g.effect.lower, g.effect.upper), band.map { .interval($0.0, $0.1) } ?? .empty
            ]
        }
        blocks.append(
            .table(
                ReportTable(
                    fileName: "group_time.csv", caption: "ATT(g,t)",
                    columns: [
                        .init("group"), .init("period"), .init("pre/post", .left), .init("ATT"), .init("std. error"),
                        .init("\(ConfidenceLevel.percent(level)) CI", .left), .init("uniform band", .left)
                    ],
                    rows: gtRows)))
        if let dynamic = aggregates.first(where: { $0.aggregation == .dynamic }) {
            var chart = LineChart(
                title: "\(context.analysis.name): effect by event time", xLabel: "periods since adoption", yLabel: "effect on \(specification.outcome)")
            let x = dynamic.keys
            chart.series = [.init(name: "estimate", x: x, y: dynamic.components.map(\.estimate), color: Palette.color(0), markers: true)]
            if let band = dynamicBand {
                let c = band[0]
                chart.series.append(
                    .init(
                        name: "uniform band", x: x, y: dynamic.components.enumerated().map { $1.estimate - c * band[$0 + 2] }, color: Palette.color(1),
                        dashed: true))
                chart.series.append(
                    .init(name: nil, x: x, y: dynamic.components.enumerated().map { $1.estimate + c * band[$0 + 2] }, color: Palette.color(1), dashed: true))
            }
            chart.errorBars = zip(x, dynamic.components).compactMap { e, c in c.lower.map { (e, $0, c.upper ?? $0) } }
            chart.horizontalLines = [(0, "")]
            chart.verticalLines = [(-0.5, "adoption")]
            blocks.append(
                .figure(
                    ReportFigure(
                        fileName: "event_study.svg",
                        caption: "Dynamic aggregation with pointwise intervals\(dynamicBand == nil ? "" : " and the uniform band")", svg: chart.render())))
        }
        var cohort = LineChart(title: "\(context.analysis.name): ATT(g,t) by cohort", xLabel: "period", yLabel: "effect on \(specification.outcome)")
        for (k, g) in Array(Set(cs.groupTimes.map(\.group))).sorted().enumerated() {
            let rows = cs.groupTimes.filter { $0.group == g }
            cohort.series.append(
                .init(name: "cohort \(ReportFormat.period(g))", x: rows.map(\.time), y: rows.map(\.effect.estimate), color: Palette.color(k), markers: true))
        }
        cohort.horizontalLines = [(0, "")]
        blocks.append(.figure(ReportFigure(fileName: "group_time.svg", caption: "ATT(g,t) by cohort", svg: cohort.render())))
        var warnings: [String] = []
        if let pre, pre.pValue < 0.05 {
            warnings.append(
                "The pre-test rejects parallel pre-trends (\(ReportFormat.pClause(pre.pValue))): the post-treatment effects rest on an assumption the pre-periods do not support."
            )
        }
        var output = result
        if let sensitivity {
            let post = try cs.aggregate(.dynamic, window: window).keys.filter { $0 >= 0 }.count
            let analysis = try sensitivity.run(
                { try ParallelTrendsSensitivity(cs, window: window, target: $0) }, postperiods: post, threads: context.threads,
                analysis: context.analysis.name)
            blocks += analysis.blocks
            warnings += analysis.warnings
            output.sensitivity = analysis.result
        }
        let headline = output.aggregations?.first { $0.aggregation == .simple }.map { KeyEstimate("overall ATT (simple aggregation)", $0.overall) }
        return MethodOutput(result: output, blocks: blocks, warnings: warnings, keyEstimates: headline.map { [$0] } ?? [])
    }

    func runImputation(_ context: RunContext) throws -> MethodOutput<StaggeredDiDResult> {
        let imputation = try ImputationDiD(specification, table: context.data.table)
        let level = specification.level
        let result = StaggeredDiDResult(
            estimator: "imputation", controlGroup: "untreated observations", units: nil, droppedGroups: [], groupTime: nil,
            aggregations: nil, preTest: nil, uniformCriticalValue: nil, bootstrapDraws: nil,
            imputation: .init(
                cells: imputation.cells, eventTime: imputation.eventTime, overall: imputation.overall,
                covariates: zip(specification.covariates, imputation.covariateCoefficients).map { .init(covariate: $0, coefficient: $1) }),
            sensitivity: nil)
        let cluster = specification.cluster ?? specification.unit
        var intro: ReportText = "Imputation estimator (Borusyak, Jaravel & Spiess 2024) of \(code: specification.outcome): unit and period effects"
        if specification.covariates.isEmpty {
            intro += " from the untreated observations; CR1 standard errors clustered by \(code: cluster). Overall: "
        } else {
            let terms: [ReportText] = zip(specification.covariates, imputation.covariateCoefficients).map { "\(code: $0) \(number: $1)" }
            intro += " and the covariates' coefficients (" + ReportText.joined(terms)
            intro +=
                ") from the untreated observations only (BJS's first step); standard errors clustered by \(code: cluster) account for that first stage (two-stage GMM as did2s, with CR1's small-sample factor). Overall: "
        }
        var blocks: [ReportBlock] = [.paragraph(intro + ReportText.estimate(imputation.overall, strong: true, method: false) + ".")]
        blocks.append(
            .table(
                ReportTable(
                    fileName: "event_time.csv", caption: "By event time (weighted by treated observations)",
                    columns: [.init("event time"), .init("estimate"), .init("std. error"), .init("p"), .init("\(ConfidenceLevel.percent(level)) CI", .left)],
                    rows: zip(imputation.eventTimes, imputation.eventTime).map {
                        [.integer($0), .number($1.estimate), .number($1.standardError), .pValue($1.pValue), .interval($1.lower, $1.upper)]
                    })))
        blocks.append(
            .table(
                ReportTable(
                    fileName: "group_time.csv", caption: "ATT(g,t)",
                    columns: [
                        .init("group"), .init("period"), .init("treated obs."), .init("ATT"), .init("std. error"),
                        .init("\(ConfidenceLevel.percent(level)) CI", .left)
                    ],
                    rows: imputation.cells.map {
                        [
                            .period($0.group), .period($0.time), .integer($0.observations), .number($0.effect.estimate), .number($0.effect.standardError),
                            .interval($0.effect.lower, $0.effect.upper)
                        ]
                    })))
        return MethodOutput(result: result, blocks: blocks)
    }
}

/// The `results.json` entry of a `did` analysis.
public struct StaggeredDiDResult: Encodable, Sendable {
    public struct Imputation: Encodable, Sendable {
        public struct Covariate: Encodable, Sendable {
            public let covariate: String
            /// Its coefficient from the untreated observations (BJS step 1).
            public let coefficient: Double
        }
        public let cells: [ImputationDiD.Cell]
        public let eventTime: [Estimate]
        public let overall: Estimate
        public let covariates: [Covariate]
    }
    public let estimator: String
    public let controlGroup: String
    public let units: Int?
    public let droppedGroups: [Double]
    public let groupTime: [CallawaySantAnna.GroupTime]?
    public let aggregations: [CallawaySantAnna.Aggregate]?
    public let preTest: CallawaySantAnna.PreTest?
    /// The sup-t critical value of the ATT(g,t) from the multiplier bootstrap.
    public let uniformCriticalValue: Double?
    public let bootstrapDraws: Int?
    public let imputation: Imputation?
    /// Robust sets under violations of parallel trends, when `sensitivity` is set.
    public var sensitivity: SensitivityResult?
}
