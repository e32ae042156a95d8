import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// The Abadie–Imbens (2006) nearest-neighbour matching estimator with its analytic variance,
/// following the conventions of R's `Matching::Match` so that results agree with it.
///
/// - Covariates are standardised by their sample SD and matched on Euclidean
///   distance (Match's `Weight = 1`, inverse-variance weighting).
/// - Each unit of the target group (all units for the ATE, treated for the ATT,
///   controls for the ATC) is matched with replacement to its M nearest units
///   of the other group, plus every unit tied with the M-th (within 1e-5 of
///   its squared distance); matches share weight equally.
/// - Bias adjustment (Abadie & Imbens 2011): matched outcomes are adjusted by
///   β̂ᵀ(Xᵢ − Xⱼ), β̂ from a regression of the outcome on the covariates among
///   the units used as matches, weighted by how often each is used.
/// - Variance: the conditional variance σ²(X, W) is either constant
///   (`varianceMatches = 0`, Match's `Var.calc = 0`: half the weighted mean of
///   squared deviations of the matched differences from the estimate) or
///   estimated unit by unit from its `varianceMatches` nearest neighbours in its
///   own group (Abadie & Imbens 2006, eq. 14). `sampleVariance` gives the
///   variance of the estimator for the sample average effect (Match's
///   `sample = TRUE`); otherwise the population version adds the variance of
///   the unit-level effects.
public enum AbadieImbens {
    public struct Specification: Sendable, Equatable {
        public var outcome: String
        public var treatment: String
        public var covariates: [String]
        public var estimand: Estimand
        public var matches: Int
        public var biasAdjustment: Bool
        public var varianceMatches: Int
        public var sampleVariance: Bool

        public init(
            outcome: String, treatment: String, covariates: [String], estimand: Estimand = .ate,
            matches: Int = 1, biasAdjustment: Bool = false, varianceMatches: Int = 0, sampleVariance: Bool = false
        ) {
            self.outcome = outcome
            self.treatment = treatment
            self.covariates = covariates
            self.estimand = estimand
            self.matches = matches
            self.biasAdjustment = biasAdjustment
            self.varianceMatches = varianceMatches
            self.sampleVariance = sampleVariance
        }
    }

    static let distanceTolerance = 1e-5, comparisonTolerance = 1e-7

