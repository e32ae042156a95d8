import EstimationCore
import Plotting
import Regression
import Reporting
import Tabular

/// The report of a linear regression: the fit, the treatment's coefficient under each inference,
/// a coefficient table per variance estimator, the wild bootstrap and Wald tests, a coefficient
/// plot, and its column in the models-side-by-side table.
enum RegressionPresenter {
    static func output(_ r: RegressionResult, name: String) -> MethodOutput<RegressionResult> {
        let ordered = r.tables, bootstrapped = r.wildBootstrap ?? []
        var attachments = [coefficientsCSV(ordered, bootstrap: bootstrapped)]
        if let effects = r.fixedEffects {
            attachments.append(
                ReportTable(
                    fileName: "fixed_effects.csv", headers: ["factor", "level", "estimate"],
                    rows: effects.flatMap { e in zip(e.levels, e.estimates).map { [.text(e.factor), .text($0), .number($1)] } }))
        }
        var output = MethodOutput(
            result: r, blocks: report(r, tables: ordered, bootstrap: bootstrapped, name: name), attachments: attachments,
            warnings: r.warnings.map(\.message),
            // The treatment's coefficient under each requested inference, then the wild bootstrap's.
            keyEstimates: r.treatment.map { t in
                ordered.compactMap { table in table[t].map { KeyEstimate("coefficient of \(t) (\(table.estimator.rawValue))", $0) } }
                    + bootstrapped.filter { $0.effect.term == t }.map { KeyEstimate("coefficient of \(t) (wild bootstrap)", $0.effect) }
            } ?? [])
        output.model = modelColumn(r)
        return output
    }

    /// The analysis's column in the models-side-by-side table: its first listed estimator's table (a
    /// wild-bootstrap-only analysis has none).
    static func modelColumn(_ r: RegressionResult) -> ModelColumn? {
        guard let t = r.tables.first else { return nil }
        let name = t.estimator == .classical ? "iid" : t.estimator.rawValue.uppercased()
        let label = t.clusterCount != nil && !r.clusterColumns.isEmpty ? "\(name) by \(r.clusterColumns.joined(separator: " & "))" : name
        return ModelColumn(
            coefficients: t.rows, standardErrors: label, clusters: t.clusterCount, fixedEffects: r.absorbed?.factors.map(\.name) ?? [],
            weights: r.weights, observations: r.observations, rSquared: r.rSquared, withinRSquared: r.withinRSquared)
    }

    static func coefficientsCSV(_ tables: [CoefficientTable], bootstrap: [WildClusterBootstrap.Result]) -> ReportTable {
        let rows: [[ReportTable.Cell]] = tables.flatMap { t in
            t.rows.map { r in
                [.text(r.term ?? ""), .text(t.estimator.rawValue)] + CoefficientPresenter.csvCells(r)
            }
        }
        let wildRows: [[ReportTable.Cell]] = bootstrap.map { b in
            let r = b.effect
            return [
                .text(r.term ?? ""), .text("wild"), .number(r.estimate), .number(r.standardError), .empty, .number(r.statistic),
                .pValue(r.pValue), .number(b.unboundedBelow ? -.infinity : r.lower), .number(b.unboundedAbove ? .infinity : r.upper)
            ]
        }
        return ReportTable(
            fileName: "coefficients.csv",
            headers: ["term", "variance"] + CoefficientPresenter.csvHeaders,
            rows: rows + wildRows)
    }

