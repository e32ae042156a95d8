import EstimationCore
import Foundation
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

public typealias SyntheticControlResult = SyntheticControlStudy.Result

/// The report of a single-unit synthetic control (`synth`, `augsynth`).
enum SyntheticControlPresenter {
    static func output(_ name: String, result r: SyntheticControlResult) -> MethodOutput<SyntheticControlResult> {
        let placebo = r.placebo
        var attachments = [
            ReportTable(fileName: "weights.csv", headers: ["donor", "weight"], rows: r.weights.map { [.text($0.donor), .number($0.weight)] }),
            ReportTable(
                fileName: "gaps.csv", headers: ["period", "treated", "synthetic", "gap"],
                rows: r.periods.map { [.period($0.period), .number($0.treated), .number($0.synthetic), .number($0.gap)] })
        ]
        if !r.predictors.isEmpty {
            attachments.append(
                ReportTable(
                    fileName: "predictors.csv", headers: ["predictor", "v_weight", "treated", "synthetic", "donor_mean"],
                    rows: r.predictors.map {
                        [
                            .text($0.predictor), .number($0.weight), .number($0.treated),
                            .number($0.synthetic), .number($0.donorMean)
                        ]
                    }))
        }
        if let placebo {
            attachments.append(
                ReportTable(
                    fileName: "placebos.csv",
                    headers: ["unit", "treated", "pre_mspe", "post_mspe", "rmspe_ratio", "average_effect", "included"],
                    rows: placebo.units.map {
                        [
                            .text($0.name), .integer($0.isTreated ? 1 : 0), .number($0.preMSPE), .number($0.postMSPE),
                            .number($0.ratio), .number($0.averageEffect), .integer($0.included ? 1 : 0)
                        ]
                    }))
            attachments.append(
                ReportTable(
                    fileName: "placebo_gaps.csv", headers: ["period"] + placebo.units.map(\.name),
                    rows: r.periods.indices.map { t in [.period(r.periods[t].period)] + placebo.units.map { .number($0.gaps[t]) } }))
        }
        if let c = r.conformal { attachments.append(ConformalPresenter.table(c)) }
        if let p = r.predictionIntervals { attachments.append(PredictionIntervalsPresenter.table(p)) }
        if let loo = r.leaveOneOut {
            attachments.append(
                ReportTable(
                    fileName: "leave_one_out.csv", headers: ["dropped_donor", "average_effect", "pre_rmspe"],
                    rows: loo.map { [.text($0.donor), .number($0.averageEffect), .number($0.preRMSPE)] }))
        }
        let times = r.periods.map(\.period)
        var path = LineChart(title: "\(r.treated) and its synthetic control", xLabel: "period", yLabel: r.outcome)
        path.series = [
            LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.treated), color: Palette.color(0)),
            LineChart.Series(name: "synthetic \(r.treated)", x: times, y: r.periods.map(\.synthetic), color: Palette.color(1), dashed: true)
        ]
        path.verticalLines = [(r.treatmentTime, "treatment")]
        var gapChart = LineChart(
            title: "Gap: \(r.treated) minus synthetic" + (placebo == nil ? "" : ", with placebo gaps"),
            xLabel: "period", yLabel: "gap in \(r.outcome)")
        if let placebo {
            for u in placebo.units.dropFirst() where u.included {
                gapChart.series.append(LineChart.Series(name: nil, x: times, y: u.gaps, color: Palette.muted, width: 1, opacity: 0.7))
            }
        }
        if let c = r.conformal {
            // Conformal intervals of the post-treatment gaps, as a band.
            gapChart.bands.append(
                LineChart.Band(
                    x: c.periods.map(\.time), low: c.periods.map(\.lower), high: c.periods.map(\.upper), color: Palette.color(0),
                    opacity: 0.2))
            gapChart.title += ", with conformal \(ConfidenceLevel.percent(c.level)) intervals"
        }
        if let p = r.predictionIntervals {
            gapChart.bands += PredictionIntervalsPresenter.gapBands(p)
            gapChart.title += ", with \(ConfidenceLevel.percent(p.level)) prediction intervals"
        }
        gapChart.series.append(LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.gap), color: Palette.color(0), width: 2.5))
        gapChart.horizontalLines = [(0, "")]
        gapChart.verticalLines = [(r.treatmentTime, "treatment")]
        let shown = r.weights.filter { abs($0.weight) > 1e-4 }.sorted { abs($0.weight) > abs($1.weight) }
        let bars = BarChart(title: "Donor weights", xLabel: "weight", categories: shown.map(\.donor), values: shown.map(\.weight))

        var intro: ReportText =
            "\(r.estimator.prefix(1).uppercased() + r.estimator.dropFirst()) for \(strong: r.treated) (treated from \(period: r.treatmentTime)), "
        intro += "\(r.weights.count) donors. Pre-treatment RMSPE \(number: r.preRMSPE); average gap after treatment \(number: r.averageEffect)"
        if let w = SyntheticControlStudy.effectRange(r.effectWindow) { intro += " (window \(period: w.lowerBound)–\(period: w.upperBound))" }
        intro += "."
        var blocks: [ReportBlock] = [.paragraph(intro)] + crossValidationBlocks(r.crossValidation)
        if let l = r.lossV {
            blocks.append(
                .paragraph("Pre-period loss (MSPE over the fit periods) \(number: l)" + (r.lossW.map { "; predictor loss \(number: $0)" } ?? "") + "."))
        }
        if !r.starts.isEmpty {
            blocks.append(.paragraph("Starts of the V search (best is used): " + ReportText.joined(r.starts.map { "\($0.name) \(number: $0.loss)" }) + "."))
        }
        blocks.append(.table(ReportTable(headers: ["donor", "weight"], rows: shown.map { [.text($0.donor), .number($0.weight)] })))
        if !r.predictors.isEmpty {
            blocks.append(
                .table(
                    ReportTable(
                        headers: ["predictor", "V", "treated", "synthetic", "donor mean"],
                        rows: r.predictors.map {
                            [
                                .text($0.predictor), .number($0.weight), .number($0.treated),
                                .number($0.synthetic), .number($0.donorMean)
                            ]
                        })))
        }
        if let p = r.placebo {
            var t: ReportText = "\(strong: "Placebo in space"): post/pre RMSPE ratio ranks \(p.rank) of \(p.includedUnits)"
            if let e = p.exclusionMultiple { t += " (placebos with pre-MSPE above \(period: e)× the treated unit's excluded)" }
            if let pValue = p.pValue, let smallest = p.smallestPValue {
                t += "; rank/(J+1): \(pClause: pValue) (the smallest attainable with \(p.includedUnits - 1) placebos is \(number: smallest))."
            } else {
                t += ": no placebo was kept, so there is no placebo distribution and no p-value."
            }
            blocks.append(.paragraph(t))
        }
        if let c = r.conformal { blocks += ConformalPresenter.blocks(c) }
        if let p = r.predictionIntervals { blocks += PredictionIntervalsPresenter.blocks(p) }
        if let t = r.placeboInTime {
            var text: ReportText = "\(strong: "Placebo in time") (treatment moved to \(period: t.placeboTime), predictor periods shifted back with it"
            if !t.droppedPredictors.isEmpty { text += "; dropped for lack of earlier data: \(t.droppedPredictors.joined(separator: ", "))" }
            text += "): mean gap before the real treatment \(number: t.averageGapBeforeTreatment), pre-RMSPE \(number: t.preRMSPE)."
            blocks.append(.paragraph(text))
        }
        if let loo = r.leaveOneOut {
            blocks.append(
                .paragraph(
                    "\(strong: "Leave one out"): " + ReportText.joined(loo.map { "without \($0.donor): \(number: $0.averageEffect)" }, separator: "; ") + "."))
        }
        blocks += [
            .figure(ReportFigure(fileName: "path.svg", caption: "Treated and synthetic paths", svg: path.render())),
            .figure(
                ReportFigure(
                    fileName: "gaps.svg",
                    caption: r.conformal != nil
                        ? "Gaps with conformal intervals"
                        : r.predictionIntervals != nil
                            ? "Gaps with prediction intervals (per period, darker; simultaneous, lighter)"
                            : placebo != nil ? "Gaps with placebo gaps" : "Gaps",
                    svg: gapChart.render())),
            .figure(ReportFigure(fileName: "weights.svg", caption: "Donor weights", svg: bars.render()))
        ]
        return MethodOutput(
            result: r, blocks: blocks, attachments: attachments, warnings: r.warnings.map(\.message),
            keyEstimates: [KeyEstimate("average gap after treatment (\(r.treated))", r.effect)])
    }
}

extension SyntheticControlPresenter {
    /// How V was chosen out of sample, and the training predictors' V carried to the main fit.
    static func crossValidationBlocks(_ cv: SyntheticControlStudy.CrossValidation?) -> [ReportBlock] {
        guard let cv else { return [] }
        let span = "\(formatNumber(cv.fitPeriods.min() ?? .nan))–\(formatNumber(cv.fitPeriods.max() ?? .nan))"
        return [
            .paragraph(
                "Predictor weights V were chosen out of sample (Abadie, Diamond & Hainmueller 2015): on training predictors, V minimised the outcome's MSPE over \(span) (\(number: cv.lossV)); the weights below use that V with the main predictors."
            ),
            .table(
                ReportTable(
                    fileName: "cross_validation.csv", caption: "Training predictors and the V carried to the main fit",
                    columns: [.init("training predictor", .left), .init("V"), .init("main predictor", .left)],
                    rows: zip(cv.predictors, cv.mainPredictors).map { [.text($0.predictor), .number($0.weight), .text($1)] }))
        ]
    }
}
