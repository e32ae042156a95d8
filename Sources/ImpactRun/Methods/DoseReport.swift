import DoseResponse
import EstimationCore
import Foundation
import Matching
import Plotting
import Reporting
import StaggeredDiD
import Tabular

/// `results.json` entry of a `dose` analysis: the curve as rows of dose, estimate, lower and upper
/// (inside each point's `effect`), the simultaneous band, the slope, and each estimator's details.
public struct DoseAnalysisResult: Encodable, Sendable {
    public struct DoseSummary: Encodable, Sendable {
        public let minimum: Double, lowerQuartile: Double, median: Double, upperQuartile: Double, maximum: Double, mean: Double
    }
    public struct WeightingSummary: Encodable, Sendable {
        public let method: String
        public let balanceBefore: DoseBalanceTable
        public let balanceAfter: DoseBalanceTable
        public let knots: [Double]
    }
    public struct DoublyRobustSummary: Encodable, Sendable {
        public let bandwidth: Double
        public let undersmoothed: Bool
        public let bandwidths: [Double]
        public let risks: [Double]
    }
    public struct DiDSummary: Encodable, Sendable {
        public let overallATT: Estimate
        public let overallACRT: Estimate
        public let eventStudy: [ContinuousDiD.EventTime]
        public let cells: [ContinuousDiD.Cell]
        public let knots: [Double]
        public let treatedUnits: Int
        public let controlGroup: String
    }

    public let estimator: String
    public let dose: String
    public let outcome: String
    public let units: Int
    public let droppedRows: Int
    /// Units in the dose model without an outcome (`gps`: they inform the score, not the outcome model).
    public let outcomeMissing: Int
    public let doseSummary: DoseSummary
    public let curve: DoseResponseCurve
    public let bootstrapDraws: Int?
    public let gps: GeneralizedPropensityScore.Fit?
    public let weighting: WeightingSummary?
    public let doublyRobust: DoublyRobustSummary?
    public let did: DiDSummary?
    public let bands: DoseBands.Result?
    public let notes: [String]
}

