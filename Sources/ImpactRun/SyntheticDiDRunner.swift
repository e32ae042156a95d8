import Foundation
import Distributions
import LinearAlgebra
import Plotting
import SyntheticControl
import Tabular

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

extension SyntheticControlRunner {
    /// An `sdid` analysis.
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
        curve.horizontalLines = [(0, ""), (e.estimate, "average \(Report.number(e.estimate))")]
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
