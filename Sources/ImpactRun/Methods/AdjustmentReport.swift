import EstimationCore
import Matching
import Plotting
import Regression
import Reporting
import Tabular

/// Sample sizes of a matching or weighting analysis.
public struct SampleCounts: Encodable, Sendable {
    public let treated: Int
    public let control: Int
    /// Units with positive weight after matching or weighting.
    public let treatedUsed: Int
    public let controlUsed: Int
    public let droppedRows: Int
}

/// The fitted propensity-score model, as reported.
public struct PropensityModelSummary: Encodable, Sendable {
    public let link: String
    public let coefficients: [String: Double]
    public let standardErrors: [String: Double]
    public let deviance: Double
    public let iterations: Int

    init(_ fit: BinaryFit) {
        link = fit.link.rawValue
        coefficients = Dictionary(uniqueKeysWithValues: zip(fit.names, fit.coefficients))
        standardErrors = Dictionary(uniqueKeysWithValues: zip(fit.names, fit.standardErrors))
        deviance = fit.deviance
        iterations = fit.iterations
    }
}

/// The `results.json` entry of a `match` or `weight` analysis.
public struct AdjustmentResult: Encodable, Sendable {
    public let method: String
    public let estimand: Estimand
    public let counts: SampleCounts
    public let propensityModel: PropensityModelSummary?
    public let convergence: EntropyBalancing.Convergence?
    public let balanceBefore: BalanceTable
    public let balanceAfter: BalanceTable
    public let effects: [EffectEstimate]
}

/// The report of a matching or weighting analysis: counts, effects, balance before and after, a Love plot.
enum AdjustmentReport {
    static func balanceVariables(
        _ table: Table, rows: [Int], covariates: [String], factors: [String],
        distance: [Double]?
    ) throws -> [BalanceVariable] {
        var v = try BalanceVariable.from(table, rows: rows, covariates: covariates, factors: factors)
        if let distance { v.insert(BalanceVariable(name: "distance", values: distance), at: 0) }
        return v
    }

    static func output(_ name: String, result: AdjustmentResult, units: ReportTable) -> MethodOutput<AdjustmentResult> {
        let before = result.balanceBefore, after = result.balanceAfter, counts = result.counts
        let balanceCSV = ReportTable(
            fileName: "balance.csv",
            headers: ["variable", "sample", "mean_treated", "mean_control", "smd", "variance_ratio", "ecdf_mean", "ecdf_max"],
            rows: [("before", before), ("after", after)].flatMap { stage, table in
                table.rows.map { r in
                    [
                        .text(r.variable), .text(stage), .number(r.meanTreated), .number(r.meanControl), .number(r.standardizedMeanDifference),
                        .number(r.varianceRatio), .number(r.ecdfMean), .number(r.ecdfMax)
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
        var warnings: [String] = []
        if worst > 0.1 { warnings.append("covariate balance is poor after adjustment: the largest |SMD| is \(ReportFormat.number(worst)) (above 0.1)") }
        return MethodOutput(
            result: result, blocks: blocks, attachments: attachments, warnings: warnings,
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
