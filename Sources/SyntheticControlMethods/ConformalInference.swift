import EstimationCore
import Foundation
import LinearAlgebra

/// Conformal inference for synthetic-control-type estimators (Chernozhukov, Wüthrich & Zhu 2021), as
/// augsynth's `conformal_inf` computes it.
///
/// A null hypothesis fixes the treated unit's effects in the tested periods (H₀: αₜ = h); under it the
/// treated unit's outcome less h is its untreated outcome. The estimator is refitted on every period
/// (pre-treatment and tested) with the adjusted outcome, and the residuals uₜ (adjusted outcome minus
/// fitted counterfactual) are exchangeable over time under the null. The statistic
/// S(u) = (Σ_tested |uₜ|^q / √n_tested)^(1/q) is compared with its values over permutations of the
/// residuals: `iid` random permutations (augsynth's default; p = share of draws with S ≥ S_obs) or
/// the T cyclic shifts of a moving block (including the identity).
///
/// - The joint test takes every post-treatment period with h = 0.
/// - Each post-treatment period alone (the pre-treatment periods plus that one) gives a p-value for
///   h = 0 and an interval by test inversion: the smallest and largest of `gridSize` equally spaced
///   nulls att ± 2·√(mean post att²) (and 0) whose p-value is at least 1 − level (augsynth's grid).
///
/// Complexity: (periods × (gridSize + 1) + 1) refits and as many sets of permutations (draws × T
/// each); refits and permutations run on `threads` threads with a seed per null hypothesis, so
/// results do not depend on the thread count.
public struct ConformalInference: Sendable {
    /// How residuals are permuted.
    public enum Permutations: Sendable, Equatable, Codable {
        /// `draws` uniformly random permutations (seeded).
        case iid(draws: Int)
        /// The T cyclic shifts of the residual series (deterministic).
        case movingBlock
    }

    /// The counterfactual of the treated unit's series `y1` (T values) from the donors' series
    /// (T × J, one column per donor), fitted on every one of the T periods.
    public typealias Refit = @Sendable (_ y1: [Double], _ y0: Matrix) throws(SyntheticControlError) -> [Double]

    public var permutations: Permutations = .iid(draws: 1000)
    /// The norm q of the statistic (1: mean absolute residual, scaled).
    public var q: Double = 1
    /// Nulls per period for the intervals (plus 0).
    public var gridSize: Int = 50
    /// Confidence level of the intervals.
    public var level: Double = 0.95
    public var seed: UInt64 = 1
    public var threads: Int = 1

    public init(permutations: Permutations = .iid(draws: 1000), gridSize: Int = 50, level: Double = 0.95, seed: UInt64 = 1, threads: Int = 1) {
        self.permutations = permutations
        self.gridSize = gridSize
        self.level = level
        self.seed = seed
        self.threads = threads
    }

    /// One post-treatment period's test of no effect and its interval.
    public struct Period: Sendable, Codable, Equatable {
        public let time: Double
        public let estimate: Double
        public let lower: Double
        public let upper: Double
        public let pValue: Double
        /// The nulls tested for the interval (the grid, then 0) and their p-values.
        public let nulls: [Double]
        public let nullPValues: [Double]
    }

    public struct Result: Sendable, Codable, Equatable {
        /// p-value of the joint null of no effect in every post-treatment period. With `iid` draws the
        /// observed order counts as one permutation, (1 + #{S ≥ S_obs}) / (1 + draws), so it is never 0
        /// (augsynth leaves it out and can report 0); moving-block shifts include the identity already.
        public let jointPValue: Double
        public let periods: [Period]
        public let level: Double
        public let permutations: Permutations
        /// T₀: a single period's test ranks its residual among T₀ + 1, so its p-value is about 1/(T₀ + 1) at least.
        public let prePeriods: Int

        /// `average` (the estimator's average effect) with the joint test's p-value: the p-value of the
        /// sharp null of no effect in any post period behind it (no standard error or interval).
        public func jointTest(of average: Double) -> Estimate {
            let draws: Int? = if case .iid(let d) = permutations { d } else { nil }
            return Estimate(
                estimate: average, standardError: nil, degreesOfFreedom: nil, statistic: nil, pValue: jointPValue, level: level,
                lower: nil, upper: nil,
                inference: Inference(
                    kind: .permutation, name: "conformal", type: "conformal joint test of no effect in every post period (Chernozhukov, Wüthrich & Zhu 2021)",
                    replications: draws))
        }

