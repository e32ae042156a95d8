import EstimationCore
import Plotting
import Reporting
import StaggeredDiD
import Tabular

/// The report of a staggered DiD: what was estimated, the aggregations, the ATT(g,t) with their
/// uniform band and the units behind each, the event-study and cohort charts, and the sensitivity
/// analysis; or the imputation estimator's averages and cells.
enum StaggeredDiDPresenter {
    typealias Result = DifferenceInDifferences.Result

    static func output(_ r: Result, _ spec: DifferenceInDifferences.Specification, name: String) -> MethodOutput<Result> {
        if let imputation = r.imputation {
            return MethodOutput(result: r, blocks: imputationBlocks(imputation, spec), warnings: r.warnings.map(\.message))
        }
        var blocks: [ReportBlock] = [.paragraph(introduction(r, spec))]
        // Where this default differs from the R peer's, say so: a reader comparing with R did sees other SEs.
        blocks.append(
            .note(
                "R did's default (bstrap = TRUE) reports multiplier-bootstrap standard errors; the standard errors here are the analytic ones from the same influence functions, so they differ from R's by Monte Carlo error and, with clusters, by its cluster-mean convention."
            ))
        if !r.droppedGroups.isEmpty {
            blocks.append(
                .note("Groups treated in the first period (no pre-period) were dropped: \(r.droppedGroups.map(ReportFormat.period).joined(separator: ", "))."))
        }
        if let pre = r.preTest {
            blocks.append(
                .paragraph(
                    "Pre-test of parallel trends (all pre-treatment ATT(g,t) = 0): χ² = \(number: pre.statistic) on \(pre.degreesOfFreedom) df, \(pClause: pre.pValue)."
                ))
        }
        blocks += (r.aggregations ?? []).map { .table(aggregateTable($0, level: r.level)) }
        blocks.append(.table(groupTimeTable(r)))
        if let dynamic = r.aggregations?.first(where: { $0.aggregation == .dynamic }) {
            blocks.append(eventStudyFigure(dynamic, band: r.dynamicBand, outcome: spec.design.outcome, name: name))
        }
        blocks.append(cohortFigure(r.groupTime ?? [], outcome: spec.design.outcome, name: name))
        if let s = r.sensitivity { blocks += SensitivityPresenter.blocks(s, name: name) }
        let headline = r.aggregations?.first { $0.aggregation == .simple }.map { KeyEstimate("overall ATT (simple aggregation)", $0.overall) }
        return MethodOutput(result: r, blocks: blocks, warnings: r.warnings.map(\.message), keyEstimates: headline.map { [$0] } ?? [])
    }

    static func introduction(_ r: Result, _ spec: DifferenceInDifferences.Specification) -> ReportText {
        let design = spec.design, units = r.units ?? 0
        var intro: ReportText = "Callaway & Sant'Anna (2021) group-time effects of \(code: design.outcome), \(code: r.estimator.rawValue) estimator, "
        intro += "\(design.controlGroup == .never ? "never-treated" : "not-yet-treated") comparison units, "
        switch r.sampling {
        case .panel: intro += "\(units) units"
        case .unbalancedPanel:
            intro +=
                "an unbalanced panel of \(units) units (each ATT(g,t) from the rows observed in its two periods, influence functions summed within unit)"
        case .repeatedCrossSections: intro += "repeated cross-sections of \(units) observations (each row its own unit)"
        }
        intro +=
            design.covariates.isEmpty
            ? "." : " and covariates " + ReportText.joined(design.covariates.map { "\(code: $0)" }) + " (base-period values)."
        intro += " Standard errors from the influence function"
        intro += r.groupTimeBand.map { "; the uniform band from \($0.draws) multiplier-bootstrap draws (\(spec.bootstrapWeights.rawValue) weights)." } ?? "."
        return intro
    }

    /// Treated and comparison units (and clusters) as table cells.
    static func contributorCells(_ c: ComparisonContributors, clustered: Bool) -> [ReportTable.Cell] {
        var cells: [ReportTable.Cell] = [.integer(c.treated.units), .integer(c.comparison.units)]
        if clustered { cells += [c.treated.clusters.map { .integer($0) } ?? .empty, c.comparison.clusters.map { .integer($0) } ?? .empty] }
        return cells
    }

    static func contributorColumns(clustered: Bool) -> [ReportTable.Column] {
        [.init("treated units"), .init("comparison units")] + (clustered ? [.init("treated clusters"), .init("comparison clusters")] : [])
    }

    static func aggregateTable(_ a: CallawaySantAnna.Aggregate, level: Double) -> ReportTable {
        let clustered = a.overallContributors.treated.clusters != nil
        func row(_ label: String, _ e: Estimate, _ c: ComparisonContributors) -> [ReportTable.Cell] {
            [.text(label), .number(e.estimate), .number(e.standardError), .pValue(e.pValue), .interval(e.lower, e.upper)]
                + contributorCells(c, clustered: clustered)
        }
        let rows = [row("overall", a.overall, a.overallContributors)] + zip(a.components, a.componentContributors).map { row($0.term ?? "", $0, $1) }
        let key: String
        switch a.aggregation {
        case .simple: key = "average"
        case .dynamic: key = "event time"
        case .group: key = "cohort"
        case .calendar: key = "period"
        }
        return ReportTable(
            fileName: "aggregate_\(a.aggregation.rawValue).csv", caption: "Aggregation: \(strong: a.aggregation.rawValue)",
            columns: [.init(key, .left), .init("estimate"), .init("std. error"), .init("p"), .init("\(ConfidenceLevel.percent(level)) CI", .left)]
                + contributorColumns(clustered: clustered),
            rows: rows)
    }

