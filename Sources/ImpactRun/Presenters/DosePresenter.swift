import DoseResponse
import EstimationCore
import Foundation
import Matching
import Plotting
import Reporting
import StaggeredDiD
import Tabular

/// The report of a `dose` analysis: the dose distribution, what each estimator did, its balance
/// or outcome model, the curve (table, plot, slope), dose bands, and for a DiD with a dose the
/// overall effects, event study and cells.
enum DosePresenter {
    typealias Result = DoseResponseAnalysis.Result

    static func output(_ r: Result, _ spec: DoseResponseAnalysis.Specification, name: String) -> MethodOutput<Result> {
        let percent = ConfidenceLevel.percent(r.level)
        var blocks: [ReportBlock] = [.paragraph(doseParagraph(r))]
        var attachments: [ReportTable] = []
        if let did = r.did {
            blocks += didBlocks(did, r, spec, percent: percent)
        } else {
            blocks += estimatorBlocks(r, spec, name: name)
            if let w = r.unitDoses?.weights, let u = r.unitDoses {
                attachments.append(
                    ReportTable(
                        fileName: "weights.csv", headers: ["row", "dose", "weight"],
                        rows: u.rows.indices.map { [.integer(u.rows[$0] + 1), .number(u.doses[$0]), .number(w[$0])] }))
            }
            if let bands = r.bands { blocks.append(.table(bandsTable(bands, percent: percent))) }
        }
        let curve = r.curve, did = r.did != nil
        let slopes = curve.points.contains { $0.slope != nil }
        blocks.append(.table(Self.curveTable(curve, percent: percent, slopes: slopes, did: did)))
        blocks.append(.figure(Self.curveFigure(curve, name: name, dose: r.dose, outcome: r.outcome, slope: false, did: did)))
        if curve.points.contains(where: { $0.slope?.standardError != nil }) {
            blocks.append(.figure(Self.curveFigure(curve, name: name, dose: r.dose, outcome: r.outcome, slope: true, did: did)))
        }
        blocks.append(.figure(Self.histogram(r.unitDoses?.doses ?? [], name: name, dose: r.dose, grid: curve.doses)))
        if let d = r.did {
            blocks.append(.table(Self.eventStudyTable(d.eventStudy, percent: percent)))
            attachments.append(cellsTable(d))
        }
        blocks += (r.notes + readingNotes(r, percent: percent)).map { .note(ReportText(stringLiteral: $0)) }
        // The headline of a DiD with a dose: the average causal response per unit of dose, then the overall ATT.
        let key = r.did.map { [KeyEstimate("overall ACRT (per unit of dose)", $0.overallACRT), KeyEstimate("overall ATT", $0.overallATT)] } ?? []
        return MethodOutput(result: r, blocks: blocks, attachments: attachments, warnings: r.warnings.map(\.message), keyEstimates: key)
    }

    static func doseParagraph(_ r: Result) -> ReportText {
        let s = r.doseSummary
        return
            "Dose \(code: r.dose): \(r.unitDoses?.doses.count ?? 0) units, from \(number: s.minimum) to \(number: s.maximum) (median \(number: s.median), interquartile range \(number: s.lowerQuartile)–\(number: s.upperQuartile))."
    }

    /// How to read the shading and the intervals (report only).
    static func readingNotes(_ r: Result, percent: String) -> [String] {
        var notes: [String] = []
        if let c = r.curve.criticalValue {
            notes.append(
                "Shaded: the pointwise \(percent) interval (dark) and the simultaneous \(percent) band over the whole grid (light; sup-t critical value \(ReportFormat.number(c)) instead of \(ReportFormat.number(ConfidenceLevel.normalCritical(r.level))))."
            )
        } else {
            notes.append("Shaded: the pointwise \(percent) interval at each dose; it is not a band for the whole curve.")
        }
        if let p = r.curve.points.first?.effect.inference { notes.append("Uncertainty: \(p.summary).") }
        return notes
    }

