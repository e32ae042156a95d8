import EstimationCore
import Matching
import Plotting
import Regression
import Reporting
import Tabular

/// The report of a matching or weighting analysis: counts, effects, balance before and after
/// (with the units behind each mean), a Love plot, and the adjusted sample as a CSV file.
enum AdjustmentPresenter {
    typealias Result = CovariateAdjustment.Result

    static func output(_ result: Result, design: CovariateAdjustment.Design, name: String) -> MethodOutput<Result> {
        var out = output(name, result: result, units: unitsTable(result.units, design: design))
        if let c = result.convergence {
            let text: ReportText =
                "Entropy balancing \(c.converged ? "converged" : "did NOT converge") in \(c.iterations) iterations; "
                + "largest constraint error \(number: c.maximumAbsoluteError) (\(number: c.maximumStandardizedError) SD)."
            out.blocks.insert(.paragraph(text), at: 1)
        }
        return out
    }

    /// `matched_sample.csv` (matching) or `weights.csv` (weighting): one row per unit of the adjusted sample.
    static func unitsTable(_ u: CovariateAdjustment.Units?, design: CovariateAdjustment.Design) -> ReportTable {
        guard let u else { return ReportTable(fileName: "units.csv", headers: [], rows: []) }
        switch design {
        case .nearest, .coarsenedExact:
            return ReportTable(
                fileName: "matched_sample.csv", headers: ["row", "treated", "weight", "subclass", "propensity_score"],
                rows: u.rows.indices.map { i -> [ReportTable.Cell] in
                    [
                        .integer(u.rows[i] + 1), .integer(u.treated[i] ? 1 : 0), .number(u.weights[i]), .integer(u.subclass?[i]),
                        .number(u.propensityScores?[i])
                    ]
                })
        case .inverseProbability, .entropy:
            return ReportTable(
                fileName: "weights.csv", headers: ["row", "treated", "weight", "propensity_score"],
                rows: u.rows.indices.map { i -> [ReportTable.Cell] in
                    [.integer(u.rows[i] + 1), .integer(u.treated[i] ? 1 : 0), .number(u.weights[i]), .number(u.propensityScores?[i])]
                })
        }
    }

    static func output(_ name: String, result: Result, units: ReportTable) -> MethodOutput<Result> {
        let before = result.balanceBefore, after = result.balanceAfter, counts = result.counts
        let balanceCSV = ReportTable(
            fileName: "balance.csv",
            headers: [
                "variable", "sample", "mean_treated", "mean_control", "smd", "variance_ratio", "ecdf_mean", "ecdf_max", "units_treated", "units_control",
                "ones_treated", "ones_control"
            ],
            rows: [("before", before), ("after", after)].flatMap { stage, table in
                table.rows.map { r in
                    [
                        .text(r.variable), .text(stage), .number(r.meanTreated), .number(r.meanControl), .number(r.standardizedMeanDifference),
                        .number(r.varianceRatio), .number(r.ecdfMean), .number(r.ecdfMax), .integer(r.contributors.treated.units),
                        .integer(r.contributors.comparison.units), .integer(r.ones?.treated.units), .integer(r.ones?.comparison.units)
                    ]
                }
            })
        var chart = DotChart(
            title: "\(name): covariate balance", xLabel: "standardized mean difference",
            categories: before.rows.map(\.variable))
        chart.markers = [
            DotChart.Marker(name: "before", values: before.rows.map(\.standardizedMeanDifference), color: Palette.color(1), filled: false),
            DotChart.Marker(name: "after", values: after.rows.map(\.standardizedMeanDifference), color: Palette.color(0))
        ]
        chart.referenceLines = [(0, false), (-0.1, true), (0.1, true)]

        var intro: ReportText = "\(result.method.prefix(1).uppercased() + result.method.dropFirst()); estimand \(result.estimand.rawValue.uppercased()). "
        intro += "\(counts.treated) treated and \(counts.control) control units"
        if counts.droppedRows > 0 { intro += " (\(counts.droppedRows) row(s) dropped for missing values)" }
        intro += "; \(counts.treatedUsed) treated and \(counts.controlUsed) controls carry weight afterwards "
        intro += "(effective sizes \(number: after.effectiveTreated) and \(number: after.effectiveControl))."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if !result.effects.isEmpty { blocks.append(.bullets(result.effects.map(effectText))) }
        let worst = after.rows.map { abs($0.standardizedMeanDifference) }.max() ?? 0
        blocks.append(
            .table(
                ReportTable(
                    caption: "Largest |SMD| after adjustment: \(number: worst)" + (worst <= 0.1 ? " (all within 0.1)." : "."),
                    columns: [
                        .init("variable", .left), .init("mean T"), .init("mean C before"), .init("SMD before"), .init("mean C after"),
                        .init("SMD after"), .init("VR after"), .init("eCDF max after")
                    ],
                    rows: zip(before.rows, after.rows).map { b, a in
                        [
                            .text(b.variable), .number(a.meanTreated), .number(b.meanControl), .number(b.standardizedMeanDifference),
                            .number(a.meanControl), .number(a.standardizedMeanDifference), .number(a.varianceRatio), .number(a.ecdfMax)
                        ]
                    })))
        blocks.append(
            .note(
                "SMD denominators are computed on the unadjusted sample (MatchIt's convention); see the README. "
                    + "VR is not defined (—) for binary variables or when the control variance is zero."))
        blocks.append(.figure(ReportFigure(fileName: "love_plot.svg", caption: "Standardized mean differences before and after", svg: chart.render())))
        var attachments = [balanceCSV, units]
        if !result.effects.isEmpty { attachments.append(effectsCSV(result.effects)) }
        return MethodOutput(
            result: result, blocks: blocks, attachments: attachments, warnings: result.warnings.map(\.message),
            keyEstimates: result.effects.map { KeyEstimate("\($0.estimand.rawValue.uppercased()), \($0.method)", $0.effect) })
    }

    /// "ATT, difference in means: 1794 (SE 632.9, 95% CI … , p = 0.005; CR1, 185 clusters, …)".
    static func effectText(_ e: EffectEstimate) -> ReportText {
        "\(strong: "\(e.estimand.rawValue.uppercased()), \(e.method)"): " + ReportText.estimate(e.effect, strong: false)
    }

    static func effectsCSV(_ effects: [EffectEstimate]) -> ReportTable {
        ReportTable(
            fileName: "effects.csv",
            headers: ["method", "estimand", "estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper", "variance", "observations"],
            rows: effects.map { e in
                [
                    .text(e.method), .text(e.estimand.rawValue), .number(e.estimate), .number(e.effect.standardError),
                    .number(e.effect.statistic), .pValue(e.effect.pValue), .number(e.effect.lower), .number(e.effect.upper),
                    .text(e.effect.inference.summary), .integer(e.observations)
                ]
            })
    }
}
