import Distributions

/// Standard errors and a simultaneous critical value from bootstrap draws of a vector of estimates.
///
/// For estimates θ̂₁ … θ̂ₘ and B draws θ*_b, the standard error of θ̂ⱼ is the draws' standard
/// deviation (n − 1 form), and the simultaneous (sup-t) critical value is the `level` quantile
/// (R type 7) of maxⱼ |θ*_bj − θ̂ⱼ| / seⱼ over the draws (Montiel Olea & Plagborg-Møller 2019), so that
/// θ̂ⱼ ± c·seⱼ covers all m values at once with probability `level`. It is never below the pointwise
/// normal value. Draws that failed (nil) are left out and counted.
///
/// Complexity: O(B m + B log B).
public struct BootstrapSummary: Sendable, Codable, Equatable {
    public let standardErrors: [Double]
    public let criticalValue: Double
    /// Draws used and draws that failed (a singular refit, say).
    public let draws: Int
    public let failedDraws: Int

    /// Summarises `draws` (each of the estimates' length, or nil for a failed draw) around `estimates`.
    public init(estimates: [Double], draws: [[Double]?], level: Double) {
        let good = draws.compactMap { $0 }
        let m = estimates.count
        let se = (0..<m).map { j -> Double in
            guard good.count > 1 else { return .nan }
            let column = good.map { $0[j] }
            return WeightedStatistics.standardDeviation(column)
        }
        let pointwise = ConfidenceLevel.normalCritical(level)
        var critical = pointwise
        if good.count > 1 {
            let maxima = good.map { draw in
                (0..<m).filter { se[$0] > 0 }.map { abs(draw[$0] - estimates[$0]) / se[$0] }.max() ?? 0
            }
            critical = Swift.max(pointwise, WeightedStatistics.quantile(maxima, level))
        }
        standardErrors = se
        criticalValue = critical
        self.draws = good.count
        failedDraws = draws.count - good.count
    }
}
