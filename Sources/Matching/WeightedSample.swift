/// Weights for every unit of the analysis sample, from inverse probability weighting or entropy balancing.
public struct WeightedSample: Sendable {
    public let rows: [Int]
    public let treated: [Bool]
    public let droppedRows: Int
    public let estimand: Estimand
    public let weights: [Double]
    public let propensityScores: PropensityScores?
    /// For entropy balancing: how the optimisation ended.
    public let convergence: EntropyBalancing.Convergence?
    public let method: String
}