/// Runs a `dose` analysis and builds its report.
enum DoseReport {
    static func run(_ a: DoseAnalysis, _ context: RunContext) throws -> MethodOutput<DoseAnalysisResult> {
        let table = context.data.table
        let name = context.analysis.name
        var warnings: [String] = []
        var notes: [String] = []
        var blocks: [ReportBlock] = []
        var attachments: [ReportTable] = []
        let doseLabel = a.denominator.map { "\(a.dose) / \($0)" } ?? a.dose
        var doses: [Double]
        var curve: DoseResponseCurve
        var units: Int, dropped: Int, outcomeMissing = 0
        var gps: GeneralizedPropensityScore.Fit?, weighting: DoseAnalysisResult.WeightingSummary?
        var dr: DoseAnalysisResult.DoublyRobustSummary?, did: DoseAnalysisResult.DiDSummary?, bands: DoseBands.Result?
        var draws: Int?
        let percent = ConfidenceLevel.percent(a.level)

        if let panel = a.panel {
            var spec = ContinuousDiD.Specification(outcome: a.outcome, unit: panel.unit, time: panel.time, adoption: panel.adoption, dose: a.dose)
            spec.controlGroup = a.controlGroup
            spec.covariates = a.covariates
            spec.degree = a.degree ?? 3
            spec.knots = a.knots
            spec.grid = a.grid
            spec.level = a.level
            spec.replications = a.replications
            spec.seed = context.seed
            spec.threads = context.threads
            let r = try ContinuousDiD.estimate(spec, table: table)
            curve = r.curve
            units = r.units
            dropped = r.droppedUnits
            let unitDoses = Self.unitDoses(table, unit: panel.unit, dose: a.dose, adoption: panel.adoption)
            doses = unitDoses
            warnings += r.warnings.map(\.message)
            notes.append(ContinuousDiD.assumptions)
            did = .init(
                overallATT: r.overallATT, overallACRT: r.overallACRT, eventStudy: r.eventStudy, cells: r.cells, knots: r.basis.interiorKnots,
                treatedUnits: r.treatedUnits, controlGroup: a.controlGroup.rawValue)
            blocks.append(
                .paragraph(
                    "Difference-in-differences with a continuous dose (Callaway, Goodman-Bacon & Sant'Anna 2024, as R contdid): \(r.treatedUnits) treated units with a positive \(code: a.dose) and \(r.units - r.treatedUnits) never-treated units, compared with \(a.controlGroup == .never ? "the never-treated units" : "units not yet treated (never-treated ones included)"); ATT(d) and ACRT(d) from a degree-\(spec.degree) B-spline with \(r.basis.interiorKnots.count) interior knot(s), averaged over post-treatment (group, period) cells with weights P(G = g | treated)/(post periods of g)."
                        + (a.covariates.isEmpty
                            ? ""
                            : " Covariates (base-period values) enter by regression adjustment within each cell: the comparison units' change in the outcome is regressed on them, and the treated units' change less its prediction is modelled in the dose.")
                ))
            blocks.append(
                .table(
                    ReportTable(
                        fileName: "overall.csv", caption: "Overall effects",
                        columns: [.init("parameter", .left), .init("estimate"), .init("std. error"), .init("p"), .init("\(percent) CI", .left)],
                        rows: [r.overallATT, r.overallACRT].map { e in
                            [.text(e.term ?? ""), .number(e.estimate), .number(e.standardError), .pValue(e.pValue), .interval(e.lower, e.upper)]
                        })))
        } else {
            let data: DoseData
            do {
                data = try DoseData(
                    table, dose: a.dose, outcome: a.outcome, covariates: a.covariates, factors: a.factors, denominator: a.denominator,
                    outcomeMayBeMissing: a.estimator == .gps)
            } catch { throw RunnerMessage("\(error)") }
            doses = data.dose
            units = data.outcomeObserved.filter { $0 }.count
            dropped = data.droppedRows
            outcomeMissing = data.count - units
            switch a.estimator {
            case .gps:
                var s = GeneralizedPropensityScore.Specification()
                s.transform = a.transform
                s.degree = a.degree ?? 2
                s.commonSupportGroups = a.commonSupport
                Self.share(a, context, &s)
                let r = try GeneralizedPropensityScore.estimate(data, s)
                curve = r.curve
                gps = r.fit
                draws = r.bootstrapDraws
                if r.failedDraws > 0 { warnings.append("\(r.failedDraws) of \(a.replications) bootstrap draws could not be fitted and were left out.") }
                if r.fit.trimmed > 0 {
                    notes.append("Common support: \(r.fit.trimmed) units outside the overlap of the generalised propensity score were left out.")
                }
                blocks.append(
                    .paragraph(
                        "Generalised propensity score (Hirano & Imbens 2004): a normal linear model of \(a.transform == .log ? "log " : "")\(code: doseLabel) on the covariates (σ̂² = SSR/n); the outcome modelled in the dose and the score (polynomials of degree \(s.degree) and their product); the curve averages the outcome model over all units at each dose. \(units) units in the outcome model\(outcomeMissing > 0 ? "; \(data.count) in the dose model (\(outcomeMissing) without an outcome, used for the score only)" : "")."
                    ))
                blocks.append(
                    .table(
                        ReportTable(
                            fileName: "outcome_model.csv", caption: "Outcome model (least squares)",
                            columns: [.init("term", .left), .init("coefficient")],
                            rows: zip(r.fit.outcomeTerms, r.fit.outcomeCoefficients).map { [.code($0), .number($1)] })))
            case .weighting, .entropy:
                var s = DoseWeighting.Specification()
                s.method = a.estimator == .entropy ? .entropy : .inverseDensity
                s.moments = a.moments
                s.knots = a.knots
                Self.share(a, context, &s)
                let r = try DoseWeighting.estimate(data, s)
                curve = r.curve
                draws = r.bootstrapDraws
                weighting = .init(method: r.method.rawValue, balanceBefore: r.balanceBefore, balanceAfter: r.balanceAfter, knots: r.basis.interiorKnots)
                if r.failedDraws > 0 { warnings.append("\(r.failedDraws) of \(a.replications) bootstrap draws could not be fitted and were left out.") }
                let worst = r.balanceAfter.rows.map { abs($0.correlation) }.max() ?? 0
                if worst > 0.1 {
                    warnings.append(
                        "Weighting leaves a treatment–covariate correlation of \(ReportFormat.number(worst)) (above 0.1): the curve may still be confounded.")
                }
                let ess = r.balanceAfter.effectiveSampleSize
                if ess < 0.1 * Double(data.count) {
                    warnings.append("The weights' effective sample size is \(ReportFormat.number(ess)) of \(data.count) units: a few units carry the curve.")
                } else if ess < 0.5 * Double(data.count) && a.replications > 0 {
                    warnings.append(
                        "The weights' effective sample size is \(ReportFormat.number(ess)) of \(data.count) units (below half): bootstrap standard errors tend to be too small where the weights are heaviest, at the ends of the dose range, so the intervals there may be too narrow."
                    )
                }
                blocks.append(
                    .paragraph(
                        (a.estimator == .entropy
                            ? "Entropy balancing for a continuous dose (Tübbicke 2022): weights closest to uniform under which every covariate is uncorrelated with \(code: doseLabel) and the means are kept\(a.moments == 2 ? " (and the variances)" : "")."
                            : "Stabilised inverse-density weights f(T)/f(T | X) from normal models of \(code: doseLabel) (Robins, Hernán & Brumback 2000).")
                            + " The curve is a weighted least-squares fit of \(code: a.outcome) on a cubic B-spline of the dose with \(a.knots) interior knot(s); its slope is the spline's derivative. Effective sample size \(number: ess) of \(data.count)."
                    ))
                let balance = ReportTable(
                    fileName: "balance.csv",
                    caption:
                        "Treatment–covariate correlations before and after weighting (cobalt's definitions: after weighting, the weighted covariance over the unweighted SDs, which can exceed 1 in absolute value)",
                    columns: [.init("variable", .left), .init("mean"), .init("r before"), .init("r after (weighted cov. / unweighted SDs)")],
                    rows: zip(r.balanceBefore.rows, r.balanceAfter.rows).map { b, w in
                        [.code(b.variable), .number(b.mean), .number(b.correlation), .number(w.correlation)]
                    })
                blocks.append(.table(balance))
                var chart = DotChart(
                    title: "\(name): treatment–covariate correlations", xLabel: "correlation with \(doseLabel)",
                    categories: r.balanceBefore.rows.map(\.variable))
                chart.markers = [
                    .init(name: "before", values: r.balanceBefore.rows.map(\.correlation), color: Palette.color(1), filled: false),
                    .init(name: "after", values: r.balanceAfter.rows.map(\.correlation), color: Palette.color(0))
                ]
                chart.referenceLines = [(0, false), (-0.1, true), (0.1, true)]
                blocks.append(
                    .figure(ReportFigure(fileName: "balance.svg", caption: "Correlations with the dose before and after weighting", svg: chart.render())))
                attachments.append(
                    ReportTable(
                        fileName: "weights.csv", headers: ["row", "dose", "weight"],
                        rows: data.rows.indices.map { [.integer(data.rows[$0] + 1), .number(data.dose[$0]), .number(r.weights[$0])] }))
            case .dr:
                var s = DoublyRobustDoseResponse.Specification()
                s.bandwidth = a.bandwidth
                s.knots = a.knots
                Self.share(a, context, &s)
                let r = try DoublyRobustDoseResponse.estimate(data, s)
                curve = r.curve
                draws = r.bootstrapDraws
                dr = .init(bandwidth: r.bandwidth, undersmoothed: a.bandwidth == nil, bandwidths: r.bandwidths, risks: r.risks)
                if r.bandwidthAtBoundary {
                    warnings.append(
                        "Cross-validation chose the \(r.bandwidth == r.bandwidths.first ? "smallest" : "largest") bandwidth tried: set 'bandwidth' after inspecting the curve."
                    )
                }
                blocks.append(
                    .paragraph(
                        "Doubly robust curve (Kennedy, Ma, McHugh & Small 2017): pseudo-outcomes from a normal linear model of \(code: doseLabel) and a least-squares outcome model (covariates, a cubic spline of the dose, dose × covariates), smoothed by local linear regression with a Gaussian kernel; bandwidth \(number: r.bandwidth)\(a.bandwidth == nil ? " (leave-one-out cross-validation, multiplied by n^(−1/10) so that the smoothing bias is small against the standard error)" : " (as set)")."
                    ))
                notes.append("The doubly robust curve's slope is the local linear fit's, shown without an interval.")
            case .did:
                fatalError("did is handled above")
            }
            if let cuts = a.bands {
                do { bands = try DoseBands.compare(data, cutpoints: cuts, level: a.level) } catch { throw RunnerMessage("bands: \(error)") }
                blocks.append(
                    .table(
                        ReportTable(
                            fileName: "dose_bands.csv",
                            caption: "Dose bands compared as categories: differences from the lowest band, adjusted for the covariates (least squares, HC1)",
                            columns: [
                                .init("band", .left), .init("units"), .init("mean dose"), .init("mean outcome"), .init("difference"), .init("std. error"),
                                .init("\(percent) CI", .left)
                            ],
                            rows: bands!.bands.map { b in
                                [
                                    .text(b.label), .integer(b.count), .number(b.meanDose), .number(b.meanOutcome), .number(b.effect?.estimate),
                                    .number(b.effect?.standardError), .interval(b.effect?.lower, b.effect?.upper)
                                ]
                            })))
            }
        }
        // The curve: table, plots.
        let slopes = curve.points.contains { $0.slope != nil }
        blocks.append(.table(Self.curveTable(curve, percent: percent, slopes: slopes, did: a.estimator == .did)))
        blocks.append(.figure(Self.curveFigure(curve, name: name, dose: doseLabel, outcome: a.outcome, slope: false, did: a.estimator == .did)))
        if curve.points.contains(where: { $0.slope?.standardError != nil }) {
            blocks.append(.figure(Self.curveFigure(curve, name: name, dose: doseLabel, outcome: a.outcome, slope: true, did: a.estimator == .did)))
        }
        blocks.append(.figure(Self.histogram(doses, name: name, dose: doseLabel, grid: curve.doses)))
        if let did {
            blocks.append(.table(Self.eventStudyTable(did.eventStudy, percent: percent)))
            attachments.append(
                ReportTable(
                    fileName: "cells.csv", headers: ["group", "time", "base_period", "pre", "treated", "comparison", "weight", "att", "acrt"],
                    rows: did.cells.map {
                        [
                            .number($0.group), .number($0.time), .number($0.basePeriod), .integer($0.pre ? 1 : 0), .integer($0.treated),
                            .integer($0.comparison), .number($0.weight), .number($0.att), .number($0.acrt)
                        ]
                    }))
        }
        if let c = curve.criticalValue {
            notes.append(
                "Shaded: the pointwise \(percent) interval (dark) and the simultaneous \(percent) band over the whole grid (light; sup-t critical value \(ReportFormat.number(c)) instead of \(ReportFormat.number(ConfidenceLevel.normalCritical(a.level))))."
            )
        } else {
            notes.append("Shaded: the pointwise \(percent) interval at each dose; it is not a band for the whole curve.")
        }
        if let p = curve.points.first?.effect.inference { notes.append("Uncertainty: \(p.summary).") }
        let quantile = { (p: Double) in WeightedStatistics.quantile(doses, p) }
        let summary = DoseAnalysisResult.DoseSummary(
            minimum: doses.min() ?? .nan, lowerQuartile: quantile(0.25), median: quantile(0.5), upperQuartile: quantile(0.75), maximum: doses.max() ?? .nan,
            mean: WeightedStatistics.mean(doses))
        let lo = doses.min() ?? 0, hi = doses.max() ?? 0
        if a.estimator != .did, let outside = DoseGrid.extrapolation(curve.doses, lo: lo, hi: hi, what: "observed doses") {
            warnings.append(outside.message)
        }
        blocks.insert(
            .paragraph(
                "Dose \(code: doseLabel): \(doses.count) units, from \(number: summary.minimum) to \(number: summary.maximum) (median \(number: summary.median), interquartile range \(number: summary.lowerQuartile)–\(number: summary.upperQuartile))."
            ), at: 0)
        blocks += notes.filter { !$0.isEmpty }.map { .note(ReportText(stringLiteral: $0)) }
        let result = DoseAnalysisResult(
            estimator: a.estimator.rawValue, dose: doseLabel, outcome: a.outcome, units: units, droppedRows: dropped, outcomeMissing: outcomeMissing,
            doseSummary: summary,
            curve: curve, bootstrapDraws: draws, gps: gps, weighting: weighting, doublyRobust: dr, did: did, bands: bands,
            notes: notes.filter { !$0.isEmpty })
        // The headline of a DiD with a dose: the average causal response per unit of dose, then the overall ATT.
        let key = did.map { [KeyEstimate("overall ACRT (per unit of dose)", $0.overallACRT), KeyEstimate("overall ATT", $0.overallATT)] } ?? []
        return MethodOutput(result: result, blocks: blocks, attachments: attachments, warnings: warnings, keyEstimates: key)
    }

    /// The settings every cross-sectional estimator takes from the analysis and the run.
    static func share<S: DoseCurveSettings>(_ a: DoseAnalysis, _ context: RunContext, _ s: inout S) {
        s.grid = a.grid
        s.level = a.level
        s.replications = a.replications
        s.seed = context.seed
        s.threads = context.threads
    }

    /// Each unit's dose (first row of the unit) among treated units, for the dose distribution of a panel.
    static func unitDoses(_ table: Table, unit: String, dose: String, adoption: String) -> [Double] {
        guard let ids = try? table.strings(unit), let d = try? table.numeric(dose), let g = try? table.numeric(adoption) else { return [] }
        var seen = Set<String>()
        var out: [Double] = []
        for i in 0..<table.rowCount {
            guard let id = ids[i], seen.insert(id).inserted else { continue }
            if g[i] > 0 && d[i] > 0 { out.append(d[i]) }
        }
        return out
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
