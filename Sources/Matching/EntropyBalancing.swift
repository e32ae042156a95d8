import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Entropy balancing (Hainmueller 2012).
///
/// Reweights a group so that its weighted covariate means (and optionally
/// variances) equal a target exactly while staying as close as possible to
/// uniform weights in Kullback–Leibler divergence:
/// min Σ wᵢ log(wᵢ/qᵢ) s.t. Σ wᵢ cᵢ = m, Σ wᵢ = 1. The solution is
/// wᵢ ∝ qᵢ exp(λᵀcᵢ); λ minimises the convex dual log Σ qᵢ exp(λᵀ(cᵢ − m)),
/// found by Newton's method with backtracking on standardised constraints.
///
/// Targets: ATT reweights controls to the treated means; ATC treated to the
/// control means; ATE each group to the whole-sample means. With `variances`,
/// the constraints also include (x − m)², matched to the target group's mean
/// of (x − m)². Weights of a reweighted group are scaled to mean 1; the other
/// group keeps weight 1.
public enum EntropyBalancing {
    /// How the optimisation ended.
    public struct Convergence: Sendable, Codable, Equatable {
        public let converged: Bool
        public let iterations: Int
        /// The largest |weighted mean − target| over constraints, in the constraint's own units.
        public let maximumAbsoluteError: Double
        /// The same, in standard deviations of the constraint variable.
        public let maximumStandardizedError: Double
    }

    public static let maximumIterations = 200

    public static func weights(_ table: Table, treatment: String, covariates: [String], factors: [String] = [],
                               estimand: Estimand = .att, variances: Bool = false) throws(MatchingError) -> WeightedSample {
        let sample = try AnalysisSample(table, treatment: treatment, columns: covariates + factors)
        let variables = try BalanceVariable.from(sample.table, rows: Array(0..<sample.count), covariates: covariates, factors: factors)
        // Drop one level of each factor: the levels sum to one, which Σw = 1 already fixes.
        var columns: [(String, [Double])] = []
        var seenFactor = Set<String>()
        for v in variables {
            if let f = factors.first(where: { v.name.hasPrefix($0 + "_") }), !covariates.contains(v.name) {
                if seenFactor.insert(f).inserted { continue }
            }
            columns.append((v.name, v.values))
        }
        let n = sample.count
        var w = [Double](repeating: 1, count: n)
        var worst: Convergence?
        let groups: [(members: [Int], targets: [Int])]
        let t = (0..<n).filter { sample.treated[$0] }, c = (0..<n).filter { !sample.treated[$0] }
        switch estimand {
        case .att: groups = [(c, t)]
        case .atc: groups = [(t, c)]
        case .ate: groups = [(t, Array(0..<n)), (c, Array(0..<n))]
        }
        for g in groups {
            var constraints: [[Double]] = []
            var targets: [Double] = []
            var labels: [String] = []
            for (name, x) in columns {
                let m = g.targets.reduce(0) { $0 + x[$1] } / Double(g.targets.count)
                constraints.append(g.members.map { x[$0] })
                targets.append(m)
                labels.append("the mean of '\(name)'")
                if variances && !BalanceVariable(name: "", values: x).isBinary {
                    let v = g.targets.reduce(0) { $0 + (x[$1] - m) * (x[$1] - m) } / Double(g.targets.count)
                    constraints.append(g.members.map { (x[$0] - m) * (x[$0] - m) })
                    targets.append(v)
                    labels.append("the variance of '\(name)'")
                }
            }
            let (gw, conv) = try solve(constraints: constraints, targets: targets, labels: labels)
            let scale = Double(gw.count) / gw.reduce(0, +)
            for (k, i) in g.members.enumerated() { w[i] = gw[k] * scale }
            if worst == nil || conv.maximumStandardizedError > worst!.maximumStandardizedError || !conv.converged { worst = conv }
        }
        return WeightedSample(rows: sample.rows, treated: sample.treated, droppedRows: sample.droppedRows,
                              estimand: estimand, weights: w, propensityScores: nil, convergence: worst,
                              method: "entropy balancing (\(estimand.rawValue.uppercased()), means\(variances ? " and variances" : ""))")
    }

    /// Weights (summing to 1) for units whose constraint values are `constraints[j][i]`, meeting `targets`.
    /// `labels` name the constraints in a non-convergence error.
    static func solve(constraints: [[Double]], targets: [Double], labels: [String]? = nil) throws(MatchingError) -> ([Double], Convergence) {
        let m = constraints.count, n = constraints.first?.count ?? 0
        // Standardise: c̃ = (c − target)/sd, so λ is on a common scale.
        let sds = constraints.map { col -> Double in
            let s = WeightedStatistics.standardDeviation(col)
            return s > 0 && s.isFinite ? s : 1
        }
        var z = Matrix(rows: n, columns: m)
        for j in 0..<m { for i in 0..<n { z[i, j] = (constraints[j][i] - targets[j]) / sds[j] } }
        var lambda = [Double](repeating: 0, count: m)
        func evaluate(_ l: [Double]) -> (value: Double, weights: [Double]) {
            let eta = z.multiplied(by: l)
            let top = eta.max() ?? 0
            let e = eta.map { exp($0 - top) }
            let s = e.reduce(0, +)
            return (log(s / Double(n)) + top, e.map { $0 / s })
        }
        var (value, w) = evaluate(lambda)
        func gradient(_ weights: [Double]) -> [Double] { z.multiplied(by: weights, transposingSelf: true) }
        var g = gradient(w)
        var iterations = 0
        var converged = false
        for iteration in 1...maximumIterations {
            iterations = iteration
            let gmax = g.map(abs).max() ?? 0
            if gmax < 1e-13 { converged = true; break }
            // Newton step: H Δ = −g with H = Σ wᵢ zᵢzᵢᵀ − ggᵀ (LU; minimum-norm least squares if singular).
            var h = z.gram(rowScale: w.map { $0.squareRoot() })
            for a in 0..<m { for b in 0..<m { h[a, b] -= g[a] * g[b] } }
            let rhs = g.map { -$0 }
            guard let step = (try? h.solve(rhs)) ?? (try? h.leastSquares(rhs).solution),
                  step.allSatisfy({ $0.isFinite }) else { break }
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
        let conv = Convergence(converged: converged, iterations: iterations,
                               maximumAbsoluteError: errors.max() ?? 0, maximumStandardizedError: standardized.max() ?? 0)
        if !converged && (standardized.max() ?? 0) > 1e-6 {
            let worst = standardized.indices.max { standardized[$0] < standardized[$1] }!
            let what = labels.map { " for \($0[worst])" } ?? ""
            throw .notConverged(method: "entropy balancing", iterations: iterations,
                                detail: "the targets may lie outside what the reweighted group can reach (largest standardised error \(String(format: "%.3g", standardized[worst]))\(what))")
        }
        return (w, conv)
    }
}
