import EstimationCore
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// The report of a synthetic DiD: the estimate, unit weights, the effect by period (with conformal
/// intervals when asked for) and the weights and effects as CSV files.
enum SyntheticDiDPresenter {
    static func output(_ result: SyntheticDiDStudy.Result, name: String) -> MethodOutput<SyntheticDiDStudy.Result> {
        let post = result.effectCurve.map(\.period), curveValues = result.effectCurve.map(\.effect)
        let (estimator, effect, conformalResult) = (result.estimator, result.effect, result.conformal)
        var attachments = [
            ReportTable(fileName: "unit_weights.csv", headers: ["unit", "weight"], rows: result.unitWeights.map { [.text($0.label), .number($0.weight)] }),
            ReportTable(fileName: "time_weights.csv", headers: ["period", "weight"], rows: result.timeWeights.map { [.text($0.label), .number($0.weight)] }),
            ReportTable(fileName: "effects.csv", headers: ["period", "effect"], rows: zip(post, curveValues).map { [.period($0), .number($1)] })
        ]
        var curve = LineChart(title: "\(name): effect by period (\(estimator.rawValue))", xLabel: "period", yLabel: "effect on \(result.outcome)")
        curve.series = [LineChart.Series(name: nil, x: post, y: curveValues, color: Palette.color(0), markers: true)]
        curve.horizontalLines = [(0, ""), (effect.estimate, "average \(ReportFormat.number(effect.estimate))")]
        if let c = conformalResult {
            attachments.append(ConformalPresenter.table(c))
            curve.bands = [
                LineChart.Band(x: c.periods.map(\.time), low: c.periods.map(\.lower), high: c.periods.map(\.upper), color: Palette.color(0), opacity: 0.15)
            ]
            curve.title += ", with conformal \(ConfidenceLevel.percent(c.level)) intervals"
        }
        let shown = result.unitWeights.filter { $0.weight > 1e-4 }.sorted { $0.weight > $1.weight }
        let bars = BarChart(title: "Unit weights ω", xLabel: "weight", categories: shown.map(\.label), values: shown.map(\.weight))
        let title: String =
            switch estimator {
            case .syntheticDiD: "Synthetic difference-in-differences"
            case .syntheticControl: "Synthetic control (synthdid's SC)"
            case .differenceInDifferences: "Difference-in-differences"
            }
        let intro: ReportText =
            "\(title) for " + ReportText.joined(result.treated.map { "\(strong: $0)" }) + " from \(period: result.treatmentTime): estimate "
            + ReportText.estimate(effect) + ". Noise level σ̂ = \(number: result.noiseLevel), ζ_ω = \(number: result.zetaOmega)."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let c = conformalResult { blocks += ConformalPresenter.blocks(c) }
        blocks += [
            .table(ReportTable(headers: ["unit", "ω"], rows: shown.map { [.text($0.label), .number($0.weight)] })),
            .figure(ReportFigure(fileName: "effects.svg", caption: "Effect by period", svg: curve.render())),
            .figure(ReportFigure(fileName: "unit_weights.svg", caption: "Unit weights", svg: bars.render()))
        ]
        return MethodOutput(
            result: result, blocks: blocks, attachments: attachments, warnings: result.warnings.map(\.message),
            keyEstimates: [KeyEstimate("average effect (\(estimator.rawValue))", effect)])
    }
}
