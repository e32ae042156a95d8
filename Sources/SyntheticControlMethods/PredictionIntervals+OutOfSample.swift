import EstimationCore
import Foundation
import LinearAlgebra
import Regression

extension PredictionIntervals {
    /// The out-of-sample bounds of scpi (`scpi_out`): offsets to add to the in-sample bounds, per post period.
    ///
    /// The pre-period residuals y are regressed on the design X (a constant and the active donors'
    /// differences or levels), predicted at the post periods' design X₁:
    /// - mean m = X₁β̂ (least squares); log-variance model: log(y − Xβ̂)² on X, v = exp(X₁γ̂);
    /// - σ = min(√v, IQR/1.34), IQR from quantile regressions of y − Xβ̂ at 0.25 and 0.75;
    /// - gaussian: m ± √(−2 log a)·σ; location-scale: m + σ·(the a and 1 − a quantiles of the
    ///   standardised residuals (y − Xβ̂)/√exp(Xγ̂)); quantile: quantile regressions of y at a and 1 − a
    ///   (the empirical quantiles when the design was reduced to a constant for lack of periods).
    ///
    /// `a` is half of 1 − level, as scpi passes e_alpha/2. With fewer than 10 more periods than
    /// columns the design is a constant alone; columns summing exactly to the row count or to zero
    /// are dropped (scpi's `detectConstant`), and a design with as many columns as rows less one
    /// becomes a constant (`avoidCollin`).
    struct OutOfSample {
        let names: [String]
        let gaussian: [Band]
        let locationScale: [Band]
        let quantile: [Band]
        let mean: [Double]
        let variance: [Double]
        /// Whether every quantile regression converged (statsmodels' rule; otherwise its last iterate is used, as scpi does).
        let converged: Bool
        /// Where the design was reduced for lack of periods.
        let notes: [String]

        init(residuals y: [Double], design: [[Double]], postDesign: [[Double]], names donorNames: [String], alpha a: Double)
            throws(SyntheticControlError)
        {
            let n = y.count, t1 = postDesign.first?.count ?? 0
            // Too few periods for the design: a constant, and empirical quantiles for the quantile bounds (scpi sets e_order = 0).
            let constantOnly = n - 10 <= design.count + 1
            var keep = constantOnly ? [] : Array(design.indices)
            notes =
                constantOnly && !design.isEmpty
                ? [
                    "\(n) pre-treatment periods are too few to model the out-of-sample error on the donors: a constant, and empirical quantiles for the quantile bounds (scpi's rule)"
                ] : []
            keep = keep.filter { k in
                let s0 = design[k].reduce(0, +), s1 = postDesign[k].reduce(0, +)
                return s0 != Double(n) && s0 != 0 && s1 != Double(t1) && s1 != 0
            }
            if keep.count + 1 >= n - 1 { keep = [] }
            names = ["constant"] + keep.map { donorNames[$0] }
            let x = Matrix(columns: [[Double](repeating: 1, count: n)] + keep.map { design[$0] })
            let x1 = Matrix(columns: [[Double](repeating: 1, count: t1)] + keep.map { postDesign[$0] })

            func leastSquares(_ v: [Double]) throws(SyntheticControlError) -> [Double] {
                do { return try x.leastSquares(v, relativeTolerance: 1e-15).solution } catch {
                    throw .numerical("prediction intervals: \(error)")
                }
            }
            var converged = true
            func quantileFit(_ v: [Double], _ q: Double) throws(SyntheticControlError) -> [Double] {
                do {
                    let fit = try QuantileRegression(y: v, x: x, quantile: q)
                    converged = converged && fit.converged
                    return fit.predict(x1)
                } catch {
                    throw .numerical("prediction intervals: quantile regression: \(error)")
                }
            }
            let beta = try leastSquares(y)
            let m = x1.multiplied(by: beta)
            let fit = x.multiplied(by: beta)
            let r = (0..<n).map { y[$0] - fit[$0] }
            let logSquares = r.map { log(max($0 * $0, Double.leastNormalMagnitude)) }
            let gamma = try leastSquares(logSquares)
            let v = x1.multiplied(by: gamma).map(exp)
            let inSampleScale = x.multiplied(by: gamma).map { exp($0).squareRoot() }
            let q1 = try quantileFit(r, 0.25), q3 = try quantileFit(r, 0.75)
            let sigma = (0..<t1).map { min(v[$0].squareRoot(), abs(q3[$0] - q1[$0]) / 1.34) }
            let width = (-2 * log(a)).squareRoot()
            gaussian = (0..<t1).map { Band(lower: m[$0] - width * sigma[$0], upper: m[$0] + width * sigma[$0]) }
            let standardised = (0..<n).map { r[$0] / inSampleScale[$0] }
            let lowQ = WeightedStatistics.quantile(standardised, a), highQ = WeightedStatistics.quantile(standardised, 1 - a)
            locationScale = (0..<t1).map { Band(lower: m[$0] + sigma[$0] * lowQ, upper: m[$0] + sigma[$0] * highQ) }
            if constantOnly {
                let lo = WeightedStatistics.quantile(y, a), hi = WeightedStatistics.quantile(y, 1 - a)
                quantile = (0..<t1).map { _ in Band(lower: lo, upper: hi) }
            } else {
                let lo = try quantileFit(y, a), hi = try quantileFit(y, 1 - a)
                quantile = (0..<t1).map { Band(lower: lo[$0], upper: hi[$0]) }
            }
            mean = m
            variance = v
            self.converged = converged
        }
    }
}
