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

/// `results.json` entry of a staggered `synth` analysis.
public struct StaggeredResult: Encodable, Sendable {
    public struct UnitRow: Encodable, Sendable {
        public let unit: String
        public let members: [String]
        public let adoption: Double
        public let averageEffect: Double
        public let preRMSPE: Double
    }
    public struct EventTimeRow: Encodable, Sendable { public let eventTime: Int; public let summary: StaggeredSyntheticControl.Summary }
    public struct CohortRow: Encodable, Sendable { public let adoption: Double; public let summary: StaggeredSyntheticControl.Summary }
    public let level: String
    public let donorPool: String
    public let overall: StaggeredSyntheticControl.Summary
    public let units: [UnitRow]
    public let eventTime: [EventTimeRow]
    public let cohorts: [CohortRow]
    public let placeboDraws: Int
}

/// `results.json` entry of an `sdid` analysis.
public struct SyntheticDiDResult: Encodable, Sendable {
    public struct Weight: Encodable, Sendable { public let label: String; public let weight: Double }
    public let estimator: String
    public let estimate: Double
    public let standardError: Double?
    public let standardErrorMethod: String
    public let lower: Double?
    public let upper: Double?
    public let treated: [String]
    public let treatmentTime: Double
    public let unitWeights: [Weight]
    public let timeWeights: [Weight]
    public struct Effect: Encodable, Sendable { public let period: Double; public let effect: Double }
    public let effectCurve: [Effect]
    public let noiseLevel: Double
    public let zetaOmega: Double
}