    static func didBlocks(_ d: DoseResponseAnalysis.DiDSummary, _ r: Result, _ spec: DoseResponseAnalysis.Specification, percent: String) -> [ReportBlock] {
        let never = d.controlGroup == CallawaySantAnna.ControlGroup.never.rawValue
        var text: ReportText =
            "Difference-in-differences with a continuous dose (Callaway, Goodman-Bacon & Sant'Anna 2024, as R contdid): \(d.treatedUnits) treated units with a positive \(code: spec.dose) and \(r.units - d.treatedUnits) never-treated units, compared with \(never ? "the never-treated units" : "units not yet treated (never-treated ones included)"); ATT(d) and ACRT(d) from a degree-\(d.degree) B-spline with \(d.knots.count) interior knot(s), averaged over post-treatment (group, period) cells with weights P(G = g | treated)/(post periods of g)."
        if !spec.covariates.isEmpty {
            text +=
                " Covariates (base-period values) enter by regression adjustment within each cell: the comparison units' change in the outcome is regressed on them, and the treated units' change less its prediction is modelled in the dose."
        }
        let overall = ReportTable(
            fileName: "overall.csv", caption: "Overall effects",
            columns: [.init("parameter", .left), .init("estimate"), .init("std. error"), .init("p"), .init("\(percent) CI", .left)],
            rows: [d.overallATT, d.overallACRT].map { e in
                [.text(e.term ?? ""), .number(e.estimate), .number(e.standardError), .pValue(e.pValue), .interval(e.lower, e.upper)]
            })
        return [.paragraph(text), .table(overall)]
    }

    static func estimatorBlocks(_ r: Result, _ spec: DoseResponseAnalysis.Specification, name: String) -> [ReportBlock] {
        let doseLabel = r.dose
        if let fit = r.gps {
            let degree = spec.degree ?? 2
            let units = r.units, all = r.units + r.outcomeMissing
            return [
                .paragraph(
                    "Generalised propensity score (Hirano & Imbens 2004): a normal linear model of \(spec.transform == .log ? "log " : "")\(code: doseLabel) on the covariates (σ̂² = SSR/n); the outcome modelled in the dose and the score (polynomials of degree \(degree) and their product); the curve averages the outcome model over all units at each dose. \(units) units in the outcome model\(r.outcomeMissing > 0 ? "; \(all) in the dose model (\(r.outcomeMissing) without an outcome, used for the score only)" : "")."
                ),
                .table(
                    ReportTable(
                        fileName: "outcome_model.csv", caption: "Outcome model (least squares)", columns: [.init("term", .left), .init("coefficient")],
                        rows: zip(fit.outcomeTerms, fit.outcomeCoefficients).map { [.code($0), .number($1)] }))
            ]
        }
        if let w = r.weighting { return weightingBlocks(w, r, spec, name: name) }
        if let dr = r.doublyRobust {
            return [
                .paragraph(
                    "Doubly robust curve (Kennedy, Ma, McHugh & Small 2017): pseudo-outcomes from a normal linear model of \(code: doseLabel) and a least-squares outcome model (covariates, a cubic spline of the dose, dose × covariates), smoothed by local linear regression with a Gaussian kernel; bandwidth \(number: dr.bandwidth)\(dr.undersmoothed ? " (leave-one-out cross-validation, multiplied by n^(−1/10) so that the smoothing bias is small against the standard error)" : " (as set)")."
                )
            ]
        }
        return []
    }

