import EstimationCore
import Foundation
import LinearAlgebra

/// Options for a synthetic control fit.
public struct SyntheticControlOptions: Sendable, Equatable {
    /// How predictor weights V are chosen.
    public enum PredictorWeights: Sendable, Equatable {
        /// Nested optimisation of the fit-period outcome MSPE (Abadie, Diamond & Hainmueller 2010).
        case optimized
        /// Given weights, one per predictor (normalised to sum to 1).
        case custom([Double])
        /// Ignore predictors: W minimises the fit-period outcome MSPE directly (V = identity on outcomes),
        /// with a vanishing ridge choosing the least concentrated W among exact fits (see `SyntheticControl.outcomeRidge`).
        case outcomeOnly
    }

    public var predictorWeights: PredictorWeights
    /// Random starting points for V, besides the equal and regression-based ones.
    public var randomStarts: Int
    public var seed: UInt64
    /// Function evaluations per start.
    public var maximumEvaluations: Int
    /// Worker threads for independent starts and placebo fits.
    public var threads: Int

    public init(
        predictorWeights: PredictorWeights = .optimized, randomStarts: Int = 1, seed: UInt64 = 1,
        maximumEvaluations: Int = 2000, threads: Int = 1
    ) {
        self.predictorWeights = predictorWeights
        self.randomStarts = randomStarts
        self.seed = seed
        self.maximumEvaluations = maximumEvaluations
        self.threads = threads
    }
}

/// One starting point of the V search and where it ended.
public struct StartResult: Sendable, Codable, Equatable {
    public let name: String
    public let loss: Double
    public let evaluations: Int
}

/// A fitted synthetic control.
public struct SyntheticControlFit: Sendable {
    public let problem: SyntheticControlProblem
    /// Donor weights W (non-negative, summing to 1), in `problem.donors` order.
    public let weights: [Double]
    /// Predictor weights V (non-negative, summing to 1); nil in outcome-only mode.
    public let predictorWeights: [Double]?
    /// Mean squared prediction error of the outcome over the fit periods (R Synth's `loss.v`).
    public let lossV: Double
    /// (X₁ − X₀W)ᵀV(X₁ − X₀W) on scaled predictors (R Synth's `loss.w`); nil in outcome-only mode.
    public let lossW: Double?
    /// Every start of the V search, in the order tried; the fit uses the best.
    public let starts: [StartResult]

    /// The synthetic outcome Y₀W for every period.
    public var synthetic: [Double] { problem.y0.multiplied(by: weights) }
    /// Treated minus synthetic, every period.
    public var gaps: [Double] { zip(problem.y1, synthetic).map { $0 - $1 } }

    /// Root mean squared gap over the pre- and post-treatment periods.
    public var preRMSPE: Double { rms(problem.prePeriodIndices) }
    public var postRMSPE: Double { rms(problem.postPeriodIndices) }
    /// Post/pre RMSPE ratio (Abadie, Diamond & Hainmueller 2010).
    public var rmspeRatio: Double { postRMSPE / preRMSPE }

    /// Mean gap over the post-treatment periods, or over `window` (inclusive period bounds).
    public func averageEffect(window: ClosedRange<Double>? = nil) -> Double {
        let idx = problem.postPeriodIndices.filter { window?.contains(problem.periods[$0]) ?? true }
        let g = gaps
        return idx.reduce(0) { $0 + g[$1] } / Double(max(idx.count, 1))
    }

    private func rms(_ idx: [Int]) -> Double {
        let g = gaps
        return (idx.reduce(0) { $0 + g[$1] * g[$1] } / Double(max(idx.count, 1))).squareRoot()
    }

    /// Predictor values of the treated unit, its synthetic control, and the donor average.
    public var predictorBalance: [(label: String, treated: Double, synthetic: Double, donorMean: Double)] {
        let s = problem.x0.multiplied(by: weights)
        return problem.predictors.indices.map { k in
            let row = problem.x0.row(k)
            return (problem.predictors[k].label, problem.x1[k], s[k], row.reduce(0, +) / Double(row.count))
        }
    }
}