    public static func estimate(_ table: Table, _ spec: Specification, level: Double = 0.95) throws(MatchingError) -> EffectEstimate {
        guard spec.matches >= 1 else { throw .invalidOption("the number of matches must be at least 1") }
        guard spec.varianceMatches >= 0 else { throw .invalidOption("varianceMatches must be 0 or more") }
        let sample = try AnalysisSample(table, treatment: spec.treatment, columns: [spec.outcome] + spec.covariates)
        let n = sample.count
        let y: [Double]
        do { y = try sample.table.numeric(spec.outcome) } catch { throw .table(error) }
        let raw = try sample.matrix(spec.covariates)
        let treated = sample.treated
        let tr = treated.map { $0 ? 1.0 : 0.0 }
        // Standardise each covariate by its SD (n − 1).
        var x = raw
        for j in 0..<raw.columns {
            let col = raw.column(j)
            let mean = col.reduce(0, +) / Double(n)
            var sd = WeightedStatistics.standardDeviation(col)
            if !(sd > 1e-7) { sd = 1e-7 }
            for i in 0..<n { x[i, j] = (col[i] - mean) / sd }
        }
        let flip = spec.estimand == .atc
        let isTarget: (Int) -> Bool = { i in
            switch spec.estimand {
            case .ate: return true
            case .att: return treated[i]
            case .atc: return !treated[i]
            }
        }
        let nt = treated.filter { $0 }.count
        let m = min(spec.matches, spec.estimand == .ate ? min(nt, n - nt) : (flip ? nt : n - nt))
        // Matches of every target unit in the other group.
        var matchSets: [[Int]] = Array(repeating: [], count: n)
        // The two groups once (ascending, as the per-unit filters built them before), and the
        // covariates row by row for the distance loops.
        let treatedPool = (0..<n).filter { treated[$0] }, controlPool = (0..<n).filter { !treated[$0] }
        let rows = (0..<n).map { x.row($0) }
        // A k-d tree per group: matches (and the variance step's within-group matches) are the units at
        // squared distance ≤ the M-th smallest + the tolerance, as the full scan finds them.
        let treatedTree = KDTree(coordinates: treatedPool.flatMap { rows[$0] }, dimension: x.columns)
        let controlTree = KDTree(coordinates: controlPool.flatMap { rows[$0] }, dimension: x.columns)
        let tolerance = distanceTolerance + comparisonTolerance
        func nearest(_ i: Int, treated: Bool, count: Int, excludingSelf: Bool = false) -> [Int] {
            let (tree, pool) = treated ? (treatedTree, treatedPool) : (controlTree, controlPool)
            let available = pool.count - (excludingSelf ? 1 : 0)
            guard count > 0, available > 0 else { return [] }
            let ids = tree.candidates(near: rows[i], k: min(count, available), slack: 0, absoluteSlack: tolerance) { excludingSelf && pool[$0] == i }
            return ids.map { pool[$0] }
        }
        for i in 0..<n where isTarget(i) {
            matchSets[i] = nearest(i, treated: !treated[i], count: m)
        }
        // K: times each unit is used as a match, weighted by 1/#matches; KK with squared weights.
        var k = [Double](repeating: 0, count: n), kk = [Double](repeating: 0, count: n)
        for i in 0..<n where !matchSets[i].isEmpty {
            let share = 1 / Double(matchSets[i].count)
            for j in matchSets[i] { k[j] += share; kk[j] += share * share }
        }
        // Bias adjustment coefficients: outcome on [1, X] among units used as matches, weighted by K.
        var alphaTreated = [Double](repeating: 0, count: raw.columns)
        var alphaControl = [Double](repeating: 0, count: raw.columns)
        if spec.biasAdjustment {
            // Adjust the outcomes of the group that supplies matches (controls for the ATT, treated for the ATC).
            if spec.estimand != .atc {
                alphaControl = try adjustmentCoefficients(y: y, x: raw, weights: (0..<n).map { treated[$0] ? 0 : k[$0] })
            }
            if spec.estimand != .att {
                alphaTreated = try adjustmentCoefficients(y: y, x: raw, weights: (0..<n).map { treated[$0] ? k[$0] : 0 })
            }
        }
        // Matched differences (treated − control), one per (unit, match) with weight 1/#matches.
        var tau: [Double] = [], w: [Double] = []
        var unitEffect = [Double](repeating: 0, count: n)
        for i in 0..<n where !matchSets[i].isEmpty {
            let share = 1 / Double(matchSets[i].count)
            var sum = 0.0
            for j in matchSets[i] {
                let (t, c) = treated[i] ? (i, j) : (j, i)
                var yt = y[t], yc = y[c]
                if spec.biasAdjustment {
                    for q in 0..<raw.columns {
                        yc += (raw[i, q] - raw[c, q]) * alphaControl[q]
                        yt += (raw[i, q] - raw[t, q]) * alphaTreated[q]
                    }
                }
                tau.append(yt - yc)
                w.append(share)
                sum += share * (yt - yc)
            }
            unitEffect[i] = sum
        }
        let sw = w.reduce(0, +)
        let est = zip(w, tau).reduce(0) { $0 + $1.0 * $1.1 } / sw
        // Conditional variances σ²ᵢ.
        var sigma2: [Double]
        if spec.varianceMatches == 0 {
            let s = 0.5 * zip(w, tau).reduce(0) { $0 + $1.0 * ($1.1 - est) * ($1.1 - est) } / sw
            sigma2 = [Double](repeating: s, count: n)
        } else {
            sigma2 = (0..<n).map { i in
                let own = treated[i] ? treatedPool : controlPool
                let group = [i] + nearest(i, treated: treated[i], count: min(spec.varianceMatches, own.count - 1), excludingSelf: true)
                let c = Double(group.count)
                let mean = group.reduce(0) { $0 + y[$1] } / c
                return group.reduce(0) { $0 + (y[$1] - mean) * (y[$1] - mean) } / (c - 1)
            }
        }
        // Variance (Abadie & Imbens 2006; Match's var.sample / var.pop).
        let iotT: [Double], iotC: [Double], sn: Double
        switch spec.estimand {
        case .ate: iotT = [Double](repeating: 1, count: n); iotC = iotT; sn = Double(n)
        case .att: iotT = tr; iotC = tr.map { 1 - $0 }; sn = Double(nt)
        case .atc: iotT = tr.map { 1 - $0 }; iotC = tr; sn = Double(n - nt)
        }
        var varSample = 0.0, varPop = 0.0
        for i in 0..<n {
            let a = iotT[i] + iotC[i] * k[i]
            varSample += sigma2[i] * a * a
            if spec.estimand == .ate {
                varPop += sigma2[i] * (k[i] * k[i] + 2 * k[i] - kk[i])
            } else {
                varPop += sigma2[i] * iotC[i] * (k[i] * k[i] - kk[i])
            }
            if iotT[i] > 0 && !matchSets[i].isEmpty {
                let e = unitEffect[i] - est
                varPop += iotT[i] * e * e
            }
        }
        let variance = (spec.sampleVariance ? varSample : varPop) / (sn * sn)
        let se = variance.squareRoot()
        let inference = Inference(
            kind: .analytic,
            type: "Abadie-Imbens \(spec.sampleVariance ? "sample" : "population") variance, "
                + (spec.varianceMatches == 0 ? "homoskedastic" : "heteroskedastic (\(spec.varianceMatches) within-group matches)"),
            df: .normal)
        return EffectEstimate(
            estimand: spec.estimand, method: "Abadie-Imbens matching (M = \(spec.matches)\(spec.biasAdjustment ? ", bias-adjusted" : ""))",
            observations: n, effect: .wald(estimate: est, standardError: se, degreesOfFreedom: nil, level: level, inference: inference))
    }

    /// Weighted least squares of y on [1, X] with weights w (units with w = 0 excluded); the slopes.
    static func adjustmentCoefficients(y: [Double], x: Matrix, weights: [Double]) throws(MatchingError) -> [Double] {
        let use = weights.indices.filter { weights[$0] > 0 }
        var design = Matrix(rows: use.count, columns: x.columns + 1, repeating: 1)
        for (r, i) in use.enumerated() { for q in 0..<x.columns { design[r, q + 1] = x[i, q] } }
        let sw = use.map { weights[$0].squareRoot() }
        do {
            let a = try design.scalingRows(by: sw).leastSquares(zip(use.map { y[$0] }, sw).map { $0 * $1 })
            return Array(a.solution.dropFirst())
        } catch {
            throw .invalidOption("bias adjustment failed: \(error)")
        }
    }
}