    static func weightingBlocks(_ w: DoseResponseAnalysis.WeightingSummary, _ r: Result, _ spec: DoseResponseAnalysis.Specification, name: String)
        -> [ReportBlock]
    {
        let doseLabel = r.dose, n = r.units + r.outcomeMissing
        let ess = w.balanceAfter.effectiveSampleSize
        let method: ReportText =
            spec.estimator == .entropy
            ? "Entropy balancing for a continuous dose (Tübbicke 2022): weights closest to uniform under which every covariate is uncorrelated with \(code: doseLabel) and the means are kept\(spec.moments == 2 ? " (and the variances)" : "")."
            : "Stabilised inverse-density weights f(T)/f(T | X) from normal models of \(code: doseLabel) (Robins, Hernán & Brumback 2000)."
        let paragraph =
            method
            + " The curve is a weighted least-squares fit of \(code: r.outcome) on a cubic B-spline of the dose with \(w.knots.count) interior knot(s); its slope is the spline's derivative. Effective sample size \(number: ess) of \(n)."
        let balance = ReportTable(
            fileName: "balance.csv",
            caption:
                "Treatment–covariate correlations before and after weighting (cobalt's definitions: after weighting, the weighted covariance over the unweighted SDs, which can exceed 1 in absolute value)",
            columns: [.init("variable", .left), .init("mean"), .init("r before"), .init("r after (weighted cov. / unweighted SDs)")],
            rows: zip(w.balanceBefore.rows, w.balanceAfter.rows).map { b, a in
                [.code(b.variable), .number(b.mean), .number(b.correlation), .number(a.correlation)]
            })
        var chart = DotChart(
            title: "\(name): treatment–covariate correlations", xLabel: "correlation with \(doseLabel)", categories: w.balanceBefore.rows.map(\.variable))
        chart.markers = [
            .init(name: "before", values: w.balanceBefore.rows.map(\.correlation), color: Palette.color(1), filled: false),
            .init(name: "after", values: w.balanceAfter.rows.map(\.correlation), color: Palette.color(0))
        ]
        chart.referenceLines = [(0, false), (-0.1, true), (0.1, true)]
        return [
            .paragraph(paragraph), .table(balance),
            .figure(ReportFigure(fileName: "balance.svg", caption: "Correlations with the dose before and after weighting", svg: chart.render()))
        ]
    }

    static func bandsTable(_ bands: DoseBands.Result, percent: String) -> ReportTable {
        ReportTable(
            fileName: "dose_bands.csv",
            caption: "Dose bands compared as categories: differences from the lowest band, adjusted for the covariates (least squares, HC1)",
            columns: [
                .init("band", .left), .init("units"), .init("mean dose"), .init("mean outcome"), .init("difference"), .init("std. error"),
                .init("\(percent) CI", .left)
            ],
            rows: bands.bands.map { b in
                [
                    .text(b.label), .integer(b.count), .number(b.meanDose), .number(b.meanOutcome), .number(b.effect?.estimate),
                    .number(b.effect?.standardError), .interval(b.effect?.lower, b.effect?.upper)
                ]
            })
    }

    static func cellsTable(_ d: DoseResponseAnalysis.DiDSummary) -> ReportTable {
        ReportTable(
            fileName: "cells.csv", headers: ["group", "time", "base_period", "pre", "treated", "comparison", "weight", "att", "acrt"],
            rows: d.cells.map {
                [
                    .number($0.group), .number($0.time), .number($0.basePeriod), .integer($0.pre ? 1 : 0), .integer($0.treated), .integer($0.comparison),
                    .number($0.weight), .number($0.att), .number($0.acrt)
                ]
            })
    }

    static func curveTable(_ curve: DoseResponseCurve, percent: String, slopes: Bool, did: Bool) -> ReportTable {
        let level = did ? "ATT(d)" : "curve"
        let slope = did ? "ACRT(d)" : "slope"
        var columns: [ReportTable.Column] = [
            .init("dose"), .init(level), .init("std. error"), .init("\(percent) CI", .left), .init("\(percent) band", .left)
        ]
        if slopes { columns += [.init(slope), .init("std. error"), .init("\(percent) CI", .left)] }
        let rows = curve.points.map { p -> [ReportTable.Cell] in
            var row: [ReportTable.Cell] = [
                .number(p.dose), .number(p.effect.estimate), .number(p.effect.standardError), .interval(p.effect.lower, p.effect.upper),
                .interval(p.bandLower, p.bandUpper)
            ]
            if slopes {
                row += [.number(p.slope?.estimate), .number(p.slope?.standardError), .interval(p.slope?.lower, p.slope?.upper)]
            }
            return row
        }
        return ReportTable(fileName: "curve.csv", caption: "The dose–response curve\(slopes ? " and its slope" : "")", columns: columns, rows: rows)
    }

