import Foundation
import Distributions
import LinearAlgebra
import Plotting
import SyntheticControl
import Tabular

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

extension SyntheticControlRunner {
    /// Each treated unit's adoption time from the `column` of `panel`'s table (0 or missing: never treated).
    ///
    /// Used both when validating a config and when running it. An adoption time must be constant within a
    /// unit and leave at least one period before it and one at or after it; otherwise the error names the
    /// unit and the likely fix (a 0/1 indicator, units treated from the start, adoption after the data end).
    static func adoptionTimes(_ panel: Panel, column: String) throws(RunnerMessage) -> [String: Double] {
        let values: [Double]
        do { values = try panel.table.numeric(column) } catch { throw RunnerMessage("\(error)") }
        var adoption: [String: Double] = [:]
        for (r, v) in values.enumerated() where !v.isNaN && v != 0 {
            let u = panel.units[panel.unitOfRow[r]]
            if let existing = adoption[u], existing != v {
                throw RunnerMessage("unit '\(u)' has two adoption times in '\(column)' (\(formatNumber(existing)) and \(formatNumber(v))); it must be constant within a unit")
            }
            adoption[u] = v
        }
        guard let first = panel.times.first, let last = panel.times.last else { return adoption }
        if let (u, v) = adoption.filter({ $0.value <= first }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            let hint = Set(adoption.values) == [1]
                ? "'\(column)' looks like a 0/1 indicator; it should hold each unit's first treated period (0 or missing for never treated)"
                : "drop units treated from the first period, or start the data earlier"
            throw RunnerMessage("unit '\(u)' adopts at \(formatNumber(v)), not after the first period \(formatNumber(first)), so it has no pre-treatment period; \(hint)")
        }
        if let (u, v) = adoption.filter({ $0.value > last }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            throw RunnerMessage("unit '\(u)' adopts at \(formatNumber(v)), after the last period \(formatNumber(last)); code units first treated after the data end as 0 to use them as never-treated donors, or drop them")
        }
        return adoption
    }

    /// A staggered `synth` analysis: treated units (or cohorts) from an adoption column.
    static func staggered(_ analysis: AnalysisSpec, settings s: SyntheticControlSettings, panel: Panel, adoption column: String,
                          seed: UInt64, threads: Int) throws -> AnalysisOutput {
        let adoption = try adoptionTimes(panel, column: column)
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
        chart.horizontalLines = [(0, "")]
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
}