    static func groupTimeTable(_ r: Result) -> ReportTable {
        let cells = r.groupTime ?? []
        let clustered = cells.first?.contributors.treated.clusters != nil
        let rows: [[ReportTable.Cell]] = cells.enumerated().map { j, g in
            let band = r.groupTimeBand.map { b in
                (g.effect.estimate - b.criticalValue * b.standardErrors[j], g.effect.estimate + b.criticalValue * b.standardErrors[j])
            }
            return [
                .period(g.group), .period(g.time), .text(g.pre ? "pre" : "post"), .number(g.effect.estimate), .number(g.effect.standardError),
                .interval(g.effect.lower, g.effect.upper), band.map { .interval($0.0, $0.1) } ?? .empty
            ] + contributorCells(g.contributors, clustered: clustered)
        }
        return ReportTable(
            fileName: "group_time.csv", caption: "ATT(g,t)",
            columns: [
                .init("group"), .init("period"), .init("pre/post", .left), .init("ATT"), .init("std. error"),
                .init("\(ConfidenceLevel.percent(r.level)) CI", .left), .init("uniform band", .left)
            ] + contributorColumns(clustered: clustered),
            rows: rows)
    }

    static func eventStudyFigure(_ dynamic: CallawaySantAnna.Aggregate, band: DifferenceInDifferences.UniformBand?, outcome: String, name: String)
        -> ReportBlock
    {
        let x = dynamic.keys, c = dynamic.components
        // The band's first standard error is the overall average's; the components follow.
        let uniform = band.map { b in
            EventTimeChart.Band(
                name: "uniform band", lower: c.enumerated().map { $1.estimate - b.criticalValue * b.standardErrors[$0 + 1] },
                upper: c.enumerated().map { $1.estimate + b.criticalValue * b.standardErrors[$0 + 1] })
        }
        let svg = EventTimeChart.render(
            title: "\(name): effect by event time", yLabel: "effect on \(outcome)", eventTimes: x, estimates: c, seriesName: "estimate", band: uniform)
        return .figure(
            ReportFigure(
                fileName: "event_study.svg", caption: "Dynamic aggregation with pointwise intervals\(band == nil ? "" : " and the uniform band")",
                svg: svg))
    }

    static func cohortFigure(_ cells: [CallawaySantAnna.GroupTime], outcome: String, name: String) -> ReportBlock {
        var cohort = LineChart(title: "\(name): ATT(g,t) by cohort", xLabel: "period", yLabel: "effect on \(outcome)")
        for (k, g) in Array(Set(cells.map(\.group))).sorted().enumerated() {
            let rows = cells.filter { $0.group == g }
            cohort.series.append(
                .init(name: "cohort \(ReportFormat.period(g))", x: rows.map(\.time), y: rows.map(\.effect.estimate), color: Palette.color(k), markers: true))
        }
        cohort.horizontalLines = [(0, "")]
        return .figure(ReportFigure(fileName: "group_time.svg", caption: "ATT(g,t) by cohort", svg: cohort.render()))
    }

    static func imputationBlocks(_ m: DifferenceInDifferences.Imputation, _ spec: DifferenceInDifferences.Specification) -> [ReportBlock] {
        let design = spec.design, level = design.level
        let cluster = design.cluster ?? design.unit
        var intro: ReportText = "Imputation estimator (Borusyak, Jaravel & Spiess 2024) of \(code: design.outcome): unit and period effects"
        if m.covariates.isEmpty {
            intro += " from the untreated observations; CR1 standard errors clustered by \(code: cluster). Overall: "
        } else {
            let terms: [ReportText] = m.covariates.map { "\(code: $0.covariate) \(number: $0.coefficient)" }
            intro += " and the covariates' coefficients (" + ReportText.joined(terms)
            intro +=
                ") from the untreated observations only (BJS's first step); standard errors clustered by \(code: cluster) account for that first stage (two-stage GMM as did2s, with CR1's small-sample factor). Overall: "
        }
        intro += ReportText.estimate(m.overall, strong: true, method: false)
        intro += ", from \(m.overallContributors.units) treated and \(m.comparison.units) untreated units."
        let clustered = m.overallContributors.clusters != nil
        func counts(_ c: Contributors) -> [ReportTable.Cell] { [.integer(c.units)] + (clustered ? [c.clusters.map { .integer($0) } ?? .empty] : []) }
        let countColumns: [ReportTable.Column] = [.init("treated units")] + (clustered ? [.init("treated clusters")] : [])
        let ci = "\(ConfidenceLevel.percent(level)) CI"
        let eventTime = ReportTable(
            fileName: "event_time.csv", caption: "By event time (weighted by treated observations)",
            columns: [.init("event time"), .init("estimate"), .init("std. error"), .init("p"), .init(ci, .left)] + countColumns,
            rows: zip(m.eventTimes, zip(m.eventTime, m.eventTimeContributors)).map { e, pair in
                let (est, c) = pair
                return [.integer(e), .number(est.estimate), .number(est.standardError), .pValue(est.pValue), .interval(est.lower, est.upper)] + counts(c)
            })
        let cells = ReportTable(
            fileName: "group_time.csv", caption: "ATT(g,t)",
            columns: [.init("group"), .init("period"), .init("treated obs."), .init("ATT"), .init("std. error"), .init(ci, .left)] + countColumns,
            rows: m.cells.map {
                [
                    .period($0.group), .period($0.time), .integer($0.observations), .number($0.effect.estimate), .number($0.effect.standardError),
                    .interval($0.effect.lower, $0.effect.upper)
                ] + counts($0.treated)
            })
        return [.paragraph(intro), .table(eventTime), .table(cells)]
    }
}
