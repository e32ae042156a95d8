import EstimationCore
import Foundation
import LinearAlgebra

/// Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021),
/// and the synthetic-control and difference-in-differences estimators in the same framework,
/// following the R package `synthdid` (version 0.0.9) step by step so that estimates agree:
///
/// - Y is N x T with the N₀ controls in the first rows and the T₀ pre-periods first.
/// - noise level σ̂ = SD of all first differences of the controls' pre-period outcomes.
/// - unit weights ω: ζ_ω = η_ω σ̂ with η_ω = (N₁T₁)^¼ (SDID) or 1e-6 (SC); time
///   weights λ: ζ_λ = 1e-6 σ̂. Each is fitted on the "collapsed" (N₀+1) x (T₀+1)
///   matrix (treated rows and post columns averaged) by Frank–Wolfe with exact
///   line search, stopping when the objective falls by less than (1e-5 σ̂)²; 100
///   iterations, then `sparsify` (weights ≤ max/4 set to 0) and up to 10⁴ more.
///   SDID centres (intercepts) both fits; SC fixes λ = 0 and no ω intercept; DiD
///   uses uniform weights.
/// - τ̂ = (Ȳ_treated − ω'Y_controls) over post periods minus its λ-weighted pre-period level.
public enum SyntheticDiD {
    public enum Estimator: String, Sendable, Codable, CaseIterable {
        case syntheticDiD = "sdid"
        case syntheticControl = "sc"
        case differenceInDifferences = "did"
    }

    /// An estimate with the weights and settings that produced it.
    public struct Estimate: Sendable {
        public let estimator: Estimator
        public let estimate: Double
        /// Unit weights ω over the controls and time weights λ over the pre-periods.
        public let unitWeights: [Double]
        public let timeWeights: [Double]
        public let noiseLevel: Double
        public let zetaOmega: Double
        public let zetaLambda: Double
        /// Per post-period effects (the curve averaged by τ̂).
        public let effectCurve: [Double]
        let y: Matrix
        let n0: Int
        let t0: Int
    }

    /// Settings fixed at the first estimate and reused by placebo and jackknife refits (as `synthdid`'s `opts`).
    struct Settings {
        var zetaOmega: Double
        var zetaLambda: Double
        var omegaIntercept: Bool
        var lambdaIntercept: Bool
        var updateOmega: Bool
        var updateLambda: Bool
        var minDecrease: Double
        var maxIterations = 10_000
        var preSparsifyIterations = 100
    }

    /// Estimates τ for the block of treated units (rows n0..<N) after period t0.
    public static func estimate(
        _ y: Matrix, controls n0: Int, prePeriods t0: Int,
        estimator: Estimator = .syntheticDiD
    ) throws(SyntheticControlError) -> Estimate {
        let n = y.rows, t = y.columns
        guard n0 >= 2 else { throw .tooFewDonors(n0) }
        guard n0 < n else { throw .invalidOption("there are no treated units") }
        guard t0 >= 2 else { throw .invalidOption("synthetic DiD needs at least 2 pre-treatment periods; there are \(t0)") }
        guard t0 < t else { throw .invalidOption("there are no post-treatment periods") }
        guard y.isFinite else { throw .invalidOption("the outcome matrix has missing values; the panel must be balanced") }
        let noise = noiseLevel(y, n0: n0, t0: t0)
        let n1 = Double(n - n0), t1 = Double(t - t0)
        let etaOmega = estimator == .syntheticControl ? 1e-6 : pow(n1 * t1, 0.25)
        let settings = Settings(
            zetaOmega: etaOmega * noise, zetaLambda: 1e-6 * noise,
            omegaIntercept: estimator == .syntheticDiD, lambdaIntercept: true,
            updateOmega: estimator != .differenceInDifferences, updateLambda: estimator == .syntheticDiD,
            minDecrease: 1e-5 * noise)
        let omega0: [Double]? = estimator == .differenceInDifferences ? [Double](repeating: 1 / Double(n0), count: n0) : nil
        let lambda0: [Double]? =
            switch estimator {
            case .syntheticDiD: nil
            case .syntheticControl: [Double](repeating: 0, count: t0)
            case .differenceInDifferences: [Double](repeating: 1 / Double(t0), count: t0)
            }
        return fit(y, n0: n0, t0: t0, settings: settings, omega: omega0, lambda: lambda0, estimator: estimator, noise: noise)
    }

    /// σ̂: SD (n − 1) of all first differences over time of the control units' pre-period outcomes.
    static func noiseLevel(_ y: Matrix, n0: Int, t0: Int) -> Double {
        var diffs: [Double] = []
        for i in 0..<n0 { for s in 1..<t0 { diffs.append(y[i, s] - y[i, s - 1]) } }
        return WeightedStatistics.standardDeviation(diffs)
    }

