import Foundation
import Matching
import Plotting
import Regression
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

/// The `results.json` entry of an `abadie-imbens` analysis.
public struct AbadieImbensResult: Encodable, Sendable {
    public let effect: EffectEstimate
}

/// Runs `method: match`, `method: weight` and `method: abadie-imbens` analyses.
enum MatchingRunner {
    static func run(_ analysis: AnalysisSpec, settings s: MatchSettings, data: LoadedData) throws -> AnalysisOutput {
        let sample: MatchedSample
        if s.matching == "cem" {
            sample = try CoarsenedExactMatching.match(data.table, treatment: s.treatment, covariates: s.covariates,
                                                      factors: s.factors, cutpoints: s.cutpoints.mapValues { .bins($0) })
        } else {
            sample = try NearestNeighborMatching.match(data.table, s.specification)
        }
        var effects: [EffectEstimate] = []
        if let outcome = s.outcome {
            let subclass = sample.subclass.contains { $0 != nil } ? sample.subclass : nil
            let variance = s.variance ?? (subclass == nil ? .hc1 : .cr1)
            let sets = variance == .cr1 ? subclass : nil
            effects.append(try WeightedEffect.estimate(data.table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                                                       outcome: outcome, subclass: sets, estimand: .att, variance: variance, level: s.level))
            if !s.adjust.isEmpty {
                effects.append(try WeightedEffect.estimate(data.table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                                                           outcome: outcome, covariates: s.adjust, subclass: sets, estimand: .att,
                                                           variance: variance, level: s.level))
            }
        }
        let extra = s.mahalanobis.filter { !s.covariates.contains($0) }
        let variables = try balanceVariables(data.table, rows: sample.rows, covariates: s.covariates + extra, factors: s.factors,
                                             distance: sample.propensityScores?.probabilities)
        let before = Balance.table(variables, treated: sample.treated, estimand: .att)
        let after = Balance.table(variables, treated: sample.treated, weights: sample.weights, estimand: .att)
        let result = AdjustmentResult(
            method: sample.method, estimand: .att,
            counts: SampleCounts(treated: sample.treatedCount, control: sample.controlCount, treatedUsed: sample.matchedTreatedCount,
                                 controlUsed: sample.matchedControlCount, droppedRows: sample.droppedRows),
            propensityModel: sample.propensityScores.map { PropensityModelSummary($0.model) }, convergence: nil,
            balanceBefore: before, balanceAfter: after, effects: effects)
        var unitRows: [[String]] = []
        for i in sample.rows.indices {
            unitRows.append([String(sample.rows[i] + 1), sample.treated[i] ? "1" : "0", OutputTable.cell(sample.weights[i]),
                             sample.subclass[i].map(String.init) ?? "",
                             OutputTable.cell(sample.propensityScores?.probabilities[i])])
        }
        let units = OutputTable(fileName: "matched_sample.csv",
                                header: ["row", "treated", "weight", "subclass", "propensity_score"], rows: unitRows)
        return output(analysis, data: data, result: result, before: before, after: after, effects: effects,
                      units: units, counts: result.counts, method: sample.method)
    }

    static func run(_ analysis: AnalysisSpec, settings s: WeightSettings, data: LoadedData) throws -> AnalysisOutput {
        let sample: WeightedSample
        if s.weighting == "entropy" {
            sample = try EntropyBalancing.weights(data.table, treatment: s.treatment, covariates: s.covariates, factors: s.factors,
                                                  estimand: s.estimand, variances: s.variances)
        } else {
            sample = try InverseProbabilityWeighting.weights(data.table, treatment: s.treatment, covariates: s.covariates,
                                                             factors: s.factors, estimand: s.estimand, link: s.link)
        }
        var effects: [EffectEstimate] = []
        if let outcome = s.outcome {
            effects.append(try WeightedEffect.estimate(data.table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                                                       outcome: outcome, estimand: s.estimand, variance: .hc1, level: s.level))
            if !s.adjust.isEmpty {
                effects.append(try WeightedEffect.estimate(data.table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
                                                           outcome: outcome, covariates: s.adjust, estimand: s.estimand,
                                                           variance: .hc1, level: s.level))
            }
        }
        let variables = try balanceVariables(data.table, rows: sample.rows, covariates: s.covariates, factors: s.factors,
                                             distance: sample.propensityScores?.probabilities)
        let before = Balance.table(variables, treated: sample.treated, estimand: s.estimand)
        let after = Balance.table(variables, treated: sample.treated, weights: sample.weights, estimand: s.estimand)
        let counts = SampleCounts(treated: sample.treated.filter { $0 }.count, control: sample.treated.filter { !$0 }.count,
                                  treatedUsed: after.treatedCount, controlUsed: after.controlCount, droppedRows: sample.droppedRows)
        let result = AdjustmentResult(method: sample.method, estimand: s.estimand, counts: counts,
                                      propensityModel: sample.propensityScores.map { PropensityModelSummary($0.model) },
                                      convergence: sample.convergence, balanceBefore: before, balanceAfter: after, effects: effects)
        let units = OutputTable(fileName: "weights.csv", header: ["row", "treated", "weight", "propensity_score"],
                                rows: sample.rows.indices.map { i in
                                    [String(sample.rows[i] + 1), sample.treated[i] ? "1" : "0", OutputTable.cell(sample.weights[i]),
                                     OutputTable.cell(sample.propensityScores?.probabilities[i])]
                                })
        var out = output(analysis, data: data, result: result, before: before, after: after, effects: effects,
                         units: units, counts: counts, method: sample.method)
        if let c = sample.convergence {
            out.report += "Entropy balancing \(c.converged ? "converged" : "did NOT converge") in \(c.iterations) iterations; "
            out.report += "largest constraint error \(Report.number(c.maximumAbsoluteError)) (\(Report.number(c.maximumStandardizedError)) SD).\n\n"
        }
        return out
    }

