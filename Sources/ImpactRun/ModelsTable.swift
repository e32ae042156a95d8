import EstimationCore
import Regression
import Reporting

/// Several regression models side by side, as modelsummary or fixest's `etable` show them: each
/// coefficient's estimate with its standard error below, then the fixed effects, the standard-error
/// type with the cluster columns (fixest's etable: "by: stfips & year"), the fewest clusters, the weights
/// column, N, R² and within R², one column per `ols`/`wls` analysis of the run.
///
/// Each column uses the analysis's first `inference` entry. Stars are not shown: the p-values are
/// in each analysis's own table.
enum ModelsTable {
    /// The section, when the run has at least two regression analyses.
    static func section(_ output: RunOutput) -> ReportSection? {
        let models: [(name: String, result: RegressionResult)] = output.analyses.compactMap { a in
            (a.result as? RegressionResult).map { (a.name, $0) }
        }
        guard models.count >= 2 else { return nil }
        let chosen = models.map { m -> CoefficientTable? in
            // The first listed estimator (a wild-bootstrap-only analysis has none).
            m.result.inferenceOrder.first.flatMap { m.result.coefficients[$0] }
        }
        var terms: [String] = []
        for table in chosen { for row in table?.rows ?? [] where !terms.contains(row.term ?? "") { terms.append(row.term ?? "") } }
        var rows: [[ReportTable.Cell]] = []
        for term in terms {
            rows.append([.text(term)] + chosen.map { t in t?[term].map { .number($0.estimate) } ?? .empty })
            rows.append([.empty] + chosen.map { t in t?[term]?.standardError.map { .text("(\(ReportFormat.number($0)))") } ?? .empty })
        }
        let factors = models.flatMap { $0.result.absorbed?.factors.map(\.name) ?? [] }
        var seen = Set<String>()
        for f in factors where seen.insert(f).inserted {
            rows.append([.text("fixed effects: \(f)")] + models.map { m in .text(m.result.absorbed?.factors.contains { $0.name == f } == true ? "yes" : "no") })
        }
        rows.append(
            [.text("standard errors")]
                + zip(models, chosen).map { m, t in
                    guard let t else { return .empty }
                    let name = t.estimator == .classical ? "iid" : t.estimator.rawValue.uppercased()
                    guard t.clusterCount != nil, !m.result.clusterColumns.isEmpty else { return .text(name) }
                    return .text("\(name) by \(m.result.clusterColumns.joined(separator: " & "))")
                })
        if chosen.contains(where: { $0?.clusterCount != nil }) {
            rows.append([.text("clusters")] + chosen.map { t in t?.clusterCount.map { .integer($0) } ?? .empty })
        }
        if models.contains(where: { $0.result.weights != nil }) {
            rows.append([.text("weights")] + models.map { .text($0.result.weights ?? "none") })
        }
        rows.append([.text("observations")] + models.map { .integer($0.result.observations) })
        rows.append([.text("R²")] + models.map { .number($0.result.rSquared) })
        if models.contains(where: { $0.result.withinRSquared != nil }) {
            rows.append([.text("within R²")] + models.map { m in m.result.withinRSquared.map { .number($0) } ?? .empty })
        }
        let table = ReportTable(
            fileName: "models.csv", caption: "Estimates with standard errors in parentheses; each column's standard-error type is stated below it.",
            columns: [.init("", .left)] + models.map { .init($0.name) }, rows: rows)
        return ReportSection(title: "Models side by side", blocks: [.table(table)])
    }
}