    static func report(_ r: RegressionResult, tables: [CoefficientTable], bootstrap: [WildClusterBootstrap.Result], name: String) -> [ReportBlock] {
        var intro: ReportText = r.weights.map { "WLS (weights \(code: $0))" } ?? "OLS"
        intro += " of \(code: r.outcome) on \(r.parameters) coefficient(s)"
        if let a = r.absorbed {
            let parts: [ReportText] = a.factors.map { "\(code: $0.name) (\($0.levels) levels)" }
            intro += " with absorbed fixed effects for " + ReportText.joined(parts)
        }
        intro += "; \(r.observations) observations"
        if r.droppedRows > 0 { intro += " (\(r.droppedRows) row(s) dropped for missing values, zero weight or singletons)" }
        intro += ". R² = \(number: r.rSquared)"
        if let within = r.withinRSquared { intro += ", within R² = \(number: within)" }
        intro += ", adjusted R² = \(number: r.adjustedRSquared), σ̂ = \(number: r.sigma)."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let f = r.clusteredByAbsorbedFactor {
            blocks.append(
                .note(
                    "Standard errors are clustered by \(code: f), the first absorbed factor, since no `cluster` was given (the default of pyfixest and of fixest before 1.0; fixest 1.0 reports iid errors). Give `cluster` or `inference` to choose."
                ))
        }
        if let a = r.absorbed, a.singletons > 0 {
            blocks.append(.note("\(a.singletons) observation(s) alone in a level of an absorbed factor were dropped (they are fitted exactly)."))
        }
        if let t = r.treatment {
            var lines: [ReportText] = tables.compactMap { table in
                table[t].map { "\(strong: t) (\(table.estimator.rawValue)): " + ReportText.estimate($0, strong: false, method: false) }
            }
            lines += bootstrap.filter { $0.effect.term == t }.map {
                "\(strong: t) (wild bootstrap): " + ReportText.estimate($0.effect, strong: false, method: false)
            }
            blocks.append(.bullets(lines))
        }
        for table in tables {
            let reference: String
            switch table.rows.first?.inference.df {
            case .satterthwaite?: reference = "t with Satterthwaite df (per coefficient)"
            default: reference = table.degreesOfFreedom.map { "t with \(ReportFormat.period($0)) df" } ?? "a normal reference"
            }
            let clusters =
                r.clusterColumns.count > 1
                ? "clustered by \(r.clusterColumns.joined(separator: " and ")), fewest clusters \(table.clusterCount ?? 0)"
                : "\(table.clusterCount ?? 0) clusters"
            let df = table.clusterCount == nil ? reference : "\(reference) (\(clusters))"
            blocks.append(
                .table(
                    CoefficientPresenter.table(table.rows, caption: "Standard errors: \(strong: table.estimator.rawValue); tests use \(df).", level: r.level)))
        }
        if let first = bootstrap.first {
            let kind = first.imposeNull ? "restricted (WCR, null imposed)" : "unrestricted (WCU)"
            let draws = first.fullEnumeration ? "all \(first.draws) sign vectors (full enumeration)" : "\(first.draws) draws"
            blocks.append(
                .table(
                    ReportTable(
                        caption:
                            "Wild cluster bootstrap, \(kind), \(first.weights.rawValue) weights, \(draws), \(first.clusters) clusters: t is the CR1 t; p and the interval come from the bootstrap (the interval by test inversion).",
                        columns: [
                            .init("term", .left), .init("estimate"), .init("t (CR1)"), .init("bootstrap p"),
                            .init("\(ConfidenceLevel.percent(r.level)) CI", .left)
                        ],
                        rows: bootstrap.map { b -> [ReportTable.Cell] in
                            let e = b.effect
                            return [
                                .text(e.term ?? ""), .number(e.estimate), .number(e.statistic), .pValue(e.pValue),
                                .interval(b.unboundedBelow ? -.infinity : e.lower, b.unboundedAbove ? .infinity : e.upper)
                            ]
                        })))
        }
        if let w = r.waldTest {
            let terms: [ReportText] = r.waldTerms.map { "\(code: $0)" }
            var text: ReportText = "HTZ Wald test (CR2) that " + ReportText.joined(terms)
            text +=
                " are all zero: F = \(number: w.statistic) on \(Int(w.numeratorDegreesOfFreedom)) and \(number: w.denominatorDegreesOfFreedom) df, \(pClause: w.pValue)."
            blocks.append(.paragraph(text))
        }
        if let main = tables.first {
            let shown = main.rows.filter { $0.term != "(Intercept)" }
            var chart = DotChart(
                title: "\(name): coefficients (\(main.estimator.rawValue.uppercased()), \(ConfidenceLevel.percent(r.level)) CI)",
                xLabel: "estimate", categories: shown.map { $0.term ?? "" })
            chart.markers = [
                DotChart.Marker(
                    name: "estimate", values: shown.map(\.estimate),
                    low: shown.map { $0.lower ?? $0.estimate }, high: shown.map { $0.upper ?? $0.estimate },
                    color: Palette.color(0))
            ]
            blocks.append(.figure(ReportFigure(fileName: "coefficients.svg", caption: "Coefficients with confidence intervals", svg: chart.render())))
        }
        return blocks
    }
}