    static func fit(
        _ y: Matrix, n0: Int, t0: Int, settings s: Settings, omega initialOmega: [Double]?,
        lambda initialLambda: [Double]?, estimator: Estimator, noise: Double
    ) -> Estimate {
        let yc = collapsed(y, n0: n0, t0: t0)
        var lambda = initialLambda ?? [Double](repeating: 1 / Double(t0), count: t0)
        var omega = initialOmega ?? [Double](repeating: 1 / Double(n0), count: n0)
        if s.updateLambda {
            // Time weights: rows are controls, columns the pre-periods and the post mean.
            let problem = yc.selectingRows(Array(0..<n0))
            lambda = sparsifiedFrankWolfe(
                problem, zeta: s.zetaLambda, intercept: s.lambdaIntercept, start: initialLambda, minDecrease: s.minDecrease,
                preSparsifyIterations: s.preSparsifyIterations, maxIterations: s.maxIterations)
        }
        if s.updateOmega {
            // Unit weights: rows are pre-periods, columns the controls and the treated mean.
            let problem = yc.selectingColumns(Array(0..<t0)).transposed
            omega = sparsifiedFrankWolfe(
                problem, zeta: s.zetaOmega, intercept: s.omegaIntercept, start: initialOmega, minDecrease: s.minDecrease,
                preSparsifyIterations: s.preSparsifyIterations, maxIterations: s.maxIterations)
        }
        let n = y.rows, t = y.columns, n1 = n - n0, t1 = t - t0
        // τ̂ = [−ω, 1/N₁] Y [−λ, 1/T₁]ᵀ, and the effect curve.
        var unitContrast = [Double](repeating: 0, count: t)
        for c in 0..<t {
            var v = 0.0
            for i in 0..<n0 { v -= omega[i] * y[i, c] }
            for i in n0..<n { v += y[i, c] / Double(n1) }
            unitContrast[c] = v
        }
        let preLevel = (0..<t0).reduce(0) { $0 + lambda[$1] * unitContrast[$1] }
        let curve = (t0..<t).map { unitContrast[$0] - preLevel }
        let tau = curve.reduce(0, +) / Double(t1)
        return Estimate(
            estimator: estimator, estimate: tau, unitWeights: omega, timeWeights: lambda, noiseLevel: noise,
            zetaOmega: s.zetaOmega, zetaLambda: s.zetaLambda, effectCurve: curve, y: y, n0: n0, t0: t0)
    }

    /// The (N₀+1) x (T₀+1) matrix with treated rows and post-period columns averaged.
    static func collapsed(_ y: Matrix, n0: Int, t0: Int) -> Matrix {
        let n = y.rows, t = y.columns
        var c = Matrix(rows: n0 + 1, columns: t0 + 1)
        for i in 0..<n {
            let row = min(i, n0)
            let rowWeight = i < n0 ? 1.0 : 1 / Double(n - n0)
            for s in 0..<t {
                let col = min(s, t0)
                let colWeight = s < t0 ? 1.0 : 1 / Double(t - t0)
                c[row, col] += rowWeight * colWeight * y[i, s]
            }
        }
        return c
    }

    /// Weights ≤ max/4 set to zero, then renormalised (`synthdid`'s `sparsify_function`).
    static func sparsify(_ v: [Double]) -> [Double] {
        let top = v.max() ?? 0
        let w = v.map { $0 <= top / 4 ? 0 : $0 }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }

    /// synthdid's weight fit: `preSparsifyIterations` Frank–Wolfe steps, `sparsify`, then up to
    /// `maxIterations` more from the sparsified weights.
    static func sparsifiedFrankWolfe(
        _ y: Matrix, zeta: Double, intercept: Bool, start: [Double]?, minDecrease: Double, preSparsifyIterations: Int = 100,
        maxIterations: Int = 10_000
    ) -> [Double] {
        let first = frankWolfe(y, zeta: zeta, intercept: intercept, start: start, minDecrease: minDecrease, maxIterations: preSparsifyIterations)
        return frankWolfe(y, zeta: zeta, intercept: intercept, start: sparsify(first), minDecrease: minDecrease, maxIterations: maxIterations)
    }

