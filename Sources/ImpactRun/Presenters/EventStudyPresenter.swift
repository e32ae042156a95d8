import EstimationCore
import Plotting
import Regression
import Reporting
import StaggeredDiD

/// The report of a two-way fixed-effects event study: the coefficients with pointwise intervals and
/// the sup-t band, their chart, and the sensitivity analysis when asked for.
enum EventStudyPresenter {
    static func output(_ r: TwoWayEventStudy.Result, name: String) -> MethodOutput<TwoWayEventStudy.Result> {
        let percent = ConfidenceLevel.percent(r.level)
        var intro: ReportText = "Event study of \(code: r.outcome): \(r.treatedUnits) adopting and \(r.neverTreatedUnits) never-treated units, "
        intro += "unit and period effects absorbed, \(r.observations) observations. Coefficients are differences from relative period \(r.reference)"
        intro += "; \(r.inference?.summary ?? ""). The simultaneous \(percent) band uses the sup-t critical value \(number: r.supTCritical) "
        intro += "(pointwise \(number: r.pointwiseCritical)): the whole path lies inside it with probability \(percent)."
        let rows: [[ReportTable.Cell]] = r.eventTime.map { c in
            let e = c.effect
            return [
                .integer(c.eventTime), .number(e.estimate), .number(e.standardError), .pValue(e.pValue), .interval(e.lower, e.upper),
                .interval(c.bandLower, c.bandUpper)
            ]
        }
        let table = ReportTable(
            fileName: "event_study.csv", caption: "Effects by period relative to adoption",
            columns: [.init("relative period"), .init("estimate"), .init("std. error"), .init("p"), .init("\(percent) CI", .left), .init("sup-t band", .left)],
            rows: rows)
        var blocks: [ReportBlock] = [
            .paragraph(intro), .table(table),
            .figure(ReportFigure(fileName: "event_study.svg", caption: "Effects with pointwise intervals and the sup-t band", svg: chart(r, name: name)))
        ]
        if let s = r.sensitivity { blocks += SensitivityPresenter.blocks(s, name: name) }
        return MethodOutput(result: r, blocks: blocks, warnings: r.warnings.map(\.message))
    }

    static func chart(_ r: TwoWayEventStudy.Result, name: String) -> String {
        EventTimeChart.render(
            title: "\(name): effect by period relative to adoption", xLabel: "period relative to adoption", yLabel: "effect on \(r.outcome)",
            eventTimes: r.eventTime.map { Double($0.eventTime) }, estimates: r.eventTime.map(\.effect), seriesName: "estimate",
            band: .init(name: "sup-t band", lower: r.eventTime.map { $0.bandLower ?? 0 }, upper: r.eventTime.map { $0.bandUpper ?? 0 }),
            adoptionAt: Double(r.reference) + 0.5)
    }
}
