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
    /// Draws are made in blocks of 256 draws × 4,096 rows, each with a seed derived from `seed` and its
    /// position: identical for any thread count.
    public static func multiplierBootstrap(
        _ influence: Matrix, clusters: [Int]?, draws: Int, level: Double, seed: UInt64, threads: Int,
        weights: WildClusterBootstrap.Weights = .mammen
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
        // Draws in blocks of 256 (one task each), rows in tiles of 4096: each (block, tile) has its own
        // seed, and b = Ψᵀ V is accumulated tile by tile with one matrix product (BLAS dgemm).
        let block = 256, tile = 4096
        let blocks = (draws + block - 1) / block
        let tiles = stride(from: 0, to: n, by: tile).map { start in psi.selectingRows(Array(start..<min(n, start + tile))) }
        let scale = 1 / Double(n).squareRoot()
        let parts: [[[Double]]] = ParallelMap.map(blocks, threads: threads) { k in
            let width = min(draws, (k + 1) * block) - k * block
            let blockSeed = SplitMix64.derive(seed, k)
            var sums = Matrix(rows: m, columns: width)
            for (r, part) in tiles.enumerated() {
                var rng = SplitMix64(seed: SplitMix64.derive(blockSeed, r))
                let rows = part.rows
                var v = Matrix(rows: rows, columns: width)
                v.withUnsafeMutableBufferPointer { vp in
                    if weights == .rademacher {
                        var bits: UInt64 = 0
                        for idx in 0..<(rows * width) {
                            if idx % 64 == 0 { bits = rng.next() }
                            vp[idx] = (bits >> UInt64(idx % 64)) & 1 == 0 ? 1 : -1
                        }
                    } else if weights == .mammen {
                        // Two draws per 64 random bits: v = (1 − √5)/2 when a 32-bit uniform falls below
                        // (√5 + 1)/(2√5) · 2³², else (1 + √5)/2 (probability error < 1e-9).
                        let s5 = 5.0.squareRoot()
                        let low = (1 - s5) / 2, high = (1 + s5) / 2
                        let threshold = UInt64(((s5 + 1) / (2 * s5) * 4_294_967_296).rounded())
                        var bits: UInt64 = 0
                        for idx in 0..<(rows * width) {
                            if idx % 2 == 0 { bits = rng.next() }
                            let u = idx % 2 == 0 ? bits & 0xFFFF_FFFF : bits >> 32
                            vp[idx] = u < threshold ? low : high
                        }
                    } else {
                        for idx in 0..<(rows * width) { vp[idx] = weights.draw(&rng) }
                    }
                }
                let product = part.multiplied(by: v, transposingSelf: true) // m × width
                sums.withUnsafeMutableBufferPointer { sp in
                    product.withUnsafeBufferPointer { pp in for idx in 0..<(m * width) { sp[idx] += pp[idx] } }
                }
            }
            return (0..<width).map { d in (0..<m).map { j in sums[j, d] * scale } }
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
