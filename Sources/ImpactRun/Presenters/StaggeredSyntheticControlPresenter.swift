import EstimationCore
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// `results.json` entry of a staggered `synth` analysis.
public typealias StaggeredResult = StaggeredSyntheticControl.Record

/// The report of a staggered synthetic control: the overall and event-time averages with their
/// placebo inference, a chart by event time, and the units, cohorts and gaps as CSV files.
enum StaggeredSyntheticControlPresenter {
    static func output(_ result: StaggeredResult, name: String) -> MethodOutput<StaggeredResult> {
        let r = (units: result.fits, periods: result.periods, overall: result.overall, placeboDraws: result.placeboDraws)
        let (outcome, level, aggregation, donorPool) = (result.outcome, result.level, result.aggregation, result.donorPool)
        func summaryCells(_ s: StaggeredSyntheticControl.Summary) -> [ReportTable.Cell] {
            [
                .number(s.estimate), .integer(s.cells), .number(s.effect.standardError), .pValue(s.effect.pValue),
                .number(s.effect.lower), .number(s.effect.upper)
            ]
        }
        var gapRows: [[ReportTable.Cell]] = []
        for u in r.units {
            let start = r.periods.firstIndex { $0 >= u.adoption } ?? r.periods.count
            let g = u.gaps
            for t in r.periods.indices {
                gapRows.append([.text(u.name), .period(r.periods[t]), .integer(t - start), .number(g[t]), .integer(u.effectPeriods.contains(t) ? 1 : 0)])
            }
        }
        let summaryHeaders = ["estimate", "cells", "placebo_se", "p_value", "ci_lower", "ci_upper"]
        let attachments = [
            ReportTable(
                fileName: "units.csv", headers: ["unit", "adoption", "average_effect", "pre_rmspe"],
                rows: result.units.map { [.text($0.unit), .period($0.adoption), .number($0.averageEffect), .number($0.preRMSPE)] }),
            ReportTable(
                fileName: "event_time.csv", headers: ["event_time"] + summaryHeaders + ["treated_units"],
                rows: result.eventTime.map { [.integer($0.eventTime)] + summaryCells($0.summary) + [.integer($0.contributors.units)] }),
            ReportTable(
                fileName: "cohorts.csv", headers: ["adoption"] + summaryHeaders + ["treated_units"],
                rows: result.cohorts.map { [.period($0.adoption)] + summaryCells($0.summary) + [.integer($0.contributors.units)] }),
            ReportTable(fileName: "unit_gaps.csv", headers: ["unit", "period", "event_time", "gap", "in_effect_window"], rows: gapRows)
        ]
        let e = result.eventTime
        let svg = EventTimeChart.render(
            title: "\(name): average gap by periods since adoption", yLabel: "gap in \(outcome)", eventTimes: e.map { Double($0.eventTime) },
            estimates: e.map(\.summary.effect), seriesName: "average gap")
        var intro: ReportText = "Staggered synthetic control: \(r.units.count) \(aggregation == .unit ? "treated units" : "adoption cohorts"), donors "
        intro += donorPool == .neverTreated ? "never treated" : "never or not yet treated"
        intro += "; \(r.placeboDraws) placebo draws. Overall average effect "
        intro += ReportText.estimate(r.overall.effect, method: false) + " over \(r.overall.cells) treated unit-periods."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        blocks.append(
            .table(
                ReportTable(
                    columns: [
                        .init("periods since adoption"), .init("average gap"), .init("placebo SE"), .init("p"),
                        .init("\(ConfidenceLevel.percent(level)) CI", .left)
                    ],
                    rows: e.map {
                        [
                            .integer($0.eventTime), .number($0.summary.estimate), .number($0.summary.effect.standardError),
                            .pValue($0.summary.effect.pValue), .interval($0.summary.effect.lower, $0.summary.effect.upper)
                        ]
                    })))
        if r.placeboDraws > 0 {
            blocks.append(
                .note(
                    "Error bars and intervals are ± \(ReportFormat.number(ConfidenceLevel.normalCritical(level))) placebo SDs (\(ConfidenceLevel.percent(level)), normal); "
                        + "p-values are placebo ranks, (1 + #{|placebo| ≥ |estimate|})/(1 + draws). Negative event times are pre-adoption fits (leads)."))
        } else {
            blocks.append(.note("No placebo draws were made, so no uncertainty is shown. Negative event times are pre-adoption fits (leads)."))
        }
        blocks.append(.figure(ReportFigure(fileName: "event_time.svg", caption: "Average gap by event time", svg: svg)))
        return MethodOutput(
            result: result, blocks: blocks, attachments: attachments, warnings: result.warnings.map(\.message),
            keyEstimates: [KeyEstimate("overall average effect (treated unit-periods)", r.overall.effect)])
    }
}
