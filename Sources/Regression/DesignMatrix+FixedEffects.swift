import Foundation
import LinearAlgebra
import Tabular

/// The estimated levels of one absorbed factor.
public struct FixedEffectEstimates: Sendable, Codable, Equatable {
    public let factor: String
    /// Levels in R's sorted order, with their estimates.
    public let levels: [String]
    public let estimates: [Double]
}

extension DesignMatrix {
    /// The absorbed fixed effects of `fit` (fitted on this design), as fixest's `fixef()` normalises
    /// them: every level of the first absorbed factor is estimated; each later factor's first level
    /// (in R's sorted order) is 0. They solve D·α = y − Xβ̂ in weighted least squares: for two
    /// factors by the direct solve, otherwise by plain alternating projections (no acceleration,
    /// tolerance 1e-13 of the scale).
    ///
    /// Complexity: O(n) per sweep, after the fit.
    public func fixedEffectEstimates(_ fit: LinearFit) throws(RegressionError) -> [FixedEffectEstimates] {
        guard let fe = fixedEffects else { return [] }
        let xb = x.multiplied(by: fit.coefficients)
        let r = zip(y, xb).map { $0 - $1 }
        var effects = try fe.levelEffects(r)
        // Normalise: later factors' first sorted level at 0, the shift moved into the first factor.
        var sortedOrder: [[Int]] = []
        for (f, labels) in fe.levels.enumerated() {
            let order = DesignEncoder.sortedLevels(.categorical(Categorical(labels)), rows: Array(labels.indices)).map { labels.firstIndex(of: $0)! }
            sortedOrder.append(order)
            if f > 0, let first = order.first {
                let shift = effects[f][first]
                for l in effects[f].indices { effects[f][l] -= shift }
                for l in effects[0].indices { effects[0][l] += shift }
            }
        }
        return fe.names.indices.map { f in
            FixedEffectEstimates(factor: fe.names[f], levels: sortedOrder[f].map { fe.levels[f][$0] }, estimates: sortedOrder[f].map { effects[f][$0] })
        }
    }
}

extension FixedEffects {
    /// Level effects (α_f) with r ≈ Σ_f α_f[level]: r's projection on the dummies, in some normalisation.
    func levelEffects(_ r: [Double]) throws(RegressionError) -> [[Double]] {
        if let twoWay {
            let (alpha, beta) = twoWay.effects(r, codes: codes, weights: weights)
            return twoWay.big == 0 ? [alpha, beta] : [beta, alpha]
        }
        var effects = levels.map { [Double](repeating: 0, count: $0.count) }
        var current = r
        let scale = 1 + (r.map(abs).max() ?? 0)
        for _ in 0..<Self.maximumIterations {
            var change = 0.0
            for (f, c) in codes.enumerated() {
                var sums = [Double](repeating: 0, count: levels[f].count)
                for i in current.indices { sums[c[i]] += (weights?[i] ?? 1) * current[i] }
                for l in sums.indices {
                    sums[l] /= levelWeights[f][l]
                    effects[f][l] += sums[l]
                    change = max(change, abs(sums[l]))
                }
                for i in current.indices { current[i] -= sums[c[i]] }
            }
            if change <= Self.tolerance * scale || codes.count == 1 { return effects }
        }
        throw .notConverged(method: "recovering the fixed effects", iterations: Self.maximumIterations, detail: "the factors may be weakly connected")
    }
}
