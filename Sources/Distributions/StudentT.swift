import Foundation

/// Student's t distribution with `degreesOfFreedom` (ν > 0, may be non-integer; infinite gives the normal).
///
/// Tail probability: `P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½)` for t > 0, from the
/// regularised incomplete beta function (see `SpecialFunctions`).
public struct StudentT: ContinuousDistribution {
    public let degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "StudentT needs positive degrees of freedom, got \(degreesOfFreedom)")
        self.degreesOfFreedom = degreesOfFreedom
    }

    public func pdf(_ t: Double) -> Double {
        let v = degreesOfFreedom
        if v.isInfinite { return Normal.standard.pdf(t) }
        return exp(
            lgamma((v + 1) / 2) - lgamma(v / 2) - 0.5 * log(v * Double.pi)
                - (v + 1) / 2 * log1p(t * t / v))
    }

    /// `P(T > |t|)` for the upper half.
    private func upperTail(_ t: Double) -> Double {
        let v = degreesOfFreedom
        if v.isInfinite { return Normal.standard.ccdf(t) }
        if t.isInfinite { return 0 }
        let t2 = t * t
        // x = ν/(ν+t²), y = t²/(ν+t²), both computed directly.
        let x = v / (v + t2), y = t2 / (v + t2)
        return 0.5 * SpecialFunctions.incompleteBeta(a: v / 2, b: 0.5, x: x, y: y).lower
    }

    public func cdf(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        return t < 0 ? upperTail(-t) : 1 - upperTail(t)
    }

    public func ccdf(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        return t > 0 ? upperTail(t) : 1 - upperTail(-t)
    }

    public func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p < 0.5 { return -complementaryQuantile(p) }
        return complementaryQuantile(1 - p)
    }

    public func complementaryQuantile(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 { return .nan }
        if q == 0 { return .infinity }
        if q == 1 { return -.infinity }
        if q == 0.5 { return 0 }
        if q > 0.5 { return -complementaryQuantile(1 - q) }
        let v = degreesOfFreedom
        if v.isInfinite { return Normal.standard.complementaryQuantile(q) }
        if v == 1 { return 1 / tan(Double.pi * q) }
        if v == 2 { let p = 1 - q; return (2 * p - 1) / (2 * p * q).squareRoot() }
        // Start: the normal quantile with the first Cornish-Fisher term, or the
        // tail asymptote t ≈ (c / q)^(1/ν) far out.
        let z = Normal.standard.complementaryQuantile(q)
        var guess = z + (z * z * z + z) / (4 * v)
        // Far tail: P(T > t) ≈ c ν^((ν−1)/2) t^(−ν), c = Γ((ν+1)/2) / (Γ(ν/2) √(νπ)).
        let logC = lgamma((v + 1) / 2) - lgamma(v / 2) - 0.5 * log(v * Double.pi)
        let asymptote = exp((logC + (v - 1) / 2 * log(v) - log(q)) / v)
        if asymptote.isFinite && asymptote > guess { guess = asymptote }
        return Inversion.solveDecreasing(
            target: q, lower: 0, guess: guess,
            tail: { self.upperTail($0) }, density: { self.pdf($0) })
    }
}
