import Foundation

/// How a fit absorbed its fixed effects, and how many coefficients they count for.
///
/// The fixed effects (with the intercept they absorb) count for K_FE = 1 + Σ_f (L_f − 1)
/// coefficients, L_f the levels of factor f, assuming the factors are connected (one component,
/// as in any panel where units are observed in overlapping periods). Small-sample corrections
/// follow `counting`:
///
/// | rule | K in (n − 1)/(n − K) for CR1 | iid and HC1 |
/// |---|---|---|
/// | `.fixest` (default) | k + 1 + Σ (L_f − 1) over factors **not nested** in a cluster column (fixest's `fixef.K = "nested"`) | n − k − K_FE |
/// | `.xtreg` | as `.fixest`, for Stata `xtreg, fe`'s one absorbed panel factor (nested in the clusters, as Stata requires) | n − k − K_FE |
/// | `.areg` | k + K_FE: every fixed effect counted (Stata `areg`) | n − k − K_FE |
public struct Absorption: Sendable {
    /// Which fixed effects count in the small-sample correction of clustered variances.
    public enum Counting: String, Sendable, Codable, CaseIterable {
        case fixest, xtreg, areg
    }

    public let fixedEffects: FixedEffects
    /// Observations dropped because they were alone in a level.
    public let singletons: Int
    /// Sweeps of the alternating projections (the most over all columns).
    public let iterations: Int
    /// Σ w (y − ȳ_w)² of the outcome before demeaning (for the full model's R²).
    public let totalSumOfSquares: Double
    public let counting: Counting

    /// K_FE = 1 + Σ_f (L_f − 1).
    public var coefficientCount: Int { 1 + fixedEffects.levels.reduce(0) { $0 + $1.count - 1 } }

    /// The fixed-effect coefficients counted with clustering by `clusterDimensions` (see the table above).
    public func clusteredCoefficientCount(_ clusterDimensions: [[Int]]) -> Int {
        switch counting {
        case .areg: return coefficientCount
        case .fixest, .xtreg:
            let counted = fixedEffects.levels.indices.filter { f in !clusterDimensions.contains { fixedEffects.isNested(f, in: $0) } }
            return 1 + counted.reduce(0) { $0 + fixedEffects.levels[$1].count - 1 }
        }
    }
}