        /// Whether a single period's test can reject at `level` at all: 1/(T₀ + 1) < 1 − level.
        public var periodTestsCanReject: Bool { !ConfidenceLevel.accepts(pValue: 1 / Double(prePeriods + 1), level: level) }
    }

    /// Runs the joint test and every period's test and interval.
    ///
    /// - Parameters:
    ///   - y1: the treated unit's outcome in every period (pre then post).
    ///   - y0: the donors' outcomes, T × J.
    ///   - preCount: the number of pre-treatment periods T₀ (the rest are post-treatment).
    ///   - times: the periods' labels.
    ///   - effects: the estimator's effects (treated minus counterfactual) in every period, as fitted
    ///     on the pre-treatment periods; they centre the grids.
    ///   - refit: the estimator refitted on a given set of periods.
    public func run(y1: [Double], y0: Matrix, preCount: Int, times: [Double], effects: [Double], refit: @escaping Refit) throws(SyntheticControlError) -> Result
    {
        let t = y1.count
        guard y0.rows == t, times.count == t, effects.count == t, preCount >= 2, preCount < t else {
            throw .invalidOption("conformal inference needs at least 2 pre-treatment periods and 1 post-treatment period")
        }
        guard gridSize >= 2 else { throw .invalidOption("the conformal grid needs at least 2 points") }
        if let problem = ConfidenceLevel.problem(level) { throw .invalidOption(problem) }
        if case .iid(let draws) = permutations, draws < 1 { throw .invalidOption("conformal inference needs at least 1 permutation draw") }
        let post = Array(preCount..<t)
        let postSD = (post.reduce(0) { $0 + effects[$1] * effects[$1] } / Double(post.count)).squareRoot()
        // Tasks: for each post period its grid (gridSize points) and 0, then the joint null.
        struct Task: Sendable {
            let period: Int? // nil: the joint null
            let h: Double
        }
        var tasks: [Task] = []
        for s in post {
            let centre = effects[s]
            for g in 0..<gridSize {
                tasks.append(Task(period: s, h: centre - 2 * postSD + 4 * postSD * Double(g) / Double(gridSize - 1)))
            }
            tasks.append(Task(period: s, h: 0))
        }
        tasks.append(Task(period: nil, h: 0))
        let taskList = tasks, spec = self
        let pValues = ParallelMap.map(taskList.count, threads: threads) { k -> Swift.Result<Double, SyntheticControlError> in
            let task = taskList[k]
            // The periods the refit uses: all of them for the joint null, else the pre-period plus the tested one.
            let rows = task.period.map { Array(0..<preCount) + [$0] } ?? Array(0..<t)
            let tested = task.period == nil ? post.count : 1
            var adjusted = rows.map { y1[$0] }
            for i in (rows.count - tested)..<rows.count { adjusted[i] -= task.h }
            let donors = y0.selectingRows(rows)
            do throws(SyntheticControlError) {
                let fitted = try refit(adjusted, donors)
                let residuals = zip(adjusted, fitted).map { $0 - $1 }
                var rng = SplitMix64(seed: SplitMix64.derive(spec.seed, k))
                return .success(spec.pValue(residuals, tested: tested, includingObserved: task.period == nil, rng: &rng))
            } catch { return .failure(error) }
        }
        // The first failure in task order, whatever the thread count.
        let p = try pValues.map { (r) throws(SyntheticControlError) -> Double in try r.get() }
        var periods: [Period] = []
        for (i, s) in post.enumerated() {
            let base = i * (gridSize + 1)
            let grid = (0...gridSize).map { taskList[base + $0].h }
            let ps = Array(p[base...(base + gridSize)])
            // augsynth's rule, p ≥ α, with α = 1 − level compared up to rounding (p = 1/20 is kept at 0.95).
            let accepted = zip(grid, ps).filter { ConfidenceLevel.accepts(pValue: $0.1, level: level) }.map(\.0)
            periods.append(
                Period(
                    time: times[s], estimate: effects[s], lower: accepted.min() ?? .nan, upper: accepted.max() ?? .nan,
                    pValue: ps[gridSize], nulls: grid, nullPValues: ps))
        }
        return Result(jointPValue: p[p.count - 1], periods: periods, level: level, permutations: permutations, prePeriods: preCount)
    }

