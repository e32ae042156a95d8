import Foundation
import Distributions
import LinearAlgebra
import Plotting
import SyntheticControl
import Tabular

/// `results.json` entry of a single-unit `synth` or `augsynth` analysis.
public struct SyntheticControlResult: Encodable, Sendable {
    public struct Weight: Encodable, Sendable { public let donor: String; public let weight: Double }
    public struct Predictor: Encodable, Sendable {
        public let predictor: String
        public let weight: Double?
        public let treated: Double
        public let synthetic: Double
        public let donorMean: Double
    }
    public struct Period: Encodable, Sendable {
        public let period: Double
        public let treated: Double
        public let synthetic: Double
        public let gap: Double
    }
    public struct Placebo: Encodable, Sendable {
        public let rank: Int
        public let pValue: Double
        public let includedUnits: Int
        public let exclusionMultiple: Double?
        public let units: [PlaceboInSpace.Unit]
        public let periodPValues: [Double]
    }
    public struct InTime: Encodable, Sendable {
        public let placeboTime: Double
        public let droppedPredictors: [String]
        public let preRMSPE: Double
        /// Mean gap between the placebo time and the real treatment time (should be near zero).
        public let averageGapBeforeTreatment: Double
    }
    public struct LeaveOneOut: Encodable, Sendable {
        public let donor: String
        public let averageEffect: Double
        public let preRMSPE: Double
    }

    public let estimator: String
    public let treated: String
    public let treatmentTime: Double
    public let weights: [Weight]
    public let predictors: [Predictor]
    public let lossV: Double?
    public let lossW: Double?
    public let starts: [StartResult]
    public let ridgeLambda: Double?
    public let preRMSPE: Double
    public let postRMSPE: Double
    public let averageEffect: Double
    public let effectWindow: [Double]?
    public let periods: [Period]
    public let placebo: Placebo?
    public let placeboInTime: InTime?
    public let leaveOneOut: [LeaveOneOut]?
}

/// Runs `synth` and `augsynth` analyses (staggered designs and `sdid` live in their own files).
enum SyntheticControlRunner {
    static func panel(_ data: LoadedData, unit: String, time: String) throws -> Panel {
        do { return try Panel(data.table, unit: unit, time: time) } catch { throw RunnerMessage("\(error)") }
    }

