import Foundation
import LinearAlgebra

/// Minimum-divergence weights that meet moment conditions exactly: the dual solver behind entropy
/// balancing, for any functions of the covariates.
///
/// Given base weights qᵢ (uniform by default), constraint values cᵢⱼ (any function of unit i's data:
/// a covariate, its square, a covariate times a centred dose) and targets mⱼ, it solves
///
///     min Σ wᵢ log(wᵢ/qᵢ)  s.t.  Σ wᵢ cᵢⱼ = mⱼ (j = 1…m),  Σ wᵢ = 1,  wᵢ ≥ 0
///
/// (Hainmueller 2012). The solution is wᵢ ∝ qᵢ exp(λᵀcᵢ), with λ minimising the convex dual
/// log Σ qᵢ exp(λᵀ(cᵢ − m)). The dual is minimised by Newton's method with backtracking on
/// standardised constraints ((c − m)/sd(c)), so λ is on a common scale; a singular Hessian (redundant
/// constraints) takes the minimum-norm step. Binary-treatment entropy balancing (means, optionally
/// variances) and continuous-treatment balancing (zero weighted dose–covariate covariances with the
/// means preserved; Tübbicke 2022, Vegetabile et al. 2021) are both calls of `solve`.
///
/// Complexity: O(n m²) per Newton iteration (the weighted Gram matrix of the constraints).
public enum EntropyWeights {
    /// How the optimisation ended.
    public struct Convergence: Sendable, Codable, Equatable {
        public let converged: Bool
        public let iterations: Int
        /// The largest |weighted mean − target| over constraints, in the constraint's own units.
        public let maximumAbsoluteError: Double
        /// The same, in standard deviations of the constraint variable.
        public let maximumStandardizedError: Double

    }

    /// Weights summing to one and how the optimisation ended.
    public struct Solution: Sendable {
        public let weights: [Double]
        /// The dual coefficients λ, one per constraint, on the standardised scale.
        public let multipliers: [Double]
        public let convergence: Convergence
    }

    /// The targets cannot be met: the worst constraint (its index) and its standardised error.
    public struct Failure: Error, Sendable, Equatable {
        public let iterations: Int
        public let constraint: Int
        public let standardizedError: Double
    }

    public static let maximumIterations = 200

    /// Solves for weights of n units meeting `targets`.
    ///
    /// - Parameters:
    ///   - constraints: one array of n values per constraint (`constraints[j][i]` = cᵢⱼ).
    ///   - targets: the required weighted mean of each constraint.
    ///   - baseWeights: qᵢ (e.g. sampling weights); uniform when nil.
    /// - Throws: `Failure` when the optimisation stops with a standardised error above 1e-6
    ///   (the targets lie outside the convex hull the units can reach).
    public static func solve(
        constraints: [[Double]], targets: [Double],
        baseWeights: [Double]? = nil
    ) throws(Failure) -> Solution {
        let m = constraints.count, n = constraints.first?.count ?? 0
        precondition(targets.count == m && constraints.allSatisfy { $0.count == n }, "one target per constraint, n values each")
        let logq = baseWeights.map { q -> [Double] in
            precondition(q.count == n && q.allSatisfy { $0 >= 0 }, "one non-negative base weight per unit")
            return q.map { log($0) }
        }
        let sds = constraints.map { col -> Double in
            let s = WeightedStatistics.standardDeviation(col)
            return s > 0 && s.isFinite ? s : 1
        }
        var z = Matrix(rows: n, columns: m)
        for j in 0..<m { for i in 0..<n { z[i, j] = (constraints[j][i] - targets[j]) / sds[j] } }
        var lambda = [Double](repeating: 0, count: m)
        func evaluate(_ l: [Double]) -> (value: Double, weights: [Double]) {
            var eta = m > 0 ? z.multiplied(by: l) : [Double](repeating: 0, count: n)
            if let logq { for i in 0..<n { eta[i] += logq[i] } }
            let top = eta.max() ?? 0
            let e = eta.map { exp($0 - top) }
            let s = e.reduce(0, +)
            return (log(s / Double(n)) + top, e.map { $0 / s })
        }
        var (value, w) = evaluate(lambda)
        func gradient(_ weights: [Double]) -> [Double] { z.multiplied(by: weights, transposingSelf: true) }
        var g = m > 0 ? gradient(w) : []
        var iterations = 0
        var converged = m == 0
        for iteration in 1...maximumIterations where m > 0 {
            iterations = iteration
            let gmax = g.map(abs).max() ?? 0
            if gmax < 1e-13 { converged = true; break }
            // Newton step: H Δ = −g with H = Σ wᵢ zᵢzᵢᵀ − ggᵀ (LU; minimum-norm least squares if singular).
            var h = z.gram(rowScale: w.map { $0.squareRoot() })
            for a in 0..<m { for b in 0..<m { h[a, b] -= g[a] * g[b] } }
            let rhs = g.map { -$0 }
            guard let step = (try? h.solve(rhs)) ?? (try? h.leastSquares(rhs).solution),
                step.allSatisfy({ $0.isFinite })
            else { break }
            // Backtracking: accept a sufficient decrease of the dual objective, or — once the objective
            // no longer resolves progress at rounding level — a decrease of the gradient.
            var t = 1.0
            var accepted = false
            let slope = Vector.dot(g, step)
            for _ in 0..<60 {
                let trial = zip(lambda, step).map { $0 + t * $1 }
                let (v, tw) = evaluate(trial)
                guard v.isFinite else { t /= 2; continue }
                let tg = gradient(tw)
                if v <= value + 1e-4 * t * slope || (tg.map(abs).max() ?? .infinity) < 0.9 * gmax {
                    lambda = trial; value = v; w = tw; g = tg; accepted = true
                    break
                }
                t /= 2
            }
            if !accepted {
                converged = gmax < 1e-9
                break
            }
        }
        let achieved = (0..<m).map { j in (0..<n).reduce(0) { $0 + w[$1] * constraints[j][$1] } }
        let errors = zip(achieved, targets).map { abs($0 - $1) }
        let standardized = zip(errors, sds).map { $0 / $1 }
        let convergence = Convergence(
            converged: converged, iterations: iterations,
            maximumAbsoluteError: errors.max() ?? 0, maximumStandardizedError: standardized.max() ?? 0)
        if !converged, let worst = standardized.indices.max(by: { standardized[$0] < standardized[$1] }), standardized[worst] > 1e-6 {
            throw Failure(iterations: iterations, constraint: worst, standardizedError: standardized[worst])
        }
        return Solution(weights: w, multipliers: lambda, convergence: convergence)
    }
}
