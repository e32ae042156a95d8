import Distributions
import Foundation
import LinearAlgebra
import Regression

extension ParallelTrendsSensitivity {
    /// The breakdown value of a restriction: the largest bound at which the robust set still excludes zero.
    public struct Breakdown: Sendable, Codable, Equatable {
        public let restriction: RobustInterval.Restriction
        /// The breakdown bound (`M̄` or `M`); nil when the effect is not significant even under
        /// exact parallel trends, or still significant at `searchLimit`.
        public let value: Double?
        /// The bisection's resolution: zero is excluded at `value` and included at `value + resolution`.
        public let resolution: Double
        /// True when the original interval (exact parallel trends) already contains zero.
        public let notSignificant: Bool
        /// The largest bound searched.
        public let searchLimit: Double
    }

    /// The breakdown value (Rambachan & Roth 2023, section 6): bisection on the bound for the
    /// point where the robust set first contains zero, which is monotone in the bound because
    /// the restriction sets are nested. Brackets by doubling from `M̄ = 1` (relative magnitudes)
    /// or `M = sd(θ̂)` (smoothness), up to 2¹⁰ times that.
    ///
    /// Complexity: about 10 + log₂(1/relativeResolution) evaluations of the robust set.
    public func breakdown(
        _ restriction: RobustInterval.Restriction, relativeResolution: Double = 1e-3, gridPoints: Int = 1000,
        criticalValue: FoldedNormalQuantile = .simulated(), threads: Int = 1
    ) throws(DiDError) -> Breakdown {
        let o = original()
        let start = restriction == .relativeMagnitudes ? 1.0 : targetStandardError
        let limit = start * 1024
        if o.lower <= 0 && o.upper >= 0 {
            return Breakdown(restriction: restriction, value: nil, resolution: 0, notSignificant: true, searchLimit: limit)
        }
        let smoothnessProblem = restriction == .smoothness ? try SmoothnessProblem(self) : nil
        let cv = FoldedNormalCriticalValue(criticalValue, probability: level)
        func containsZero(_ bound: Double) throws(DiDError) -> Bool {
            switch restriction {
            case .relativeMagnitudes:
                return try relativeMagnitudes([bound], gridPoints: gridPoints, threads: threads)[0].containsZero
            case .smoothness:
                let (v, half) = try smoothnessProblem!.optimalInterval(m: bound, criticalValue: cv)
                let centre = Vector.dot(v, estimates)
                return centre - half <= 0 && centre + half >= 0
            }
        }
        var low = 0.0, high = start
        while try !containsZero(high) {
            low = high
            high *= 2
            if high > limit { return Breakdown(restriction: restriction, value: nil, resolution: 0, notSignificant: false, searchLimit: limit) }
        }
        let resolution = relativeResolution * high
        while high - low > resolution {
            let mid = (low + high) / 2
            if try containsZero(mid) { high = mid } else { low = mid }
        }
        return Breakdown(restriction: restriction, value: low, resolution: high - low, notSignificant: false, searchLimit: limit)
    }

    /// HonestDiD's default smoothness bounds: 10 values from 0 to the largest one-sided
    /// `1 − α` upper confidence bound of the pre-period second differences
    /// (`DeltaSD_upperBound_Mpre`), the reference period entering as zero.
    public func defaultSmoothnessBounds() -> [Double] {
        let k = preperiods
        guard k >= 2 else { return Self.sequence(from: 0, to: covariance[0, 0].squareRoot(), count: 10) }
        let z = Normal.standard.quantile(level)
        let beta = Array(estimates[0..<k]) + [0]
        var upper = -Double.infinity
        for r in 0..<(k - 1) {
            var row = [Double](repeating: 0, count: k)
            for (offset, c) in [1.0, -2, 1].enumerated() where r + offset < k { row[r + offset] = c }
            let difference = (0..<3).reduce(0.0) { $0 + [1.0, -2, 1][$1] * beta[r + $1] }
            var variance = 0.0
            for i in 0..<k { for j in 0..<k { variance += row[i] * covariance[i, j] * row[j] } }
            upper = max(upper, difference + z * variance.squareRoot(), -difference + z * variance.squareRoot())
        }
        return Self.sequence(from: 0, to: max(upper, 0), count: 10)
    }
}

extension ParallelTrendsSensitivity {
    /// The sensitivity of a two-way fixed-effects event study: pre-periods are the estimated
    /// relative periods before −1, post-periods those from 0; the reference must be −1 and the
    /// relative periods consecutive, as HonestDiD's restrictions assume.
    public init(_ study: EventStudy, target: [Double]? = nil, level: Double? = nil) throws(DiDError) {
        let estimated = study.coefficients.filter { $0.effect.standardError != nil }
        let times = estimated.map(\.eventTime)
        guard let reference = study.coefficients.first(where: { $0.effect.standardError == nil })?.eventTime, reference == -1 else {
            throw .data("sensitivity needs the event study's reference period to be -1 (the period before adoption)")
        }
        guard times == Array((times.first ?? 0)...(times.last ?? 0)).filter({ $0 != -1 }) else {
            throw .data("sensitivity needs consecutive relative periods; the event study has \(times)")
        }
        try self.init(
            estimates: estimated.map(\.effect.estimate), covariance: study.eventTimeCovariance, preperiods: times.filter { $0 < -1 }.count,
            target: target, level: level ?? study.level)
    }

    /// The sensitivity of a Callaway–Sant'Anna event study: its dynamic aggregation (within
    /// `window`), which must use a universal base period (as HonestDiD's `honest_did` for `did`'s
    /// `AGGTEobj`: with a varying base, pre-period effects are one-period changes, not deviations
    /// from a common reference). Event time −1 is the reference and is dropped; the covariance is
    /// `Σ_c ψ_c ψ_cᵀ / n²` from the influence functions summed within clusters.
    public init(_ cs: CallawaySantAnna, window: CallawaySantAnna.EventWindow = .init(), target: [Double]? = nil) throws(DiDError) {
        guard cs.specification.basePeriod == .universal else {
            throw .data(
                "sensitivity needs base_period: universal; with a varying base period the pre-period effects are one-period changes, not deviations from the period before adoption"
            )
        }
        let aggregate = try cs.aggregate(.dynamic, window: window)
        let keep = aggregate.keys.indices.filter { aggregate.keys[$0] != -1 }
        let full = CallawaySantAnna.covariance(aggregate.influence, clusters: cs.clusters)
        let columns = keep.map { $0 + 1 } // column 0 is the overall average
        var covariance = Matrix(rows: keep.count, columns: keep.count)
        for (a, i) in columns.enumerated() { for (b, j) in columns.enumerated() { covariance[a, b] = full[i, j] } }
        try self.init(
            estimates: keep.map { aggregate.components[$0].estimate }, covariance: covariance,
            preperiods: keep.filter { aggregate.keys[$0] < -1 }.count, target: target, level: cs.specification.level)
    }
}
