import EstimationCore
import Foundation
import LinearAlgebra

/// The augmented synthetic control method with a ridge outcome model
/// (Ben-Michael, Feller & Rothstein 2021), as the R package `augsynth`
/// (`progfunc = "Ridge"`, no covariates) computes it:
///
/// 1. Pre-period outcomes are centred at the donor mean of each period.
/// 2. SCM weights w minimise ‖X₁ − X₀w‖² over the simplex (V = identity).
/// 3. The ridge correction adds w_ridge = (X₁ − X₀w)ᵀ(X₀X₀ᵀ + λI)⁻¹X₀, which sums to zero,
///    so the augmented weights w + w_ridge sum to one but may be negative.
/// 4. λ, when not given, is chosen by leave-one-period-out cross-validation over
///    λ_max·(1e-8)^((i−1)/20), i = 0…20, λ_max = σ₁(X₀)², as the largest λ whose
///    mean held-out error is within one standard error of the minimum.
public enum AugmentedSyntheticControl {
    public struct Fit: Sendable {
        public let problem: SyntheticControlProblem
        /// Simplex SCM weights and the augmented weights (summing to one, possibly negative).
        public let scmWeights: [Double]
        public let weights: [Double]
        public let lambda: Double
        /// The cross-validation curve, when λ was chosen by cross-validation.
        public let crossValidation: [(lambda: Double, meanError: Double, standardError: Double)]?

        public var synthetic: [Double] { problem.y0.multiplied(by: weights) }
        public var gaps: [Double] { zip(problem.y1, synthetic).map { $0 - $1 } }
        /// Mean gap over the post-treatment periods.
        public var averageEffect: Double {
            let g = gaps, idx = problem.postPeriodIndices
            return idx.reduce(0) { $0 + g[$1] } / Double(idx.count)
        }
        /// ‖pre-period gap‖ relative to uniform weights' (augsynth's scaled L2 imbalance).
        public var scaledImbalance: Double {
            let pre = problem.prePeriodIndices
            let g = gaps
            let uniform = problem.y0.multiplied(by: [Double](repeating: 1 / Double(problem.donors.count), count: problem.donors.count))
            let a = pre.reduce(0) { $0 + g[$1] * g[$1] }.squareRoot()
            let b = pre.reduce(0) { $0 + (problem.y1[$1] - uniform[$1]) * (problem.y1[$1] - uniform[$1]) }.squareRoot()
            return a / b
        }
    }

    public static func fit(_ problem: SyntheticControlProblem, lambda: Double? = nil) throws(SyntheticControlError) -> Fit {
        let pre = problem.prePeriodIndices
        guard problem.fitPeriods == pre.map({ problem.periods[$0] }) else {
            throw .invalidOption("augmented SCM fits on every pre-treatment period; do not restrict the fit periods")
        }
        guard pre.count >= 2 else { throw .invalidOption("augmented SCM needs at least 2 pre-treatment periods") }
        let t0 = pre.count
        let (x0, x1) = centred(problem.z0, problem.z1)
        let chosen: Double
        var curve: [(Double, Double, Double)]?
        if let lambda {
            guard lambda >= 0 else { throw .invalidOption("the ridge parameter must be non-negative") }
            chosen = lambda
        } else {
            guard t0 >= 3 else { throw .invalidOption("choosing λ by cross-validation needs at least 3 pre-treatment periods; give 'lambda'") }
            let (l, c) = try crossValidate(x0: x0, x1: x1)
            chosen = l
            curve = c
        }
        let scm = SimplexLeastSquares(a: x0, b: x1).solve().weights
        let ridge = try ridgeCorrection(x0: x0, x1: x1, weights: scm, lambda: chosen)
        return Fit(
            problem: problem, scmWeights: scm, weights: zip(scm, ridge).map { $0 + $1 }, lambda: chosen,
            crossValidation: curve?.map { (lambda: $0.0, meanError: $0.1, standardError: $0.2) })
    }

