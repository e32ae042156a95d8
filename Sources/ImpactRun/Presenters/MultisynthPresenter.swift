import EstimationCore
import Foundation
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

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
        let svg = EventTimeChart.render(
            title: "\(analysis): average effect by periods since adoption", yLabel: "effect on \(outcome)", eventTimes: e.map(\.0), estimates: e.map(\.1),
            seriesName: "average effect")
        blocks.append(.figure(ReportFigure(fileName: "event_time.svg", caption: "Average effect by event time with \(ci)s", svg: svg)))

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
