import EstimationCore

/// The settings every cross-sectional dose–response estimator shares: where the curve is reported,
/// the confidence level, and the bootstrap (draws, seed, threads).
public protocol DoseCurveSettings {
    var grid: [Double]? { get set }
    var level: Double { get set }
    var replications: Int { get set }
    var seed: UInt64 { get set }
    var threads: Int { get set }
}

/// One dose of a dose–response curve: the effect (the curve's level) and, where the estimator gives
/// it, the slope, each with a pointwise interval and a simultaneous band.
public struct DoseResponsePoint: Sendable, Codable, Equatable {
    public var dose: Double
    /// The curve at `dose`, with its pointwise interval at `level`.
    public var effect: Estimate
    /// The simultaneous band over the whole grid (nil without one).
    public var bandLower: Double?
    public var bandUpper: Double?
    /// The derivative of the curve at `dose` (nil when the estimator gives none).
    public var slope: Estimate?
    public var slopeBandLower: Double?
    public var slopeBandUpper: Double?
}

/// A dose–response curve on a grid of doses, with pointwise intervals and simultaneous bands.
///
/// JSON: `{"level": 0.95, "points": [{"dose": 0.1, "effect": {…Estimate…}, "bandLower": …}, …],
/// "criticalValue": 2.71, "slopeCriticalValue": 2.9}`.
public struct DoseResponseCurve: Sendable, Codable, Equatable {
    public var points: [DoseResponsePoint]
    public var level: Double
    /// The simultaneous critical value of the curve's band (nil without a band).
    public var criticalValue: Double?
    /// The simultaneous critical value of the slope's band.
    public var slopeCriticalValue: Double?

    public var doses: [Double] { points.map(\.dose) }
    public var effects: [Double] { points.map(\.effect.estimate) }
    public var slopes: [Double?] { points.map { $0.slope?.estimate } }

    /// A curve from estimates and standard errors: normal pointwise intervals, and bands at
    /// `critical`/`slopeCritical` standard errors when given.
    static func normal(
        doses: [Double], effects: [Double], standardErrors: [Double], slopes: [Double]? = nil, slopeStandardErrors: [Double]? = nil,
        critical: Double?, slopeCritical: Double?, level: Double, inference: Inference
    ) -> DoseResponseCurve {
        let points = doses.indices.map { k -> DoseResponsePoint in
            let e = Estimate.wald(estimate: effects[k], standardError: standardErrors[k], degreesOfFreedom: nil, level: level, inference: inference)
            var p = DoseResponsePoint(dose: doses[k], effect: e)
            if let c = critical, e.standardError != nil {
                p.bandLower = effects[k] - c * standardErrors[k]
                p.bandUpper = effects[k] + c * standardErrors[k]
            }
            if let s = slopes, let sse = slopeStandardErrors {
                p.slope = .wald(estimate: s[k], standardError: sse[k], degreesOfFreedom: nil, level: level, inference: inference)
                if let c = slopeCritical, p.slope?.standardError != nil {
                    p.slopeBandLower = s[k] - c * sse[k]
                    p.slopeBandUpper = s[k] + c * sse[k]
                }
            } else if let s = slopes {
                p.slope = .point(s[k], level: level)
            }
            return p
        }
        return DoseResponseCurve(points: points, level: level, criticalValue: critical, slopeCriticalValue: slopeCritical)
    }

    /// The curve and its slope from `values` = [curve at each dose …, slope at each dose …], with bootstrap
    /// standard errors and sup-t bands when `replications > 0`: `draw(b)` refits bootstrap sample b
    /// (nil when it cannot be fitted), run on `threads` threads. Also returns the draws used and failed.
    static func bootstrapped(
        doses: [Double], values: [Double], replications: Int, threads: Int, level: Double, type: String,
        _ draw: @Sendable (Int) -> [Double]?
    ) -> (curve: DoseResponseCurve, draws: Int, failed: Int) {
        let g = doses.count
        let effects = Array(values[..<g]), slopes = Array(values[g...])
        guard replications > 0 else {
            let points = doses.indices.map { k in
                DoseResponsePoint(dose: doses[k], effect: .point(effects[k], level: level), slope: .point(slopes[k], level: level))
            }
            return (DoseResponseCurve(points: points, level: level), 0, 0)
        }
        let draws = ParallelMap.map(replications, threads: threads, draw)
        let curve = BootstrapSummary(estimates: effects, draws: draws.map { $0.map { Array($0[..<g]) } }, level: level)
        let slope = BootstrapSummary(estimates: slopes, draws: draws.map { $0.map { Array($0[g...]) } }, level: level)
        let inference = Inference(kind: .bootstrap, name: "bootstrap", type: type, df: .normal, replications: curve.draws)
        let result = normal(
            doses: doses, effects: effects, standardErrors: curve.standardErrors, slopes: slopes, slopeStandardErrors: slope.standardErrors,
            critical: curve.criticalValue, slopeCritical: slope.criticalValue, level: level, inference: inference)
        return (result, curve.draws, curve.failedDraws)
    }
}