/// Runs `synth`, `augsynth` and `sdid` analyses.
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
        gapChart.horizontalLines = [0]
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

    static func staggered(_ analysis: AnalysisSpec, settings s: SyntheticControlSettings, panel: Panel, adoption column: String,
                          seed: UInt64, threads: Int) throws -> AnalysisOutput {
        let values = try panel.table.numeric(column)
        var adoption: [String: Double] = [:]
        for (r, v) in values.enumerated() where !v.isNaN && v != 0 {
            let u = panel.units[panel.unitOfRow[r]]
            if let existing = adoption[u], existing != v {
                throw RunnerMessage("unit '\(u)' has two adoption times in '\(column)' (\(formatNumber(existing)) and \(formatNumber(v))); it must be constant within a unit")
            }
            adoption[u] = v
        }
        var options = s.options
        options.seed = seed
        options.threads = threads
        let spec = StaggeredSyntheticControl.Specification(outcome: s.outcome, adoption: adoption, donorPool: s.donorPool, level: s.level,
                                                           predictors: s.predictors, options: options, placebos: s.placebos)
        let r = try StaggeredSyntheticControl.estimate(panel, spec)
        let result = StaggeredResult(
            level: s.level.rawValue, donorPool: s.donorPool.rawValue, overall: r.overall,
            units: r.units.map { .init(unit: $0.name, members: $0.members, adoption: $0.adoption, averageEffect: $0.averageEffect, preRMSPE: $0.fit.preRMSPE) },
            eventTime: r.eventTime.map { .init(eventTime: $0.eventTime, summary: $0.summary) },
            cohorts: r.cohorts.map { .init(adoption: $0.adoption, summary: $0.summary) }, placeboDraws: r.placeboDraws)
        func summaryCells(_ s: StaggeredSyntheticControl.Summary) -> [String] {
            [OutputTable.cell(s.estimate), String(s.cells), OutputTable.cell(s.placeboStandardError), OutputTable.cell(s.pValue)]
        }
        var gapRows: [[String]] = []
        for u in r.units {
            let start = r.periods.firstIndex { $0 >= u.adoption }!
            let g = u.fit.gaps
            for t in r.periods.indices {
                gapRows.append([u.name, formatNumber(r.periods[t]), String(t - start), OutputTable.cell(g[t]), u.effectPeriods.contains(t) ? "1" : "0"])
            }
        }
        let tables = [
            OutputTable(fileName: "units.csv", header: ["unit", "adoption", "average_effect", "pre_rmspe"],
                        rows: result.units.map { [$0.unit, formatNumber($0.adoption), OutputTable.cell($0.averageEffect), OutputTable.cell($0.preRMSPE)] }),
            OutputTable(fileName: "event_time.csv", header: ["event_time", "estimate", "cells", "placebo_se", "p_value"],
                        rows: result.eventTime.map { [String($0.eventTime)] + summaryCells($0.summary) }),
            OutputTable(fileName: "cohorts.csv", header: ["adoption", "estimate", "cells", "placebo_se", "p_value"],
                        rows: result.cohorts.map { [formatNumber($0.adoption)] + summaryCells($0.summary) }),
            OutputTable(fileName: "unit_gaps.csv", header: ["unit", "period", "event_time", "gap", "in_effect_window"], rows: gapRows),
        ]
        var chart = LineChart(title: "\(analysis.name): average gap by periods since adoption", xLabel: "periods since adoption", yLabel: "gap in \(s.outcome)")
        let e = result.eventTime
        chart.series = [LineChart.Series(name: "average gap", x: e.map { Double($0.eventTime) }, y: e.map(\.summary.estimate), color: Palette.color(0), markers: true)]
        let z = Normal.standard.complementaryQuantile(0.025)
        chart.errorBars = e.compactMap { row in row.summary.placeboStandardError.map { (Double(row.eventTime), row.summary.estimate - z * $0, row.summary.estimate + z * $0) } }
        chart.horizontalLines = [0]
        chart.verticalLines = [(-0.5, "adoption")]
        var md = "Staggered synthetic control: \(r.units.count) \(s.level == .unit ? "treated units" : "adoption cohorts"), donors "
        md += s.donorPool == .neverTreated ? "never treated" : "never or not yet treated"
        md += "; \(r.placeboDraws) placebo draws. Overall average effect **\(Report.number(r.overall.estimate))**"
        if let se = r.overall.placeboStandardError { md += " (placebo SE \(Report.number(se)), p = \(Report.pValue(r.overall.pValue!)))" }
        md += " over \(r.overall.cells) treated unit-periods.\n\n| periods since adoption | average gap | placebo SE | p |\n|---:|---:|---:|---:|\n"
        for row in e {
            md += "| \(row.eventTime) | \(Report.number(row.summary.estimate)) | \(row.summary.placeboStandardError.map(Report.number) ?? "") | \(row.summary.pValue.map(Report.pValue) ?? "") |\n"
        }
        md += "\nError bars are ±1.96 placebo SEs. Negative event times are pre-adoption fits (leads).\n\n"
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data, result: result, tables: tables,
                              plots: [OutputPlot(fileName: "event_time.svg", caption: "Average gap by event time", svg: chart.render())],
                              report: md)
    }

    static func run(_ analysis: AnalysisSpec, settings s: SyntheticDiDSettings, data: LoadedData, seed: UInt64,
                    threads: Int) throws -> AnalysisOutput {
        let p = try panel(data, unit: s.unit, time: s.time)
        for t in s.treated where !p.units.contains(t) { throw SyntheticControlError.unknownUnit(t, available: p.units) }
        let y: Matrix
        do { y = try p.wideComplete(s.outcome) } catch { throw RunnerMessage("\(error) (synthetic DiD needs a balanced panel)") }
        let controls = p.units.indices.filter { !s.treated.contains(p.units[$0]) }
        let treated = s.treated.map { p.unitPosition($0)! }
        let t0 = p.times.filter { $0 < s.treatmentTime }.count
        let e = try SyntheticDiD.estimate(y.selectingRows(controls + treated), controls: controls.count, prePeriods: t0, estimator: s.estimator)
        var se: Double?
        switch s.standardError {
        case "placebo": se = try e.placeboStandardError(replications: s.replications, seed: seed, threads: threads)
        case "jackknife": se = try e.jackknifeStandardError()
        default: se = nil
        }
        let z = Normal.standard.complementaryQuantile(0.025)
        let post = Array(p.times[t0...])
        let result = SyntheticDiDResult(
            estimator: s.estimator.rawValue, estimate: e.estimate, standardError: se, standardErrorMethod: s.standardError,
            lower: se.map { e.estimate - z * $0 }, upper: se.map { e.estimate + z * $0 }, treated: s.treated, treatmentTime: s.treatmentTime,
            unitWeights: zip(controls.map { p.units[$0] }, e.unitWeights).map { .init(label: $0, weight: $1) },
            timeWeights: zip(p.times.prefix(t0).map(formatNumber), e.timeWeights).map { .init(label: $0, weight: $1) },
            effectCurve: zip(post, e.effectCurve).map { .init(period: $0, effect: $1) },
            noiseLevel: e.noiseLevel, zetaOmega: e.zetaOmega)
        let tables = [
            OutputTable(fileName: "unit_weights.csv", header: ["unit", "weight"], rows: result.unitWeights.map { [$0.label, OutputTable.cell($0.weight)] }),
            OutputTable(fileName: "time_weights.csv", header: ["period", "weight"], rows: result.timeWeights.map { [$0.label, OutputTable.cell($0.weight)] }),
            OutputTable(fileName: "effects.csv", header: ["period", "effect"], rows: zip(post, e.effectCurve).map { [formatNumber($0), OutputTable.cell($1)] }),
        ]
        var curve = LineChart(title: "\(analysis.name): effect by period (\(s.estimator.rawValue))", xLabel: "period", yLabel: "effect on \(s.outcome)")
        curve.series = [LineChart.Series(name: nil, x: post, y: e.effectCurve, color: Palette.color(0), markers: true)]
        curve.horizontalLines = [0, e.estimate]
        let shown = result.unitWeights.filter { $0.weight > 1e-4 }.sorted { $0.weight > $1.weight }
        let bars = BarChart(title: "Unit weights ω", xLabel: "weight", categories: shown.map(\.label), values: shown.map(\.weight))
        var md = "\(["sdid": "Synthetic difference-in-differences", "sc": "Synthetic control (synthdid's SC)", "did": "Difference-in-differences"][s.estimator.rawValue]!) "
        md += "for \(s.treated.map { "**\($0)**" }.joined(separator: ", ")) from \(formatNumber(s.treatmentTime)): estimate **\(Report.number(e.estimate))**"
        if let se { md += " (\(s.standardError) SE \(Report.number(se)), 95% CI \(Report.number(e.estimate - z * se)) to \(Report.number(e.estimate + z * se)))" }
        md += ". Noise level σ̂ = \(Report.number(e.noiseLevel)), ζ_ω = \(Report.number(e.zetaOmega)).\n\n"
        md += "| unit | ω |\n|---|---:|\n" + shown.map { "| \($0.label) | \(Report.number($0.weight)) |\n" }.joined() + "\n"
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data, result: result, tables: tables,
                              plots: [OutputPlot(fileName: "effects.svg", caption: "Effect by period", svg: curve.render()),
                                      OutputPlot(fileName: "unit_weights.svg", caption: "Unit weights", svg: bars.render())],
                              report: md)
    }
}

/// A plain message error from a runner (the analysis name is added by `Runner`).
struct RunnerMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