    static func run(_ analysis: AnalysisSpec, settings s: SyntheticControlSettings, data: LoadedData, seed: UInt64,
                    threads: Int) throws -> AnalysisOutput {
        let p = try panel(data, unit: s.unit, time: s.time)
        if let adoption = s.adoption { return try staggered(analysis, settings: s, panel: p, adoption: adoption, seed: seed, threads: threads) }
        let problem = try SyntheticControlProblem(panel: p, outcome: s.outcome, treated: s.treated!, treatmentTime: s.treatmentTime!,
                                                  donors: s.donors, exclude: s.exclude, predictors: s.predictors, fitPeriods: s.fitPeriods)
        var options = s.options
        options.seed = seed
        options.threads = threads
        let window = s.effectWindow.map { ($0.min()!)...($0.max()!) }
        let weights: [Double], synthetic: [Double], gaps: [Double]
        var lossV: Double?, lossW: Double?, starts: [StartResult] = [], v: [Double]?, lambda: Double?
        var placebo: PlaceboInSpace?
        var inTime: SyntheticControlResult.InTime?
        var loo: [SyntheticControlResult.LeaveOneOut]?
        let estimator: String
        if s.augmented {
            let fit = try AugmentedSyntheticControl.fit(problem, lambda: s.lambda)
            weights = fit.weights; synthetic = fit.synthetic; gaps = fit.gaps; lambda = fit.lambda
            if s.placebo { placebo = try fit.placeboInSpace(threads: threads, fixedLambda: s.lambda != nil) }
            estimator = "augmented synthetic control (ridge, λ = \(Report.number(fit.lambda)))"
        } else {
            let fit = try SyntheticControl.fit(problem, options: options)
            weights = fit.weights; synthetic = fit.synthetic; gaps = fit.gaps
            lossV = fit.lossV; lossW = fit.lossW; starts = fit.starts; v = fit.predictorWeights
            if s.placebo { placebo = try fit.placeboInSpace(options: options, excludeAbove: s.excludeAbove) }
            if let t = s.placeboTime {
                let (f, dropped) = try fit.placeboInTime(at: t, options: options)
                let between = f.problem.periods.indices.filter { f.problem.periods[$0] >= t && f.problem.periods[$0] < problem.treatmentTime }
                let g = f.gaps
                inTime = .init(placeboTime: t, droppedPredictors: dropped, preRMSPE: f.preRMSPE,
                               averageGapBeforeTreatment: between.reduce(0) { $0 + g[$1] } / Double(max(between.count, 1)))
            }
            if s.leaveOneOut {
                loo = try fit.leaveOneOut(options: options).map { .init(donor: $0.donor, averageEffect: $0.fit.averageEffect(window: window), preRMSPE: $0.fit.preRMSPE) }
            }
            estimator = v == nil ? "synthetic control (outcome only)" : "synthetic control (nested V)"
        }
        let pre = problem.prePeriodIndices
        let post = problem.postPeriodIndices.filter { window?.contains(problem.periods[$0]) ?? true }
        let rms = { (idx: [Int]) in (idx.reduce(0) { $0 + gaps[$1] * gaps[$1] } / Double(max(idx.count, 1))).squareRoot() }
        let average = post.reduce(0) { $0 + gaps[$1] } / Double(max(post.count, 1))
        let synthX = problem.x0.multiplied(by: weights)
        let result = SyntheticControlResult(
            estimator: estimator, treated: problem.treatedUnit, treatmentTime: problem.treatmentTime,
            weights: zip(problem.donors, weights).map { .init(donor: $0, weight: $1) },
            predictors: s.augmented ? [] : problem.predictors.indices.map { k in
                let row = problem.x0.row(k)
                return .init(predictor: problem.predictors[k].label, weight: v?[k], treated: problem.x1[k], synthetic: synthX[k],
                             donorMean: row.reduce(0, +) / Double(row.count))
            },
            lossV: lossV, lossW: lossW, starts: starts, ridgeLambda: lambda,
            preRMSPE: rms(pre), postRMSPE: rms(problem.postPeriodIndices), averageEffect: average, effectWindow: s.effectWindow,
            periods: problem.periods.indices.map { .init(period: problem.periods[$0], treated: problem.y1[$0], synthetic: synthetic[$0], gap: gaps[$0]) },
            placebo: placebo.map { .init(rank: $0.rank, pValue: $0.pValue, includedUnits: $0.units.filter(\.included).count,
                                         exclusionMultiple: $0.exclusionMultiple, units: $0.units, periodPValues: $0.periodPValues) },
            placeboInTime: inTime, leaveOneOut: loo)
        return output(analysis, problem: problem, result: result, placebo: placebo)
    }

