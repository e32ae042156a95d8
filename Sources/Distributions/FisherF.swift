import Foundation

/// The F distribution with `numeratorDegreesOfFreedom` d₁ and `denominatorDegreesOfFreedom` d₂.
///
/// `P(F > x) = I_{d₂/(d₂+d₁x)}(d₂/2, d₁/2)`.
public struct FisherF: ContinuousDistribution {
    public let numeratorDegreesOfFreedom: Double
    public let denominatorDegreesOfFreedom: Double

    public init(numeratorDegreesOfFreedom d1: Double, denominatorDegreesOfFreedom d2: Double) {
        precondition(d1 > 0 && d2 > 0, "FisherF needs positive degrees of freedom, got \(d1), \(d2)")
        numeratorDegreesOfFreedom = d1
        denominatorDegreesOfFreedom = d2
    }

    public func pdf(_ x: Double) -> Double {
        if x <= 0 { return 0 }
        let d1 = numeratorDegreesOfFreedom, d2 = denominatorDegreesOfFreedom
        if d2.isInfinite { return d1 * ChiSquared(degreesOfFreedom: d1).pdf(d1 * x) }
        return exp(
            0.5 * (d1 * log(d1 * x) + d2 * log(d2) - (d1 + d2) * log(d1 * x + d2))
                - log(x) - SpecialFunctions.logBeta(d1 / 2, d2 / 2))
    }

    private func tails(_ x: Double) -> (lower: Double, upper: Double) {
        let d1 = numeratorDegreesOfFreedom, d2 = denominatorDegreesOfFreedom
        if x <= 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        if d2.isInfinite {
            let c = ChiSquared(degreesOfFreedom: d1)
            return (c.cdf(d1 * x), c.ccdf(d1 * x))
        }
        let denom = d1 * x + d2
        let r = SpecialFunctions.incompleteBeta(a: d2 / 2, b: d1 / 2, x: d2 / denom, y: d1 * x / denom)
        return (r.upper, r.lower)
    }

    public func cdf(_ x: Double) -> Double { x.isNaN ? .nan : tails(x).lower }
    public func ccdf(_ x: Double) -> Double { x.isNaN ? .nan : tails(x).upper }

    public func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        if p > 0.5 { return complementaryQuantile(1 - p) }
        // Lower quantile of F(d1, d2) is the reciprocal of the upper quantile of F(d2, d1).
        let flipped = FisherF(
            numeratorDegreesOfFreedom: denominatorDegreesOfFreedom,
            denominatorDegreesOfFreedom: numeratorDegreesOfFreedom)
        return 1 / flipped.complementaryQuantile(p)
    }

    public func complementaryQuantile(_ q: Double) -> Double {
        if q.isNaN || q < 0 || q > 1 { return .nan }
        if q == 0 { return .infinity }
        if q == 1 { return 0 }
        if q > 0.5 { return quantile(1 - q) }
        let d1 = numeratorDegreesOfFreedom
        let guess = max(ChiSquared(degreesOfFreedom: d1).complementaryQuantile(q) / d1, 1e-8)
        return Inversion.solveDecreasing(
            target: q, lower: 0, guess: guess,
            tail: { self.ccdf($0) }, density: { self.pdf($0) })
    }
}
