import Foundation

/// Descriptive statistics, optionally weighted, written once for every estimator.
///
/// Sums run left to right in index order, so a statistic computed here is bit-identical
/// wherever it is used. Weights are non-negative and need not sum to one.
///
/// | statistic | unweighted | weighted |
/// |---|---|---|
/// | `mean` | Σx/n | Σwx/Σw |
/// | `variance` | Σ(x − x̄)²/(n − 1) | Σw̃(x − x̄_w)²/(1 − Σw̃²), w̃ = w/Σw ("reliability" weights; MatchIt's `wvar`, R's `cov.wt`) |
/// | `quantile` | R's type 7 | the smallest x with weighted eCDF ≥ p (type 1) |
/// | `correlation` | Pearson | weighted covariance / (weighted SDs), the reliability form in both |
/// | `effectiveSampleSize` | n | (Σw)²/Σw² (Kish 1965) |
///
/// Complexity: O(n), except `quantile`, O(n log n).
public enum WeightedStatistics {
    /// The mean, or the weighted mean Σwx/Σw.
    public static func mean(_ x: [Double], weights: [Double]? = nil) -> Double {
        guard let w = weights else { return x.reduce(0, +) / Double(x.count) }
        precondition(w.count == x.count, "one weight per value")
        let sw = w.reduce(0, +)
        return zip(x, w).reduce(0) { $0 + $1.0 * $1.1 } / sw
    }

    /// The sample variance (n − 1 denominator), or with weights the reliability-weighted variance
    /// Σw̃(x − x̄_w)²/(1 − Σw̃²), w̃ = w/Σw (which equals the unweighted one when all weights are equal).
    public static func variance(_ x: [Double], weights: [Double]? = nil) -> Double {
        guard let w0 = weights else {
            let m = mean(x)
            return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
        }
        precondition(w0.count == x.count, "one weight per value")
        return covariance(x, x, weights: w0)
    }

    /// The square root of `variance`.
    public static func standardDeviation(_ x: [Double], weights: [Double]? = nil) -> Double {
        variance(x, weights: weights).squareRoot()
    }

    /// The variance p(1 − p) of a 0/1 variable, p the (weighted) proportion of ones
    /// (MatchIt's `wvar` for binary variables).
    public static func binaryVariance(_ x: [Double], weights: [Double]? = nil) -> Double {
        let w0 = weights ?? [Double](repeating: 1, count: x.count)
        let sw = w0.reduce(0, +)
        let p = zip(x, w0).reduce(0) { $0 + $1.0 * ($1.1 / sw) }
        return p * (1 - p)
    }

    /// Kish's effective sample size (Σw)²/Σw²; 0 when every weight is 0.
    public static func effectiveSampleSize(_ weights: [Double]) -> Double {
        let s = weights.reduce(0, +), s2 = weights.reduce(0) { $0 + $1 * $1 }
        return s2 > 0 ? s * s / s2 : 0
    }

    /// The p-quantile: R's type 7 (linear interpolation) without weights; with weights the smallest
    /// value whose weighted eCDF reaches p (type 1, which is type 7's step analogue).
    public static func quantile(_ x: [Double], _ p: Double, weights: [Double]? = nil) -> Double {
        precondition(!x.isEmpty && p >= 0 && p <= 1, "a quantile needs values and 0 ≤ p ≤ 1")
        guard let w = weights else {
            let s = x.sorted()
            let h = Double(s.count - 1) * p
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
            return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
        }
        let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : $0 < $1 }
        let total = w.reduce(0, +)
        var cumulative = 0.0
        for i in order {
            cumulative += w[i]
            if cumulative >= p * total * (1 - 1e-12) { return x[i] }
        }
        return x[order.last!]
    }

    /// The (weighted) covariance in the reliability form, Σw̃(x − x̄)(y − ȳ)/(1 − Σw̃²).
    public static func covariance(_ x: [Double], _ y: [Double], weights: [Double]? = nil) -> Double {
        precondition(x.count == y.count, "x and y have the same length")
        let w0 = weights ?? [Double](repeating: 1, count: x.count)
        let sw = w0.reduce(0, +)
        let w = w0.map { $0 / sw }
        let mx = zip(x, w).reduce(0) { $0 + $1.0 * $1.1 }, my = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 }
        var s = 0.0
        for i in x.indices { s += w[i] * (x[i] - mx) * (y[i] - my) }
        return s / (1 - w.reduce(0) { $0 + $1 * $1 })
    }

    /// The (weighted) Pearson correlation; nil when either variable is constant.
    public static func correlation(_ x: [Double], _ y: [Double], weights: [Double]? = nil) -> Double? {
        guard let x0 = x.first, let y0 = y.first, x.contains(where: { $0 != x0 }), y.contains(where: { $0 != y0 }) else { return nil }
        let vx = covariance(x, x, weights: weights), vy = covariance(y, y, weights: weights)
        guard vx > 0, vy > 0 else { return nil }
        return covariance(x, y, weights: weights) / (vx * vy).squareRoot()
    }
}
