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
    /// The section, when the run has at least two analyses with a model column.
    static func section(_ output: RunOutput) -> ReportSection? {
        let models: [(name: String, column: ModelColumn)] = output.analyses.compactMap { a in a.model.map { (a.name, $0) } }
        guard models.count >= 2 else { return nil }
        let columns = models.map(\.column)
        var terms: [String] = []
        for c in columns { for row in c.coefficients where !terms.contains(row.term ?? "") { terms.append(row.term ?? "") } }
        func coefficient(_ c: ModelColumn, _ term: String) -> Estimate? { c.coefficients.first { $0.term == term } }
        var rows: [[ReportTable.Cell]] = []
        for term in terms {
            rows.append([.text(term)] + columns.map { c in coefficient(c, term).map { .number($0.estimate) } ?? .empty })
            rows.append([.empty] + columns.map { c in coefficient(c, term)?.standardError.map { .text("(\(ReportFormat.number($0)))") } ?? .empty })
        }
        var seen = Set<String>()
        for f in columns.flatMap(\.fixedEffects) where seen.insert(f).inserted {
            rows.append([.text("fixed effects: \(f)")] + columns.map { .text($0.fixedEffects.contains(f) ? "yes" : "no") })
        }
        rows.append([.text("standard errors")] + columns.map { .text($0.standardErrors) })
        if columns.contains(where: { $0.clusters != nil }) { rows.append([.text("clusters")] + columns.map { .integer($0.clusters) }) }
        if columns.contains(where: { $0.weights != nil }) { rows.append([.text("weights")] + columns.map { .text($0.weights ?? "none") }) }
        rows.append([.text("observations")] + columns.map { .integer($0.observations) })
        rows.append([.text("R²")] + columns.map { .number($0.rSquared) })
        if columns.contains(where: { $0.withinRSquared != nil }) {
            rows.append([.text("within R²")] + columns.map { c in c.withinRSquared.map { .number($0) } ?? .empty })
        }
        let table = ReportTable(
            fileName: "models.csv", caption: "Estimates with standard errors in parentheses; each column's standard-error type is stated below it.",
            columns: [.init("", .left)] + models.map { .init($0.name) }, rows: rows)
        return ReportSection(title: "Models side by side", blocks: [.table(table)])
    }
}

/// One model's column in the models-side-by-side table: what any coefficient model (a linear
/// regression today; mixed and count models as they land) reports there.
public struct ModelColumn: Sendable {
    /// The coefficients under the column's variance estimator.
    public var coefficients: [Estimate]
    /// The variance estimator as etable writes it ("iid", "HC1", "CR1 by firm & year").
    public var standardErrors: String
    /// The (fewest) clusters, when clustered.
    public var clusters: Int?
    /// Absorbed factors.
    public var fixedEffects: [String]
    public var weights: String?
    public var observations: Int
    public var rSquared: Double?
    public var withinRSquared: Double?
}