    static func output(_ analysis: AnalysisSpec, problem: SyntheticControlProblem, result r: SyntheticControlResult,
                       placebo: PlaceboInSpace?) -> AnalysisOutput {
        var tables = [
            OutputTable(fileName: "weights.csv", header: ["donor", "weight"],
                        rows: r.weights.map { [$0.donor, OutputTable.cell($0.weight)] }),
            OutputTable(fileName: "gaps.csv", header: ["period", "treated", "synthetic", "gap"],
                        rows: r.periods.map { [formatNumber($0.period), OutputTable.cell($0.treated), OutputTable.cell($0.synthetic), OutputTable.cell($0.gap)] }),
        ]
        if !r.predictors.isEmpty {
            tables.append(OutputTable(fileName: "predictors.csv", header: ["predictor", "v_weight", "treated", "synthetic", "donor_mean"],
                                      rows: r.predictors.map { [$0.predictor, OutputTable.cell($0.weight), OutputTable.cell($0.treated),
                                                                OutputTable.cell($0.synthetic), OutputTable.cell($0.donorMean)] }))
        }
        if let placebo {
            tables.append(OutputTable(fileName: "placebos.csv", header: ["unit", "treated", "pre_mspe", "post_mspe", "rmspe_ratio", "average_effect", "included"],
                                      rows: placebo.units.map { [$0.name, $0.isTreated ? "1" : "0", OutputTable.cell($0.preMSPE), OutputTable.cell($0.postMSPE),
                                                                 OutputTable.cell($0.ratio), OutputTable.cell($0.averageEffect), $0.included ? "1" : "0"] }))
            tables.append(OutputTable(fileName: "placebo_gaps.csv", header: ["period"] + placebo.units.map(\.name),
                                      rows: placebo.periods.indices.map { t in [formatNumber(placebo.periods[t])] + placebo.units.map { OutputTable.cell($0.gaps[t]) } }))
        }
        if let loo = r.leaveOneOut {
            tables.append(OutputTable(fileName: "leave_one_out.csv", header: ["dropped_donor", "average_effect", "pre_rmspe"],
                                      rows: loo.map { [$0.donor, OutputTable.cell($0.averageEffect), OutputTable.cell($0.preRMSPE)] }))
        }
        let times = r.periods.map(\.period)
        var path = LineChart(title: "\(r.treated) and its synthetic control", xLabel: "period", yLabel: problem.outcome)
        path.series = [LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.treated), color: Palette.color(0)),
                       LineChart.Series(name: "synthetic \(r.treated)", x: times, y: r.periods.map(\.synthetic), color: Palette.color(1), dashed: true)]
        path.verticalLines = [(r.treatmentTime, "treatment")]
        var gapChart = LineChart(title: "Gap: \(r.treated) minus synthetic" + (placebo == nil ? "" : ", with placebo gaps"),
                                 xLabel: "period", yLabel: "gap in \(problem.outcome)")
        if let placebo {
            for u in placebo.units.dropFirst() where u.included {
                gapChart.series.append(LineChart.Series(name: nil, x: times, y: u.gaps, color: Palette.muted, width: 1, opacity: 0.7))
            }
        }
        gapChart.series.append(LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.gap), color: Palette.color(0), width: 2.5))
        gapChart.horizontalLines = [(0, "")]
        gapChart.verticalLines = [(r.treatmentTime, "treatment")]
        let shown = r.weights.filter { abs($0.weight) > 1e-4 }.sorted { abs($0.weight) > abs($1.weight) }
        let bars = BarChart(title: "Donor weights", xLabel: "weight", categories: shown.map(\.donor), values: shown.map(\.weight))
        let plots = [OutputPlot(fileName: "path.svg", caption: "Treated and synthetic paths", svg: path.render()),
                     OutputPlot(fileName: "gaps.svg", caption: "Gaps with placebo gaps", svg: gapChart.render()),
                     OutputPlot(fileName: "weights.svg", caption: "Donor weights", svg: bars.render())]

        var md = "\(r.estimator.prefix(1).uppercased() + r.estimator.dropFirst()) for **\(r.treated)** (treated from \(formatNumber(r.treatmentTime))), "
        md += "\(r.weights.count) donors. Pre-treatment RMSPE \(Report.number(r.preRMSPE)); "
        md += "average gap after treatment \(Report.number(r.averageEffect))"
        if let w = r.effectWindow { md += " (window \(formatNumber(w.min()!))–\(formatNumber(w.max()!)))" }
        md += ".\n\n"
        if let l = r.lossV { md += "Pre-period loss (MSPE over the fit periods) \(Report.number(l))" + (r.lossW.map { "; predictor loss \(Report.number($0))" } ?? "") + ".\n\n" }
        if !r.starts.isEmpty {
            md += "Starts of the V search (best is used): " + r.starts.map { "\($0.name) \(Report.number($0.loss))" }.joined(separator: ", ") + ".\n\n"
        }
        md += "| donor | weight |\n|---|---:|\n"
        for w in shown { md += "| \(w.donor) | \(Report.number(w.weight)) |\n" }
        md += "\n"
        if !r.predictors.isEmpty {
            md += "| predictor | V | treated | synthetic | donor mean |\n|---|---:|---:|---:|---:|\n"
            for p in r.predictors {
                md += "| \(p.predictor) | \(p.weight.map(Report.number) ?? "") | \(Report.number(p.treated)) | \(Report.number(p.synthetic)) | \(Report.number(p.donorMean)) |\n"
            }
            md += "\n"
        }
        if let p = r.placebo {
            md += "**Placebo in space**: post/pre RMSPE ratio ranks \(p.rank) of \(p.includedUnits)"
            if let e = p.exclusionMultiple { md += " (placebos with pre-MSPE above \(formatNumber(e))× the treated unit's excluded)" }
            md += "; p = rank/(J+1) = \(Report.pValue(p.pValue)).\n\n"
        }
        if let t = r.placeboInTime {
            md += "**Placebo in time** (treatment moved to \(formatNumber(t.placeboTime)), predictor periods shifted back with it"
            if !t.droppedPredictors.isEmpty { md += "; dropped for lack of earlier data: \(t.droppedPredictors.joined(separator: ", "))" }
            md += "): mean gap before the real treatment \(Report.number(t.averageGapBeforeTreatment)), pre-RMSPE \(Report.number(t.preRMSPE)).\n\n"
        }
        if let loo = r.leaveOneOut {
            md += "**Leave one out**: " + loo.map { "without \($0.donor): \(Report.number($0.averageEffect))" }.joined(separator: "; ") + ".\n\n"
        }
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data, result: r,
                              tables: tables, plots: plots, report: md)
    }
}

/// A plain message error from a runner (the analysis name is added by `Runner`).
struct RunnerMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