    /// Donors' and treated outcomes centred at each period's donor mean.
    static func centred(_ raw0: Matrix, _ raw1: [Double]) -> (Matrix, [Double]) {
        var x0 = raw0, x1 = raw1
        let j = x0.columns
        for r in 0..<x0.rows {
            let mean = (0..<j).reduce(0) { $0 + x0[r, $1] } / Double(j)
            for c in 0..<j { x0[r, c] -= mean }
            x1[r] -= mean
        }
        return (x0, x1)
    }

    /// (x₁ − x₀w)ᵀ(x₀x₀ᵀ + λI)⁻¹x₀ (Cholesky solve; the system is positive definite for λ > 0).
    static func ridgeCorrection(x0: Matrix, x1: [Double], weights: [Double], lambda: Double) throws(SyntheticControlError) -> [Double] {
        let fitted = x0.multiplied(by: weights)
        let m = zip(x1, fitted).map { $0 - $1 }
        var g = x0.outerGram()
        for i in 0..<g.rows { g[i, i] += lambda }
        let z: [Double]
        do {
            if lambda > 0 { z = try g.cholesky().solve(m) } else { z = try g.leastSquares(m).solution }
        } catch { throw .numerical("ridge step failed: \(error)") }
        return x0.multiplied(by: z, transposingSelf: true)
    }

    static func crossValidate(x0: Matrix, x1: [Double]) throws(SyntheticControlError) -> (Double, [(Double, Double, Double)]) {
        let t0 = x0.rows
        let top: Double
        do { top = try x0.svd().singularValues.first ?? 0 } catch { throw .numerical("\(error)") }
        let lambdaMax = top * top
        let scaler = pow(1e-8, 1.0 / 20)
        let lambdas = (0...20).map { lambdaMax * pow(scaler, Double($0 - 1)) }
        var errors = [[Double]](repeating: [], count: lambdas.count)
        for hold in 0..<(t0 - 1) {
            let train = (0..<t0).filter { $0 != hold }
            let xt = x0.selectingRows(train), yt = train.map { x1[$0] }
            let w = SimplexLeastSquares(a: xt, b: yt).solve().weights
            let held = x0.row(hold)
            for (k, l) in lambdas.enumerated() {
                let ridge = try ridgeCorrection(x0: xt, x1: yt, weights: w, lambda: l)
                let prediction = zip(held, zip(w, ridge)).reduce(0) { $0 + $1.0 * ($1.1.0 + $1.1.1) }
                errors[k].append((x1[hold] - prediction) * (x1[hold] - prediction))
            }
        }
        let folds = Double(t0 - 1)
        let means = errors.map { $0.reduce(0, +) / folds }
        let ses = errors.enumerated().map { k, e -> Double in
            let m = means[k]
            return (e.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (folds - 1)).squareRoot() / folds.squareRoot()
        }
        let best = means.indices.min { means[$0] < means[$1] }!
        let threshold = means[best] + ses[best]
        let chosen = lambdas.indices.filter { means[$0] <= threshold }.map { lambdas[$0] }.max()!
        return (chosen, lambdas.indices.map { (lambdas[$0], means[$0], ses[$0]) })
    }
}

extension AugmentedSyntheticControl.Fit {
    /// Placebo-in-space inference for the augmented estimator: each donor in turn as the treated unit,
    /// with λ chosen afresh by cross-validation (or the same fixed λ when one was given).
    public func placeboInSpace(threads: Int = 1, fixedLambda: Bool = false, level: Double = ConfidenceLevel.standard) throws(SyntheticControlError)
        -> PlaceboInSpace
    {
        let l: Double? = fixedLambda ? lambda : nil
        return try PlaceboInSpace.run(base: problem, treatedGaps: gaps, threads: threads, excludeAbove: nil, level: level) {
            placebo, _ throws(SyntheticControlError) in
            try AugmentedSyntheticControl.fit(placebo, lambda: l).gaps
        }
    }
}
