import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression

extension CallawaySantAnna {
    /// The Wald pre-test that every pre-treatment ATT(g,t) is zero (did's `W`, `Wpval`):
    /// W = n · θ̂_preᵀ V̂_pre⁻¹ θ̂_pre with V̂ = IFᵀIF/n, χ² with as many df as pre-treatment ATT(g,t),
    /// pre-treatment meaning t < g as in did (also with anticipation); those with zero variance, e.g.
    /// the universal base period, are left out.
    public struct PreTest: Sendable, Codable, Equatable {
        public let statistic: Double
        public let degreesOfFreedom: Int
        public let pValue: Double
    }

    public func preTest() throws(DiDError) -> PreTest? {
        let pre = groupTimes.indices.filter { groupTimes[$0].time < groupTimes[$0].group && (groupTimes[$0].effect.standardError ?? 0) > 0 }
        guard !pre.isEmpty else { return nil }
        let n = Double(count)
        var v = Matrix(rows: pre.count, columns: pre.count)
        let columns = pre.map { influence.column($0) }
        for a in pre.indices { for b in pre.indices { v[a, b] = Vector.dot(columns[a], columns[b]) / n } }
        let theta = pre.map { groupTimes[$0].effect.estimate }
        let solved: [Double]
        do { solved = try v.solve(theta) } catch { throw .estimation("the pre-treatment covariance is singular: \(error)") }
        let w = n * Vector.dot(theta, solved)
        return PreTest(statistic: w, degreesOfFreedom: pre.count, pValue: ChiSquared(degreesOfFreedom: Double(pre.count)).ccdf(w))
    }

    /// The multiplier bootstrap of did's `mboot`: for each draw, multipliers vᵢ (Rademacher as R did, or
    /// Mammen's as moderndid and DRDID; per unit, or per
    /// cluster with cluster-mean influence functions), b = √n · mean(v · IF); the standard error is the
    /// draws' interquartile range / (2 · 0.6745) / √n, and the uniform (sup-t) critical value the level
    /// quantile of max_j |b_j / σ_j| over the columns.
    public struct Bootstrap: Sendable, Codable, Equatable {
        public let standardErrors: [Double]
        public let criticalValue: Double
        public let draws: Int
    }

    /// Runs the multiplier bootstrap on the influence-function columns of `influence` (n × m).
    /// Draws are made in blocks of 512 with seeds derived from `seed`: identical for any thread count.
    public static func multiplierBootstrap(
        _ influence: Matrix, clusters: [Int]?, draws: Int, level: Double, seed: UInt64, threads: Int,
        weights: WildClusterBootstrap.Weights = .rademacher
    ) -> Bootstrap {
        var clustered = influence
        var units = influence.rows
        if let clusters {
            // Cluster means of the influence function; n becomes the number of clusters.
            let g = (clusters.max() ?? -1) + 1
            var sums = Matrix(rows: g, columns: influence.columns)
            var sizes = [Double](repeating: 0, count: g)
            for i in 0..<influence.rows { sizes[clusters[i]] += 1 }
            for j in 0..<influence.columns { for i in 0..<influence.rows { sums[clusters[i], j] += influence[i, j] } }
            for j in 0..<influence.columns { for c in 0..<g { sums[c, j] /= sizes[c] } }
            clustered = sums
            units = g
        }
        let psi = clustered, n = units
        let m = psi.columns
        let block = 512
        let blocks = (draws + block - 1) / block
        let parts: [[[Double]]] = ParallelMap.map(blocks, threads: threads) { k in
            var rng = SplitMix64(seed: SplitMix64.derive(seed, k))
            let start = k * block, end = min(draws, start + block)
            var out: [[Double]] = []
            var v = [Double](repeating: 0, count: n)
            for _ in start..<end {
                for i in 0..<n { v[i] = weights.draw(&rng) }
                let b = psi.multiplied(by: v, transposingSelf: true).map { $0 / Double(n) * Double(n).squareRoot() }
                out.append(b)
            }
            return out
        }
        let bres = parts.flatMap { $0 }
        let z = Normal.standard.quantile(0.75) - Normal.standard.quantile(0.25)
        let sigma = (0..<m).map { j -> Double in
            let column = bres.map { $0[j] }
            return
                (WeightedStatistics.quantile(column, 0.75, weights: [Double](repeating: 1, count: column.count))
                - WeightedStatistics.quantile(column, 0.25, weights: [Double](repeating: 1, count: column.count))) / z
        }
        let maxima = bres.map { b in (0..<m).filter { sigma[$0] > 0 }.map { abs(b[$0] / sigma[$0]) }.max() ?? 0 }
        let critical = WeightedStatistics.quantile(maxima, level, weights: [Double](repeating: 1, count: maxima.count))
        return Bootstrap(standardErrors: sigma.map { $0 / Double(n).squareRoot() }, criticalValue: critical, draws: draws)
    }
}