    /// The statistic of the last `tested` residuals.
    func statistic(_ u: ArraySlice<Double>) -> Double {
        let n = Double(u.count)
        if q == 1 { return u.reduce(0) { $0 + abs($1) } / n.squareRoot() }
        return pow(u.reduce(0) { $0 + pow(abs($1), q) } / n.squareRoot(), 1 / q)
    }

    /// The share of permutations whose statistic is at least the observed one.
    ///
    /// With `iid` draws, `includingObserved` counts the observed order as one more permutation,
    /// (1 + #{S ≥ S_obs}) / (1 + draws) (Phipson & Smyth 2010): the joint test's convention, so its
    /// p-value is never 0. Otherwise (each period's tests, augsynth's rule) #{S ≥ S_obs} / draws. The
    /// moving block's T shifts include the identity, so both conventions agree there.
    func pValue(_ residuals: [Double], tested: Int, includingObserved: Bool = false, rng: inout SplitMix64) -> Double {
        let n = residuals.count
        let observed = statistic(residuals[(n - tested)...])
        var exceed = 0, total = 0
        switch permutations {
        case .iid(let draws):
            var shuffled = residuals
            for _ in 0..<draws {
                // Only the last `tested` places are needed: a partial Fisher–Yates shuffle fills them.
                for i in stride(from: n - 1, through: n - tested, by: -1) {
                    let j = rng.nextInt(below: i + 1)
                    shuffled.swapAt(i, j)
                }
                if statistic(shuffled[(n - tested)...]) >= observed { exceed += 1 }
                total += 1
            }
            if includingObserved {
                exceed += 1
                total += 1
            }
        case .movingBlock:
            // The tested places of each cyclic shift (the last, shift n, is the observed order).
            var tail = [Double](repeating: 0, count: tested)
            for shift in 1...n {
                for (k, i) in ((n - tested)..<n).enumerated() { tail[k] = residuals[(i + shift) % n] }
                if statistic(tail[...]) >= observed { exceed += 1 }
                total += 1
            }
        }
        return Double(exceed) / Double(total)
    }
}

extension SyntheticControlFit {
    /// Conformal inference for this fit (see `ConformalInference`), with every refit an outcome-only
    /// synthetic control on the periods it is given (W minimising the outcome MSPE over them, as
    /// augsynth's SCM and Chernozhukov, Wüthrich & Zhu's): predictor weights chosen by a nested search
    /// do not carry over to refits on outcomes alone.
    public func conformalInference(_ spec: ConformalInference) throws(SyntheticControlError) -> ConformalInference.Result {
        let pre = problem.prePeriodIndices
        guard pre == Array(0..<pre.count) else { throw .invalidOption("conformal inference needs the pre-treatment periods first") }
        return try spec.run(
            y1: problem.y1, y0: problem.y0, preCount: pre.count, times: problem.periods, effects: gaps,
            refit: SyntheticControl.outcomeOnlyRefit)
    }
}

extension SyntheticControl {
    /// The outcome-only synthetic control of `y1` from the columns of `y0`, fitted on all their rows
    /// (the same tie-breaking ridge as `.outcomeOnly`, `outcomeRidge`).
    @Sendable static func outcomeOnlyRefit(_ y1: [Double], _ y0: Matrix) throws(SyntheticControlError) -> [Double] {
        let w = SimplexLeastSquares(a: y0, b: y1, ridge: outcomeRidge(y0)).solve().weights
        return y0.multiplied(by: w)
    }
}