    /// Frank–Wolfe with exact line search for min ζ²‖x‖² + ‖A x − b‖²/rows over the simplex, where
    /// [A | b] = `y` (columns centred first when `intercept`). Stops when the objective decreases by
    /// less than `minDecrease`² (after at least two steps) or after `maxIterations` steps.
    static func frankWolfe(
        _ y: Matrix, zeta: Double, intercept: Bool, start: [Double]?, minDecrease: Double,
        maxIterations: Int
    ) -> [Double] {
        let rows = y.rows, k = y.columns - 1
        var m = y
        if intercept {
            for c in 0...k {
                let mean = (0..<rows).reduce(0) { $0 + y[$1, c] } / Double(rows)
                for r in 0..<rows { m[r, c] = y[r, c] - mean }
            }
        }
        let a = m.selectingColumns(Array(0..<k))
        let b = m.column(k)
        let eta = Double(rows) * zeta * zeta
        var x = start ?? [Double](repeating: 1 / Double(k), count: k)
        var previous = Double.nan, current = Double.nan
        var iteration = 0
        var ax = a.multiplied(by: x)
        while iteration < maxIterations && (iteration < 2 || previous - current > minDecrease * minDecrease) {
            iteration += 1
            // Half gradient (Ax − b)ᵀA + ηx; move towards the vertex with the smallest component.
            var residual = ax
            for r in 0..<rows { residual[r] -= b[r] }
            var halfGradient = a.multiplied(by: residual, transposingSelf: true)
            for i in 0..<k { halfGradient[i] += eta * x[i] }
            var best = 0
            for i in 1..<k where halfGradient[i] < halfGradient[best] { best = i }
            var dx = x.map { -$0 }
            dx[best] = 1 - x[best]
            if !dx.allSatisfy({ $0 == 0 }) {
                var dErr = [Double](repeating: 0, count: rows)
                var dErrSquared = 0.0
                for r in 0..<rows { dErr[r] = a[r, best] - ax[r]; dErrSquared += dErr[r] * dErr[r] }
                let numerator = -zip(halfGradient, dx).reduce(0) { $0 + $1.0 * $1.1 }
                let denominator = dErrSquared + eta * dx.reduce(0) { $0 + $1 * $1 }
                let step = min(1, max(0, numerator / denominator))
                for i in 0..<k { x[i] += step * dx[i] }
                for r in 0..<rows { ax[r] += step * dErr[r] }
            }
            // Objective ζ²‖x‖² + ‖Ax − b‖²/rows.
            var sse = 0.0
            for r in 0..<rows { let e = ax[r] - b[r]; sse += e * e }
            previous = current
            current = zeta * zeta * x.reduce(0) { $0 + $1 * $1 } + sse / Double(rows)
        }
        return x
    }
}

extension SyntheticDiD.Estimate {
    /// The placebo standard error (Arkhangelsky et al. 2021, Algorithm 4): `replications` times, a random
    /// N₁ of the controls are treated as if treated and the estimator refitted on the controls alone
    /// (weights re-estimated from the renormalised original weights); the SE is √((B−1)/B)·SD.
    /// Draws use `seed` (task r uses a seed derived from it), so the result does not depend on `threads`.
    public func placeboStandardError(replications: Int = 200, seed: UInt64 = 1, threads: Int = 1) throws(SyntheticControlError) -> Double {
        let n1 = y.rows - n0
        guard n0 > n1 else { throw .invalidOption("the placebo standard error needs more controls (\(n0)) than treated units (\(n1))") }
        guard replications >= 2 else { throw .invalidOption("at least 2 placebo replications are needed") }
        let settings = self.settings
        let this = self
        let draws = ParallelMap.map(replications, threads: threads) { r -> Double in
            var rng = SplitMix64(seed: SplitMix64.derive(seed, r))
            let order = rng.permutation(this.n0)
            let placeboControls = this.n0 - n1
            let yp = this.y.selectingRows(order)
            let w = order.prefix(placeboControls).map { this.unitWeights[$0] }
            let total = w.reduce(0, +)
            let omega = total > 0 ? w.map { $0 / total } : [Double](repeating: 1 / Double(placeboControls), count: placeboControls)
            return SyntheticDiD.fit(
                yp, n0: placeboControls, t0: this.t0, settings: settings, omega: omega,
                lambda: this.timeWeights, estimator: this.estimator, noise: this.noiseLevel
            ).estimate
        }
        let sd = WeightedStatistics.standardDeviation(draws)
        return (Double(replications - 1) / Double(replications)).squareRoot() * sd
    }

    /// The jackknife standard error over units with the weights held fixed (Arkhangelsky et al. 2021,
    /// Algorithm 3): each unit left out in turn (ω renormalised when a control is dropped);
    /// SE = √((n−1)/n · Σ(τ̂₋ᵢ − τ̄)²). Needs at least two treated units and two controls with weight.
    public func jackknifeStandardError() throws(SyntheticControlError) -> Double {
        let n = y.rows, n1 = n - n0
        guard n1 >= 2 else { throw .invalidOption("the jackknife standard error needs at least 2 treated units; there is \(n1)") }
        guard unitWeights.filter({ $0 != 0 }).count >= 2 else {
            throw .invalidOption("the jackknife standard error is undefined when one control carries all the weight")
        }
        var fixed = settings
        fixed.updateOmega = false
        fixed.updateLambda = false
        let estimates = (0..<n).map { drop -> Double in
            let keep = (0..<n).filter { $0 != drop }
            let controls = keep.filter { $0 < n0 }
            let w = controls.map { unitWeights[$0] }
            let total = w.reduce(0, +)
            return SyntheticDiD.fit(
                y.selectingRows(keep), n0: controls.count, t0: t0, settings: fixed,
                omega: w.map { $0 / total }, lambda: timeWeights, estimator: estimator, noise: noiseLevel
            ).estimate
        }
        let mean = estimates.reduce(0, +) / Double(n)
        let ss = estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (Double(n - 1) / Double(n) * ss).squareRoot()
    }

    var settings: SyntheticDiD.Settings {
        SyntheticDiD.Settings(
            zetaOmega: zetaOmega, zetaLambda: zetaLambda,
            omegaIntercept: estimator == .syntheticDiD, lambdaIntercept: true,
            updateOmega: estimator != .differenceInDifferences, updateLambda: estimator == .syntheticDiD,
            minDecrease: 1e-5 * noiseLevel)
    }
}
