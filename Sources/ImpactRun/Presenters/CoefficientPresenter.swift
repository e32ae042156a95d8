import EstimationCore
import Plotting
import Reporting

/// Tables and charts of coefficient estimates, shared by every method that reports coefficients
/// (`ols`/`wls`, `quantile`): the report table (term, estimate, SE, df, t, p, interval), the CSV
/// rows, and the coefficient-by-quantile chart.
enum CoefficientPresenter {
    /// Whole degrees of freedom as integers (n − K, G − 1), Satterthwaite's as numbers.
    static func degreesOfFreedom(_ df: Double?) -> ReportTable.Cell {
        guard let df else { return .empty }
        return df == df.rounded() && abs(df) < 1e9 ? .integer(Int(df)) : .number(df)
    }

    /// The report table of `estimates` (one row each, by `term`).
    static func table(_ estimates: [Estimate], caption: ReportText, level: Double, fileName: String? = nil) -> ReportTable {
        ReportTable(
            fileName: fileName, caption: caption,
            columns: [
                .init("term", .left), .init("estimate"), .init("std. error"), .init("df"), .init("t"), .init("p"),
                .init("\(ConfidenceLevel.percent(level)) CI", .left)
            ],
            rows: estimates.map {
                [
                    .text($0.term ?? ""), .number($0.estimate), .number($0.standardError), degreesOfFreedom($0.degreesOfFreedom),
                    .number($0.statistic), .pValue($0.pValue), .interval($0.lower, $0.upper)
                ]
            })
    }

    /// CSV cells of one estimate after its leading columns: estimate, SE, df, t, p, lower, upper.
    static func csvCells(_ e: Estimate) -> [ReportTable.Cell] {
        [
            .number(e.estimate), .number(e.standardError), .number(e.degreesOfFreedom), .number(e.statistic), .pValue(e.pValue), .number(e.lower),
            .number(e.upper)
        ]
    }

    /// The CSV headers matching `csvCells`.
    static let csvHeaders = ["estimate", "std_error", "df", "t", "p_value", "ci_lower", "ci_upper"]

    /// One coefficient across quantiles, its interval as a band.
    static func byQuantile(title: String, term: String, quantiles: [Double], estimates: [Estimate], level: Double) -> LineChart {
        var chart = LineChart(title: title, xLabel: "quantile", yLabel: "coefficient of \(term)")
        chart.bands.append(
            LineChart.Band(
                x: quantiles, low: estimates.map { $0.lower ?? $0.estimate }, high: estimates.map { $0.upper ?? $0.estimate },
                color: Palette.color(0)))
        chart.series.append(
            LineChart.Series(
                name: "\(term) (\(ConfidenceLevel.percent(level)) CI shaded)", x: quantiles, y: estimates.map(\.estimate), color: Palette.color(0),
                markers: true))
        chart.horizontalLines = [(0, "")]
        return chart
    }
}
