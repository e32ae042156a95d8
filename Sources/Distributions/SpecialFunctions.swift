import Foundation

/// Special functions behind the distributions: regularised incomplete beta and
/// gamma functions, with prefactors computed by Loader's saddle-point method so
/// that they keep full relative accuracy for large arguments (large degrees of freedom).
///
/// References: Loader, C. (2000) "Fast and accurate computation of binomial
/// probabilities"; Press et al. (2007) *Numerical Recipes*, §6.2 and §6.4
/// (Lentz's continued fractions).
public enum SpecialFunctions {
    static let lnSqrt2Pi = 0.918938533204672741780329736406
    static let sqrt2Pi = 2.506628274631000502415765284811

    /// `log Γ(x)` for x > 0.
    public static func logGamma(_ x: Double) -> Double { lgamma(x) }

    /// `log B(a, b)`, without the cancellation of `lgamma(a) − lgamma(a + b)` when one argument is large.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b), big = max(a, b)
        if big < 10 { return lgamma(a) + lgamma(b) - lgamma(a + b) }
        // With log Γ(x) = stirlingError(x) + (x − ½) log x − x + log √(2π), the large terms cancel analytically:
        // log Γ(big) − log Γ(big + small)
        //   = e(big) − e(big + small) − (big − ½) log1p(small / big) − small · log(big + small) + small.
        let diff =
            stirlingError(big) - stirlingError(big + small)
            - (big - 0.5) * log1p(small / big) - small * log(big + small) + small
        return lgamma(small) + diff
    }

    /// Stirling's error: `log Γ(n+1) − (n + ½) log n + n − log √(2π)` (Loader 2000).
    static func stirlingError(_ n: Double) -> Double {
        let s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188
        if n > 15 {
            let nn = n * n
            if n > 500 { return (s0 - s1 / nn) / n }
            if n > 80 { return (s0 - (s1 - s2 / nn) / nn) / n }
            if n > 35 { return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n }
            return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n
        }
        if n == 0 { return 0 }
        return lgamma(n + 1) - (n + 0.5) * log(n) + n - lnSqrt2Pi
    }

    /// The deviance term `x log(x / m) + m − x`, computed without cancellation when x ≈ m (Loader 2000).
    static func devianceTerm(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            let s = (x - m) * v
            if abs(s) < Double.leastNormalMagnitude { return s }
            var sum = s
            var ej = 2 * x * v
            v *= v
            for j in 1..<1000 {
                ej *= v
                let next = sum + ej / Double(2 * j + 1)
                if next == sum { return next }
                sum = next
            }
            return sum
        }
        if x == 0 { return m }
        return x * log(x / m) + m - x
    }

    /// `xᵃ (1−x)ᵇ / B(a, b)`, accurate for large a and b. `y` must equal `1 − x` (passed to keep precision).
    static func betaKernel(a: Double, b: Double, x: Double, y: Double) -> Double {
        if x <= 0 || y <= 0 { return 0 }
        if a < 1 || b < 1 {
            // A small shape: logs taken on whichever of x, y is away from 1.
            let lx = x < 0.5 ? log(x) : log1p(-y)
            let ly = y < 0.5 ? log(y) : log1p(-x)
            return exp(a * lx + b * ly - logBeta(a, b))
        }
        let n = a + b
        // Binomial density at a successes of n trials with probability x (Loader's dbinom_raw),
        // then xᵃ(1−x)ᵇ/B(a,b) = dbinom(a; n, x) · ab/n.
        let lc =
            stirlingError(n) - stirlingError(a) - stirlingError(b)
            - devianceTerm(a, n * x) - devianceTerm(b, n * y)
        let dbinom = exp(lc) * sqrt(n / (2 * Double.pi * a * b))
        return dbinom * a * b / n
    }

    /// The regularised incomplete beta function `I_x(a, b)` and its complement `1 − I_x(a, b)`.
    ///
    /// Evaluated by the continued fraction on whichever side converges, so that
    /// both tails keep relative accuracy. `y` must equal `1 − x`.
    public static func incompleteBeta(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        precondition(a > 0 && b > 0, "incompleteBeta needs positive shape parameters")
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if x < (a + 1) / (a + b + 2) {
            let v = betaKernel(a: a, b: b, x: x, y: y) * betaContinuedFraction(a: a, b: b, x: x) / a
            return (v, 1 - v)
        } else {
            let v = betaKernel(a: b, b: a, x: y, y: x) * betaContinuedFraction(a: b, b: a, x: y) / b
            return (1 - v, v)
        }
    }

    /// Lentz's evaluation of the continued fraction for `I_x(a, b)`.
    static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...200_000 {
            let md = Double(m), m2 = 2 * md
            var aa = md * (b - md) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }

    /// `xᵃ e⁻ˣ / Γ(a + 1)` (the Poisson density at a, mean x), accurate for large a (Loader 2000).
    static func poissonKernel(a: Double, x: Double) -> Double {
        if x <= 0 { return a == 0 ? 1 : 0 }
        if a < 1 { return exp(a * log(x) - x - lgamma(a + 1)) }
        return exp(-stirlingError(a) - devianceTerm(a, x)) / sqrt(2 * Double.pi * a)
    }

    /// The regularised incomplete gamma functions `P(a, x)` and `Q(a, x) = 1 − P(a, x)`.
    ///
    /// Series for x < a + 1, Lentz continued fraction otherwise; each tail keeps relative accuracy.
    public static func incompleteGamma(a: Double, x: Double) -> (lower: Double, upper: Double) {
        precondition(a > 0, "incompleteGamma needs a positive shape")
        if x <= 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        if x < a + 1 {
            // P(a,x) = xᵃe⁻ˣ/Γ(a+1) · Σ xⁿ / ((a+1)…(a+n))
            var term = 1.0, sum = 1.0, ap = a
            for _ in 0..<100_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            let p = poissonKernel(a: a, x: x) * sum
            return (p, 1 - p)
        } else {
            let tiny = 1e-300
            var b = x + 1 - a
            var c = 1 / tiny
            var d = 1 / b
            var h = d
            for i in 1...200_000 {
                let an = -Double(i) * (Double(i) - a)
                b += 2
                d = an * d + b; if abs(d) < tiny { d = tiny }
                c = b + an / c; if abs(c) < tiny { c = tiny }
                d = 1 / d
                let del = d * c
                h *= del
                if abs(del - 1) < 1e-16 { break }
            }
            // Q = xᵃ e⁻ˣ / Γ(a) · h = poissonKernel · a · h
            let q = poissonKernel(a: a, x: x) * a * h
            return (1 - q, q)
        }
    }
}
