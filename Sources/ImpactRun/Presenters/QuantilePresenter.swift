import EstimationCore
import Regression
import Reporting

/// The report of a quantile regression: one coefficient table per quantile, `coefficients.csv` (every
/// quantile and term), and a chart of each coefficient across the quantiles.
enum QuantilePresenter {
    static func output(_ r: QuantileModel.Result, name: String) -> MethodOutput<QuantileModel.Result> {
        let how: ReportText =
            r.inference == .hallSheather
            ? "kernel-sandwich standard errors (Epanechnikov kernel, Hall–Sheather bandwidth, as statsmodels' QuantReg), t with n − k df"
            : "\(r.clusters.map { "cluster bootstrap over \($0) clusters" } ?? "pairs bootstrap"), \(r.replications ?? 0) draws"
        var intro: ReportText = "Quantile regression of \(code: r.outcome) at \(r.fits.count) quantile(s); \(r.observations) observations"
        if r.droppedRows > 0 { intro += " (\(r.droppedRows) row(s) dropped for missing values)" }
        var blocks: [ReportBlock] = [.paragraph(intro + "; " + how + ".")]
        for fit in r.fits {
            var caption: ReportText = "Quantile \(period: fit.quantile)"
            caption += fit.converged ? " (\(fit.iterations) iterations)" : " (not converged after \(fit.iterations) iterations)"
            if let h = fit.bandwidth, let s = fit.sparsity { caption += "; bandwidth \(number: h), sparsity \(number: s)" }
            blocks.append(.table(CoefficientPresenter.table(fit.coefficients, caption: caption, level: r.level)))
        }
        if r.fits.count > 1 {
            let quantiles = r.fits.map(\.quantile)
            for (j, term) in r.terms.enumerated() where term != "(Intercept)" || r.terms.count == 1 {
                let chart = CoefficientPresenter.byQuantile(
                    title: "\(name): \(term) by quantile", term: term, quantiles: quantiles, estimates: r.fits.map { $0.coefficients[j] },
                    level: r.level)
                blocks.append(
                    .figure(ReportFigure(fileName: "by_quantile_\(j).svg", caption: "The coefficient of \(term) at each quantile", svg: chart.render())))
            }
        }
        let csv = ReportTable(
            fileName: "coefficients.csv", headers: ["quantile", "term"] + CoefficientPresenter.csvHeaders,
            rows: r.fits.flatMap { fit in fit.coefficients.map { [.number(fit.quantile), .text($0.term ?? "")] + CoefficientPresenter.csvCells($0) } })
        let median = r.fits.first { $0.quantile == 0.5 } ?? r.fits[0]
        let keys = median.coefficients.filter { $0.term != "(Intercept)" }.map {
            KeyEstimate("coefficient of \($0.term ?? "") at quantile \(ReportFormat.period(median.quantile))", $0)
        }
        return MethodOutput(result: r, blocks: blocks, attachments: [csv], warnings: r.warnings.map(\.message), keyEstimates: keys)
    }
}
