import Foundation

/// A continuous probability distribution on the real line.
///
/// Each distribution gives both the CDF and its complement, computed
/// separately, so that small tail probabilities (p-values) keep their relative
/// accuracy instead of being lost to `1 − cdf`.
public protocol ContinuousDistribution: Sendable {
    /// The density at `x`.
    func pdf(_ x: Double) -> Double
    /// `P(X <= x)`.
    func cdf(_ x: Double) -> Double
    /// `P(X > x)`, accurate when small.
    func ccdf(_ x: Double) -> Double
    /// The `x` with `cdf(x) = p`.
    func quantile(_ p: Double) -> Double
    /// The `x` with `ccdf(x) = q`, accurate for small `q`.
    func complementaryQuantile(_ q: Double) -> Double
}

extension ContinuousDistribution {
    /// The two-sided p-value `P(|X| >= |x|)` for a distribution symmetric about zero.
    public func twoSidedPValue(_ x: Double) -> Double {
        min(1, 2 * ccdf(abs(x)))
    }
}

/// Numerical inversion of a monotone tail function, used for the quantiles.
enum Inversion {
    /// Solves `tail(x) = target` where `tail` is decreasing on `(lower, ∞)`, starting from `guess`.
    ///
    /// Brackets the root by doubling, then uses Newton steps on `log tail`
    /// (which behaves well far into the tail) safeguarded by bisection.
    /// Converges to about 1e-15 relative in `x`.
    static func solveDecreasing(
        target: Double, lower: Double, guess: Double,
        tail: (Double) -> Double, density: (Double) -> Double
    ) -> Double {
        var lo = lower, hi = max(guess, lower + 1)
        // Bracket: tail(lo) >= target >= tail(hi).
        var steps = 0
        while tail(hi) > target && steps < 2000 {
            lo = hi
            hi = hi * 2 + 1
            steps += 1
        }
        var x = min(max(guess, lo), hi)
        if !(x > lo && x < hi) { x = lo.isFinite && lo > -1e300 ? (lo + hi) / 2 : hi - 1 }
        let logTarget = log(target)
        for _ in 0..<300 {
            let t = tail(x)
            if t == target { return x }
            if t > target { lo = x } else { hi = x }
            let f = density(x)
            var next: Double
            if t > 0 && f > 0 {
                // d/dx log tail(x) = −f(x)/tail(x)
                next = x + (log(t) - logTarget) * t / f
            } else {
                next = .nan
            }
            if !(next > lo && next < hi) { next = lo.isFinite && lo > -1e300 ? 0.5 * (lo + hi) : hi - 2 * abs(hi) - 1 }
            if abs(next - x) <= 1e-15 * abs(x) + 1e-300 { return next }
            x = next
            if hi - lo <= 1e-15 * abs(hi) { return 0.5 * (lo + hi) }
        }
        return x
    }
}
