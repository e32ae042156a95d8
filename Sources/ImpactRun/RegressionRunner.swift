import Foundation
import Plotting
import Regression

/// The `results.json` entry of a regression analysis.
public struct RegressionResult: Encodable, Sendable {
    public let outcome: String
    public let treatment: String?
    public let observations: Int
    public let droppedRows: Int
    public let parameters: Int
    public let residualDegreesOfFreedom: Int
    public let rSquared: Double
    public let adjustedRSquared: Double
    public let sigma: Double
    public let weighted: Bool
    public let clusters: Int?
    /// One coefficient table per requested variance estimator, keyed by its name.
    public let coefficients: [String: CoefficientTable]
}

/// Runs `method: ols` / `method: wls` analyses.
enum RegressionRunner {
    static func run(_ analysis: AnalysisSpec, settings s: RegressionSettings, data: LoadedData) throws -> AnalysisOutput {
        let fit = try LinearModel.fit(s.specification, table: data.table)
        var tables: [String: CoefficientTable] = [:]
        for v in s.variance { tables[v.rawValue] = try fit.coefficientTable(v, level: s.level) }
        let clusterCount = fit.clusterLabels?.count
        let result = RegressionResult(
            outcome: s.outcome, treatment: s.treatment, observations: fit.observations, droppedRows: fit.droppedRows,
            parameters: fit.parameterCount, residualDegreesOfFreedom: fit.residualDegreesOfFreedom,
            rSquared: fit.rSquared, adjustedRSquared: fit.adjustedRSquared, sigma: fit.sigma,
            weighted: s.weights != nil, clusters: clusterCount, coefficients: tables)

        var rows: [[String]] = []
        for v in s.variance {
            for r in tables[v.rawValue]!.rows {
                rows.append([r.term, v.rawValue, OutputTable.cell(r.estimate), OutputTable.cell(r.standardError),
                             OutputTable.cell(r.statistic), OutputTable.cell(r.pValue),
                             OutputTable.cell(r.lower), OutputTable.cell(r.upper)])
            }
        }
        let csv = OutputTable(fileName: "coefficients.csv",
                              header: ["term", "variance", "estimate", "std_error", "t", "p_value", "ci_lower", "ci_upper"],
                              rows: rows)
        let main = tables[s.variance[0].rawValue]!
        let shown = main.rows.filter { $0.term != "(Intercept)" }
        var chart = DotChart(title: "\(analysis.name): coefficients (\(s.variance[0].rawValue.uppercased()), \(Int(s.level * 100))% CI)",
                             xLabel: "estimate", categories: shown.map(\.term))
        chart.markers = [DotChart.Marker(name: "estimate", values: shown.map(\.estimate),
                                         low: shown.map(\.lower), high: shown.map(\.upper), color: Palette.color(0))]
        let plot = OutputPlot(fileName: "coefficients.svg", caption: "Coefficients with confidence intervals", svg: chart.render())
        return AnalysisOutput(name: analysis.name, method: analysis.method, data: analysis.data, result: result,
                              tables: [csv], plots: [plot], report: report(result, settings: s))
    }

    static func report(_ r: RegressionResult, settings s: RegressionSettings) -> String {
        var md = "\(s.weights == nil ? "OLS" : "WLS (weights `\(s.weights!)`)") of `\(r.outcome)` on "
        md += "\(r.parameters) coefficient(s); \(r.observations) observations"
        md += r.droppedRows > 0 ? " (\(r.droppedRows) row(s) dropped for missing values or zero weight)" : ""
        md += ". R² = \(Report.number(r.rSquared)), adjusted R² = \(Report.number(r.adjustedRSquared)), σ̂ = \(Report.number(r.sigma)).\n\n"
        if let t = s.treatment {
            for v in s.variance {
                if let row = r.coefficients[v.rawValue]?[t] {
                    md += "- **\(t)** (\(v.rawValue)): \(Report.number(row.estimate)) "
                    md += "(SE \(Report.number(row.standardError)), \(Int(s.level * 100))% CI \(Report.number(row.lower)) to \(Report.number(row.upper)), p = \(Report.pValue(row.pValue)))\n"
                }
            }
            md += "\n"
        }
        for v in s.variance {
            guard let table = r.coefficients[v.rawValue] else { continue }
            let df = table.clusterCount.map { "t with \(Int(table.degreesOfFreedom)) df (\($0) clusters)" } ?? "t with \(Int(table.degreesOfFreedom)) df"
            md += "Standard errors: **\(v.rawValue)**; tests use \(df).\n\n"
            md += "| term | estimate | std. error | t | p | \(Int(s.level * 100))% CI |\n|---|---:|---:|---:|---:|---|\n"
            for row in table.rows {
                md += "| \(row.term) | \(Report.number(row.estimate)) | \(Report.number(row.standardError)) | \(Report.number(row.statistic)) | \(Report.pValue(row.pValue)) | \(Report.number(row.lower)) to \(Report.number(row.upper)) |\n"
            }
            md += "\n"
        }
        return md
    }
}
