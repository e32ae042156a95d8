import Foundation

/// The chi-square distribution with `degreesOfFreedom` (k > 0).
///
/// `P(X <= x) = P(k/2, x/2)`, the regularised lower incomplete gamma function.
public struct ChiSquared: ContinuousDistribution {
    public let degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "ChiSquared needs positive degrees of freedom, got \(degreesOfFreedom)")
        self.degreesOfFreedom = degreesOfFreedom
    }

    public func pdf(_ x: Double) -> Double {
        if x < 0 { return 0 }
        let k = degreesOfFreedom
        if x == 0 { return k == 2 ? 0.5 : (k < 2 ? .infinity : 0) }
        return exp((k / 2 - 1) * log(x) - x / 2 - (k / 2) * log(2.0) - lgamma(k / 2))
    }

    public func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return x <= 0 ? 0 : SpecialFunctions.incompleteGamma(a: degreesOfFreedom / 2, x: x / 2).lower
    }

    public func ccdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return x <= 0 ? 1 : SpecialFunctions.incompleteGamma(a: degreesOfFreedom / 2, x: x / 2).upper
    }

    public func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        if p > 0.5 { return complementaryQuantile(1 - p) }
        // Lower tail: solve cdf(x) = p, i.e. a decreasing problem in 1/x is awkward; bisect-Newton on cdf directly.
        let k = degreesOfFreedom
        var lo = 0.0, hi = max(wilsonHilferty(p: p), 1e-300)
        while cdf(hi) < p { lo = hi; hi *= 2 }
        // Small-x start from P ≈ (x/2)^(k/2) / Γ(k/2 + 1).
        var x = min(hi, 2 * exp((log(p) + lgamma(k / 2 + 1)) / (k / 2)))
        if !(x > lo) { x = 0.5 * (lo + hi) }
        let logP = log(p)
        for _ in 0..<300 {
            let c = cdf(x)
            if c == p { return x }
            if c < p { lo = x } else { hi = x }
            let f = pdf(x)
            // Newton on log cdf.
            var next = c > 0 && f > 0 ? x - (log(c) - logP) * c / f : .nan
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - x) <= 1e-15 * x { return next }
            x = next
        }
        return x
    }

    public func complementaryQuantile(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 { return .nan }
        if q == 0 { return .infinity }
        if q == 1 { return 0 }
        if q > 0.5 { return quantile(1 - q) }
        return Inversion.solveDecreasing(
            target: q, lower: 0, guess: wilsonHilferty(p: 1 - q, q: q),
            tail: { self.ccdf($0) }, density: { self.pdf($0) })
    }

    /// Wilson & Hilferty's (1931) approximation to the quantile, used as a starting point.
    private func wilsonHilferty(p: Double, q: Double? = nil) -> Double {
        let k = degreesOfFreedom
        let z = q.map { Normal.standard.complementaryQuantile($0) } ?? Normal.standard.quantile(p)
        let h = 2 / (9 * k)
        let c = 1 - h + z * h.squareRoot()
        return max(k * c * c * c, 1e-8)
    }
}