extension AugmentedSyntheticControl.Fit {
    /// Conformal inference for the ridge-augmented fit (see `ConformalInference`): every refit is the
    /// augmented estimator on the periods it is given with this fit's λ held fixed, as augsynth's
    /// `conformal_inf` refits with the λ it chose.
    public func conformalInference(_ spec: ConformalInference) throws(SyntheticControlError) -> ConformalInference.Result {
        let pre = problem.prePeriodIndices
        guard pre == Array(0..<pre.count) else { throw .invalidOption("conformal inference needs the pre-treatment periods first") }
        let lambda = self.lambda
        return try spec.run(
            y1: problem.y1, y0: problem.y0, preCount: pre.count, times: problem.periods, effects: gaps
        ) { y1, y0 throws(SyntheticControlError) in
            let w = try AugmentedSyntheticControl.augmentedWeights(x0: y0, x1: y1, lambda: lambda)
            return y0.multiplied(by: w)
        }
    }
}

extension AugmentedSyntheticControl {
    /// The ridge-augmented weights for outcomes `x1` (treated) and `x0` (periods × donors) with a given
    /// λ: both centred at each period's donor mean, simplex SCM weights, plus the ridge correction.
    static func augmentedWeights(x0 raw0: Matrix, x1 raw1: [Double], lambda: Double) throws(SyntheticControlError) -> [Double] {
        let (x0, x1) = centred(raw0, raw1)
        let scm = SimplexLeastSquares(a: x0, b: x1).solve().weights
        let ridge = try ridgeCorrection(x0: x0, x1: x1, weights: scm, lambda: lambda)
        return zip(scm, ridge).map { $0 + $1 }
    }
}

extension SyntheticDiD.Estimate {
    /// Conformal inference for the treated units' average (see `ConformalInference`). Under a null every
    /// period given is a pre-period, so a refit is the estimator's unit-weight problem on those periods:
    /// ω by synthdid's Frank–Wolfe with this fit's ζ_ω and stopping rule held fixed (as augsynth holds
    /// λ for the ridge ASCM), the counterfactual Σⱼ ωⱼ y₀ⱼₜ plus, for SDID and DiD, the intercept that
    /// matches the treated average's mean over those periods (the time weights have no post periods
    /// to weigh and drop out). SC refits have no intercept; DiD keeps uniform ω.
    ///
    /// The effects that centre the grids are the treated average less ω'Y₀ less the fit's λ-weighted
    /// pre-period level, in every period.
    public func conformalInference(_ spec: ConformalInference, times: [Double]) throws(SyntheticControlError) -> ConformalInference.Result {
        let n = y.rows, t = y.columns
        guard times.count == t else { throw .invalidOption("conformal inference needs one label per period") }
        let n1 = Double(n - n0)
        let y1 = (0..<t).map { s in (n0..<n).reduce(0) { $0 + y[$1, s] } / n1 }
        var y0 = Matrix(rows: t, columns: n0)
        for s in 0..<t { for i in 0..<n0 { y0[s, i] = y[i, s] } }
        let synthetic = y0.multiplied(by: unitWeights)
        let contrast = zip(y1, synthetic).map { $0 - $1 }
        let level = (0..<t0).reduce(0) { $0 + timeWeights[$1] * contrast[$1] }
        let effects = contrast.map { $0 - level }
        let estimator = self.estimator, zeta = zetaOmega, noise = noiseLevel
        return try spec.run(y1: y1, y0: y0, preCount: t0, times: times, effects: effects) { y1, y0 throws(SyntheticControlError) in
            let rows = y0.rows, k = y0.columns
            let omega: [Double]
            if estimator == .differenceInDifferences {
                omega = [Double](repeating: 1 / Double(k), count: k)
            } else {
                // [A | b]: periods × (controls, treated average), as synthdid's unit-weight problem.
                var problem = Matrix(rows: rows, columns: k + 1)
                for r in 0..<rows {
                    for c in 0..<k { problem[r, c] = y0[r, c] }
                    problem[r, k] = y1[r]
                }
                omega = SyntheticDiD.sparsifiedFrankWolfe(
                    problem, zeta: zeta, intercept: estimator == .syntheticDiD, start: nil, minDecrease: 1e-5 * noise)
            }
            var fitted = y0.multiplied(by: omega)
            if estimator != .syntheticControl {
                let shift = (0..<rows).reduce(0) { $0 + y1[$1] - fitted[$1] } / Double(rows)
                for r in 0..<rows { fitted[r] += shift }
            }
            return fitted
        }
    }
}