/// The synthetic control method (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010),
/// with R Synth's conventions.
///
/// - Predictors are divided by their SD across the treated unit and donors.
/// - For predictor weights V (diagonal, summing to 1), the donor weights W(V)
///   minimise (X₁ − X₀W)ᵀV(X₁ − X₀W) over the simplex, solved exactly by
///   `SimplexLeastSquares` (an active-set method, warm-started across calls).
/// - V minimises the outcome MSPE over the fit periods, ‖Z₁ − Z₀W(V)‖²/T₀, by
///   Nelder–Mead (restarted until it stops improving; at most `maximumEvaluations`
///   per start) on V = |x|/Σ|x| from several starts — equal weights, R Synth's
///   regression-based weights (diagonal of ββᵀ from regressing the fit-period
///   outcomes on the scaled predictors), and `randomStarts` seeded random
///   points — keeping the best (ties: the earlier start). Every start's loss is
///   reported, so the stability of the optimum can be judged.
///
/// Complexity: each evaluation of W(V) costs O(kJ) per active-set step.
public enum SyntheticControl {
    public static func fit(_ problem: SyntheticControlProblem, options: SyntheticControlOptions = .init()) throws(SyntheticControlError) -> SyntheticControlFit
    {
        let t0 = problem.fitPeriods.count
        let z0 = problem.z0, z1 = problem.z1
        /// Fit-period MSPE of weights `w` whose nonzero entries are among `support`.
        @Sendable func lossV(_ w: [Double], support: [Int]? = nil) -> Double {
            z0.withUnsafeBufferPointer { zp in
                // Each period's synthetic value sums the donors in `support` order; eight periods per vector register.
                let donors = support ?? Array(w.indices), z = zp.baseAddress!
                return withUnsafeTemporaryAllocation(of: Double.self, capacity: t0) { synth in
                    var r0 = 0
                    while r0 + 8 <= t0 {
                        var acc = SIMD8<Double>(repeating: 0)
                        for j in donors where w[j] != 0 {
                            acc = acc + UnsafeRawPointer(z + j * t0 + r0).loadUnaligned(as: SIMD8<Double>.self) * SIMD8(repeating: w[j])
                        }
                        for l in 0..<8 { synth[r0 + l] = acc[l] }
                        r0 += 8
                    }
                    for r in r0..<t0 {
                        var acc = 0.0
                        for j in donors where w[j] != 0 { acc += z[j * t0 + r] * w[j] }
                        synth[r] = acc
                    }
                    var s = 0.0
                    for r in 0..<t0 { let d = z1[r] - synth[r]; s += d * d }
                    return s / Double(t0)
                }
            }
        }
        switch options.predictorWeights {
        case .outcomeOnly:
            let w = SimplexLeastSquares(a: problem.z0, b: problem.z1, ridge: outcomeRidge(problem.z0)).solve().weights
            return SyntheticControlFit(problem: problem, weights: w, predictorWeights: nil, lossV: lossV(w), lossW: nil, starts: [])
        case .custom(let v):
            guard v.count == problem.predictors.count, v.allSatisfy({ $0 >= 0 && $0.isFinite }), v.reduce(0, +) > 0 else {
                throw .invalidOption("custom predictor weights need \(problem.predictors.count) non-negative values (one per predictor), not all zero")
            }
            let normalized = v.map { $0 / v.reduce(0, +) }
            let scaled = ScaledPredictors(problem)
            let (w, _) = scaled.weights(normalized, warm: nil)
            return SyntheticControlFit(
                problem: problem, weights: w, predictorWeights: normalized, lossV: lossV(w),
                lossW: scaled.lossW(normalized, w), starts: [StartResult(name: "custom", loss: lossV(w), evaluations: 1)])
        case .optimized:
            let scaled = ScaledPredictors(problem)
            let k = problem.predictors.count
            var starts: [(String, [Double])] = [("equal", [Double](repeating: 1 / Double(k), count: k))]
            if let v = regressionStart(problem, scaled: scaled) { starts.append(("regression", v)) }
            var rng = SplitMix64(seed: options.seed)
            for r in 0..<options.randomStarts {
                let u = (0..<k).map { _ in rng.uniform() }
                let s = u.reduce(0, +)
                starts.append(("random \(r + 1)", u.map { $0 / s }))
            }
            // Nelder–Mead on x with V = |x|/Σ|x| (R Synth's parameterisation).
            let optimizer = NelderMead(relativeTolerance: 1e-10, maximumEvaluations: options.maximumEvaluations)
            let startList = starts
            let results = ParallelMap.map(startList.count, threads: options.threads) { i -> (point: [Double], value: Double, evaluations: Int) in
                var warm: [Int]?
                var workspace = SimplexLeastSquares.Workspace(m: k, j: problem.donors.count)
                let r = optimizer.minimize(startList[i].1) { x in
                    let total = x.reduce(0) { $0 + abs($1) }
                    guard total > 0, total.isFinite else { return .infinity }
                    let v = x.map { abs($0) / total }
                    let (w, support) = scaled.weights(v, warm: warm, workspace: &workspace)
                    warm = support
                    return lossV(w, support: support)
                }
                return (r.point, r.value, r.evaluations)
            }
            var best = 0
            for i in results.indices where results[i].value < results[best].value { best = i }
            let x = results[best].point
            let v = x.map { abs($0) / x.reduce(0) { $0 + abs($1) } }
            let (w, _) = scaled.weights(v, warm: nil)
            return SyntheticControlFit(
                problem: problem, weights: w, predictorWeights: v, lossV: lossV(w), lossW: scaled.lossW(v, w),
                starts: zip(startList, results).map { StartResult(name: $0.0.0, loss: $0.1.value, evaluations: $0.1.evaluations) })
        }
    }