    static func run(_ analysis: AnalysisSpec, settings s: AbadieImbensSettings, data: LoadedData) throws -> AnalysisOutput {
        let e = try AbadieImbens.estimate(data.table, s.specification, level: s.level)
        let table = effectsTable([e])
        var md = "\(e.method) of `\(s.specification.outcome)` on `\(s.specification.treatment)`, matching on "
        md += s.specification.covariates.map { "`\($0)`" }.joined(separator: ", ") + "; \(e.observations) units.\n\n"
        md += effectsMarkdown([e])
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data,
                              result: AbadieImbensResult(effect: e), tables: [table], plots: [], report: md)
    }

    // MARK: - Shared output

    static func balanceVariables(_ table: Table, rows: [Int], covariates: [String], factors: [String],
                                 distance: [Double]?) throws -> [BalanceVariable] {
        var v = try BalanceVariable.from(table, rows: rows, covariates: covariates, factors: factors)
        if let distance { v.insert(BalanceVariable(name: "distance", values: distance), at: 0) }
        return v
    }

    static func output(_ analysis: AnalysisSpec, data: LoadedData, result: AdjustmentResult, before: BalanceTable,
                       after: BalanceTable, effects: [EffectEstimate], units: OutputTable, counts: SampleCounts,
                       method: String) -> AnalysisOutput {
        var rows: [[String]] = []
        for (stage, table) in [("before", before), ("after", after)] {
            for r in table.rows {
                rows.append([r.variable, stage, OutputTable.cell(r.meanTreated), OutputTable.cell(r.meanControl),
                             OutputTable.cell(r.standardizedMeanDifference), OutputTable.cell(r.varianceRatio),
                             OutputTable.cell(r.ecdfMean), OutputTable.cell(r.ecdfMax)])
            }
        }
        let balance = OutputTable(fileName: "balance.csv",
                                  header: ["variable", "sample", "mean_treated", "mean_control", "smd", "variance_ratio", "ecdf_mean", "ecdf_max"],
                                  rows: rows)
        var chart = DotChart(title: "\(analysis.name): covariate balance", xLabel: "standardized mean difference",
                             categories: before.rows.map(\.variable))
        chart.markers = [
            DotChart.Marker(name: "before", values: before.rows.map(\.standardizedMeanDifference), color: Palette.color(1), filled: false),
            DotChart.Marker(name: "after", values: after.rows.map(\.standardizedMeanDifference), color: Palette.color(0)),
        ]
        chart.referenceLines = [(0, false), (-0.1, true), (0.1, true)]
        let love = OutputPlot(fileName: "love_plot.svg", caption: "Standardized mean differences before and after", svg: chart.render())
        var tables = [balance, units]
        if !effects.isEmpty { tables.append(effectsTable(effects)) }

        var md = "\(method.prefix(1).uppercased() + method.dropFirst()); estimand \(result.estimand.rawValue.uppercased()). "
        md += "\(counts.treated) treated and \(counts.control) control units"
        md += counts.droppedRows > 0 ? " (\(counts.droppedRows) row(s) dropped for missing values)" : ""
        md += "; \(counts.treatedUsed) treated and \(counts.controlUsed) controls carry weight afterwards "
        md += "(effective sizes \(Report.number(after.effectiveTreated)) and \(Report.number(after.effectiveControl))).\n\n"
        if !effects.isEmpty { md += effectsMarkdown(effects) }
        let worst = after.rows.map { abs($0.standardizedMeanDifference) }.max() ?? 0
        md += "Largest |SMD| after adjustment: \(Report.number(worst))" + (worst <= 0.1 ? " (all within 0.1).\n\n" : ".\n\n")
        md += "| variable | mean T | mean C before | SMD before | mean C after | SMD after | VR after | eCDF max after |\n"
        md += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for (b, a) in zip(before.rows, after.rows) {
            md += "| \(b.variable) | \(Report.number(a.meanTreated)) | \(Report.number(b.meanControl)) | \(Report.number(b.standardizedMeanDifference)) | "
            md += "\(Report.number(a.meanControl)) | \(Report.number(a.standardizedMeanDifference)) | \(a.varianceRatio.map(Report.number) ?? "—") | \(Report.number(a.ecdfMax)) |\n"
        }
        md += "\nSMD denominators are computed on the unadjusted sample (MatchIt's convention); see the README. "
        md += "VR is not defined (—) for binary variables or when the control variance is zero.\n\n"
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data, result: result,
                              tables: tables, plots: [love], report: md)
    }

    static func effectsTable(_ effects: [EffectEstimate]) -> OutputTable {
        OutputTable(fileName: "effects.csv",
                    header: ["method", "estimand", "estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper", "variance", "observations"],
                    rows: effects.map { e in
                        [e.method, e.estimand.rawValue, OutputTable.cell(e.estimate), OutputTable.cell(e.standardError),
                         OutputTable.cell(e.statistic), OutputTable.cell(e.pValue), OutputTable.cell(e.lower),
                         OutputTable.cell(e.upper), e.variance, String(e.observations)]
                    })
    }

    static func effectsMarkdown(_ effects: [EffectEstimate]) -> String {
        var md = ""
        for e in effects {
            md += "- **\(e.estimand.rawValue.uppercased()), \(e.method)**: \(Report.number(e.estimate)) (SE \(Report.number(e.standardError)), "
            md += "\(Int(e.level * 100))% CI \(Report.number(e.lower)) to \(Report.number(e.upper)), p = \(Report.pValue(e.pValue)); \(e.variance))\n"
        }
        return md + "\n"
    }
}
