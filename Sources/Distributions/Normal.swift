import Foundation

/// The normal distribution `N(mean, sd²)`.
///
/// The CDF uses `erfc`, accurate to a few ulps in both tails. The quantile
/// starts from Acklam's rational approximation (relative error 1.2e-9) and
/// takes one Halley step on the exact tail, which gives full double precision.
public struct Normal: ContinuousDistribution {
    public let mean: Double
    public let standardDeviation: Double

    /// The standard normal distribution.
    public static let standard = Normal(mean: 0, standardDeviation: 1)

    public init(mean: Double = 0, standardDeviation: Double = 1) {
        precondition(standardDeviation > 0, "Normal needs a positive standard deviation")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public func pdf(_ x: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return exp(-0.5 * z * z) / (SpecialFunctions.sqrt2Pi * standardDeviation)
    }

    public func cdf(_ x: Double) -> Double {
        0.5 * erfc(-(x - mean) / standardDeviation / 2.0.squareRoot())
    }

    public func ccdf(_ x: Double) -> Double {
        0.5 * erfc((x - mean) / standardDeviation / 2.0.squareRoot())
    }

    public func quantile(_ p: Double) -> Double {
        mean + standardDeviation * Normal.standardQuantile(lowerTail: p)
    }

    public func complementaryQuantile(_ q: Double) -> Double {
        mean - standardDeviation * Normal.standardQuantile(lowerTail: q)
    }

    /// The standard normal quantile for lower-tail probability `p`.
    static func standardQuantile(lowerTail p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // Work in the lower half for precision; reflect.
        if p > 0.5 { return -standardQuantile(lowerTail: 1 - p) }
        var x = acklam(p)
        // Halley refinement on Φ(x) − p, Φ evaluated in the lower tail.
        for _ in 0..<2 {
            let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
            let u = e * SpecialFunctions.sqrt2Pi * exp(0.5 * x * x)
            let step = u / (1 + 0.5 * x * u)
            x -= step
            if abs(step) <= 1e-16 * abs(x) { break }
        }
        return x
    }

    /// Acklam's (2003) rational approximation to the normal quantile, for p in (0, 0.5].
    private static func acklam(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