    /// The tie-breaking ridge of an outcome-only fit on Z₀ (fit periods × donors), scale-free: 1e-8 times
    /// the mean squared column norm when there are fewer fit periods than donors (a perfect fit is then
    /// possible and W is not unique without it), and 1e-12 times it otherwise (W is unique; the ridge
    /// only guards the numerics, so W is augsynth's and Synth's, e.g. Kansas's 7 donors to 3 decimals).
    static func outcomeRidge(_ z0: Matrix) -> Double {
        let scale = z0.elements.reduce(0) { $0 + $1 * $1 } / Double(max(z0.columns, 1))
        return (z0.rows < z0.columns ? 1e-8 : 1e-12) * scale
    }

    /// R Synth's regression-based starting V: regress the fit-period outcomes of all units on
    /// [1, scaled predictors]; V ∝ the diagonal of ββᵀ (intercept dropped). Nil when singular.
    static func regressionStart(_ problem: SyntheticControlProblem, scaled: ScaledPredictors) -> [Double]? {
        let k = problem.predictors.count, j = problem.donors.count
        guard j + 1 > k + 1 else { return nil }
        var xall = Matrix(rows: j + 1, columns: k + 1, repeating: 1)
        for r in 0..<k {
            xall[0, r + 1] = scaled.x1[r]
            for c in 0..<j { xall[c + 1, r + 1] = scaled.x0[r, c] }
        }
        var zall = Matrix(rows: j + 1, columns: problem.fitPeriods.count)
        for t in 0..<problem.fitPeriods.count {
            zall[0, t] = problem.z1[t]
            for c in 0..<j { zall[c + 1, t] = problem.z0[t, c] }
        }
        guard let chol = try? xall.gram().cholesky(),
            let beta = try? chol.solve(xall.multiplied(by: zall, transposingSelf: true))
        else { return nil }
        let v = (1...k).map { r in (0..<beta.columns).reduce(0.0) { $0 + beta[r, $1] * beta[r, $1] } }
        let s = v.reduce(0, +)
        guard s > 0, s.isFinite else { return nil }
        return v.map { $0 / s }
    }
}

/// Predictors divided by their SD, and W(V) on them.
///
/// W(V) minimises (X₁ − X₀W)ᵀV(X₁ − X₀W) + ρ‖W‖² with ρ = 1e-8 (predictors have unit SD, V sums to
/// one): a tie-breaker that makes W unique when several weightings fit the predictors equally well
/// (as when V puts almost all weight on one predictor), choosing the least concentrated of them.
struct ScaledPredictors: Sendable {
    let x1: [Double]
    let x0: Matrix
    /// The weighted least squares problem with unit row weights, built once (with its row-by-row copy of X₀).
    let base: SimplexLeastSquares
    static let ridge = 1e-8

    init(_ problem: SyntheticControlProblem) {
        let s = problem.predictorScales.map { $0 > 0 ? $0 : 1 }
        x1 = zip(problem.x1, s).map { $0 / $1 }
        x0 = problem.x0.scalingRows(by: s.map { 1 / $0 })
        base = SimplexLeastSquares(a: x0, b: x1, ridge: Self.ridge)
    }

    /// W(V) and the free set of the solution.
    func weights(_ v: [Double], warm: [Int]?) -> ([Double], [Int]) {
        var workspace = SimplexLeastSquares.Workspace(m: x0.rows, j: x0.columns)
        return weights(v, warm: warm, workspace: &workspace)
    }

    func weights(_ v: [Double], warm: [Int]?, workspace: inout SimplexLeastSquares.Workspace) -> ([Double], [Int]) {
        let s = base.reweighted(v).solve(warmStart: warm, workspace: &workspace)
        return (s.weights, s.support)
    }

    func lossW(_ v: [Double], _ w: [Double]) -> Double {
        let synth = x0.multiplied(by: w)
        return v.indices.reduce(0) { $0 + v[$1] * (x1[$1] - synth[$1]) * (x1[$1] - synth[$1]) }
    }
}
