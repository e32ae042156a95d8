import Distributions
import EstimationCore
import LinearAlgebra

/// Robust confidence sets for an event-study effect when parallel trends may fail
/// (Rambachan & Roth 2023, "A More Credible Approach to Parallel Trends", ReStud), as R `HonestDiD`.
///
/// The input is an event study: `β̂ = (β̂_pre, β̂_post)` with the reference period omitted and
/// its covariance `Σ`. The target is `θ = lᵀτ_post` (default: the first post-period effect).
/// The bias `δ` in `β = (0, τ) + δ` is restricted to a set `Δ`, and the confidence sets are
/// valid for every `δ ∈ Δ` consistent with the pre-period estimates:
///
/// - ``relativeMagnitudes(_:gridPoints:threads:)``: `Δ^RM(M̄)`, post-period changes in the
///   bias at most `M̄` times the largest pre-period change; the conditional-least-favourable
///   hybrid test of Andrews, Roth & Pakes (2023) inverted on a grid ("C-LF").
/// - ``smoothness(_:criticalValue:)``: `Δ^SD(M)`, the slope of the bias changes by at most
///   `M` between periods; the optimal fixed-length confidence interval (Armstrong & Kolesár 2018).
/// - ``breakdown(_:)``: the largest `M̄` or `M` at which the robust set still excludes zero.
///
/// Conventions follow the R package (version 0.2.6 for the relative-magnitudes grid, which
/// the Stata port shares): see each method.
public struct ParallelTrendsSensitivity: Sendable {
    /// `β̂`: the pre-period coefficients (reference omitted), then the post-period ones.
    public let estimates: [Double]
    /// The covariance of ``estimates``.
    public let covariance: Matrix
    /// Number of pre-period coefficients.
    public let preperiods: Int
    /// Number of post-period coefficients.
    public let postperiods: Int
    /// `l`: the weights on the post-period effects that define the target `θ = lᵀτ_post`.
    public let target: [Double]
    /// Confidence level of every set (`1 − α`).
    public let level: Double

    /// Checks the inputs: one estimate per row of a symmetric, finite covariance; at least one
    /// pre- and one post-period; `target` of length `postperiods` and not all zero.
    public init(
        estimates: [Double], covariance: Matrix, preperiods: Int, target: [Double]? = nil, level: Double = 0.95
    ) throws(DiDError) {
        let postperiods = estimates.count - preperiods
        guard preperiods >= 1, postperiods >= 1 else {
            throw .data("sensitivity needs at least one pre-period and one post-period estimate; got \(preperiods) pre and \(postperiods) post")
        }
        guard covariance.rows == estimates.count, covariance.columns == estimates.count else {
            throw .data("sensitivity: \(estimates.count) estimates but a \(covariance.rows)x\(covariance.columns) covariance")
        }
        guard estimates.allSatisfy(\.isFinite), covariance.isFinite else {
            throw .data("sensitivity: the estimates or their covariance are not finite")
        }
        for i in 0..<covariance.rows {
            guard covariance[i, i] >= 0 else { throw .data("sensitivity: covariance has a negative variance at position \(i + 1)") }
            for j in 0..<i where abs(covariance[i, j] - covariance[j, i]) > 1e-10 * max(1e-300, abs(covariance[i, i]) + abs(covariance[j, j])) {
                throw .data("sensitivity: covariance is not symmetric at (\(i + 1), \(j + 1))")
            }
        }
        let l = target ?? [1] + Array(repeating: 0, count: postperiods - 1)
        guard l.count == postperiods, l.contains(where: { $0 != 0 }) else {
            throw .data("sensitivity: the target needs \(postperiods) post-period weights, not all zero; got \(l)")
        }
        guard level > 0, level < 1 else { throw .data("sensitivity: level must lie strictly between 0 and 1, got \(level)") }
        self.estimates = estimates
        self.covariance = covariance
        self.preperiods = preperiods
        self.postperiods = postperiods
        self.target = l
        self.level = level
    }

    /// One robust confidence set at one value of the restriction's bound.
    public struct RobustInterval: Sendable, Codable, Equatable {
        /// Which restriction on the bias.
        public enum Restriction: String, Sendable, Codable {
            case relativeMagnitudes = "relative-magnitudes"
            case smoothness
        }
        public let restriction: Restriction
        /// `M̄` (relative magnitudes) or `M` (smoothness).
        public let bound: Double
        /// The set's ends; nil when the set is empty (every grid point rejected).
        public let lower: Double?
        public let upper: Double?
        /// "C-LF" (conditional least-favourable hybrid) or "FLCI".
        public let method: String
        /// True when an end of the set is the end of the test grid, so the set may be wider.
        public let openAtGridEnd: Bool

        /// Whether the set contains zero (a null effect cannot be rejected).
        public var containsZero: Bool {
            guard let lower, let upper else { return false }
            return lower <= 0 && upper >= 0
        }
    }

    /// `θ̂ = lᵀβ̂_post`.
    public var targetEstimate: Double {
        Vector.dot(target, Array(estimates[preperiods...]))
    }

    /// `sd(θ̂) = √(lᵀ Σ_post l)`.
    public var targetStandardError: Double {
        var v = 0.0
        for i in 0..<postperiods {
            for j in 0..<postperiods { v += target[i] * target[j] * covariance[preperiods + i, preperiods + j] }
        }
        return v.squareRoot()
    }

    /// The usual confidence interval under exact parallel trends, `θ̂ ± z_{1−α/2} sd(θ̂)`
    /// (HonestDiD's `constructOriginalCS`).
    public func original() -> (lower: Double, upper: Double) {
        let z = Normal.standard.quantile(1 - (1 - level) / 2)
        return (targetEstimate - z * targetStandardError, targetEstimate + z * targetStandardError)
    }
}