    static func curveFigure(_ curve: DoseResponseCurve, name: String, dose: String, outcome: String, slope: Bool, did: Bool) -> ReportFigure {
        let x = curve.doses
        let what = slope ? (did ? "ACRT(d), the slope" : "slope of the curve") : (did ? "ATT(d)" : "mean \(outcome)")
        var chart = LineChart(
            title: "\(name): \(slope ? (did ? "average causal response" : "slope") : (did ? "effect by dose" : "dose–response curve"))", xLabel: dose,
            yLabel: what)
        let estimates = slope ? curve.points.map { $0.slope?.estimate ?? .nan } : curve.effects
        let lower = curve.points.map { (slope ? $0.slope?.lower : $0.effect.lower) ?? .nan }
        let upper = curve.points.map { (slope ? $0.slope?.upper : $0.effect.upper) ?? .nan }
        let bandLower = curve.points.map { (slope ? $0.slopeBandLower : $0.bandLower) ?? .nan }
        let bandUpper = curve.points.map { (slope ? $0.slopeBandUpper : $0.bandUpper) ?? .nan }
        if bandLower.contains(where: { $0.isFinite }) {
            chart.bands.append(.init(x: x, low: bandLower, high: bandUpper, color: Palette.color(0), opacity: 0.12))
        }
        chart.bands.append(.init(x: x, low: lower, high: upper, color: Palette.color(0), opacity: 0.25))
        chart.series = [.init(name: slope ? "slope" : (did ? "ATT(d)" : "curve"), x: x, y: estimates, color: Palette.color(0), width: 2.2)]
        if slope || did { chart.horizontalLines = [(0, "")] }
        let caption =
            slope
            ? "The slope with its pointwise interval (dark) and simultaneous band (light)"
            : "The curve with its pointwise interval (dark) and simultaneous band (light)"
        return ReportFigure(fileName: slope ? "slope.svg" : "curve.svg", caption: caption, svg: chart.render())
    }

    /// A histogram of the doses in 20 equal bins, with the curve's grid range marked in the caption.
    static func histogram(_ doses: [Double], name: String, dose: String, grid: [Double]) -> ReportFigure {
        let lo = doses.min() ?? 0, hi = doses.max() ?? 1
        let bins = 20
        let width = hi > lo ? (hi - lo) / Double(bins) : 1
        var counts = [Double](repeating: 0, count: bins)
        for d in doses { counts[min(bins - 1, max(0, Int((d - lo) / width)))] += 1 }
        let labels = (0..<bins).map { ReportFormat.number(lo + (Double($0) + 0.5) * width) }
        let chart = BarChart(title: "\(name): distribution of \(dose)", xLabel: "units", categories: labels, values: counts)
        let caption =
            "The dose distribution (20 equal bins, labelled by their midpoints); the curve is reported from \(ReportFormat.number(grid.min() ?? lo)) to \(ReportFormat.number(grid.max() ?? hi))"
        return ReportFigure(fileName: "dose.svg", caption: caption, svg: chart.render())
    }

    static func eventStudyTable(_ rows: [ContinuousDiD.EventTime], percent: String) -> ReportTable {
        ReportTable(
            fileName: "event_study.csv", caption: "Event study: ATT and ACRT by periods since adoption (pre-periods: placebo comparisons)",
            columns: [
                .init("event time"), .init("ATT"), .init("std. error"), .init("\(percent) CI", .left), .init("ACRT"), .init("std. error"),
                .init("\(percent) CI", .left)
            ],
            rows: rows.map { r in
                [
                    .integer(r.eventTime), .number(r.att.estimate), .number(r.att.standardError), .interval(r.att.lower, r.att.upper),
                    .number(r.acrt.estimate), .number(r.acrt.standardError), .interval(r.acrt.lower, r.acrt.upper)
                ]
            })
    }
}
