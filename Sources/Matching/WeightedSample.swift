/// Weights for every unit of the analysis sample, from inverse probability weighting or entropy balancing.
public struct WeightedSample: Sendable {
    /// Table rows of the analysis sample, in table order.
    public let rows: [Int]
    /// The treatment value of each unit (0/1, or the dose for a continuous treatment).
    public let treatment: [Double]
    public let kind: TreatmentKind
    public let droppedRows: Int
    public let estimand: Estimand
    public let weights: [Double]
    public let propensityScores: PropensityScores?
    /// For entropy balancing: how the optimisation ended.
    public let convergence: EntropyBalancing.Convergence?
    /// A description of the method, for reports.
    public let method: String

    /// For a binary treatment, whether each unit is treated (stored: loops index it per unit).
    public let treated: [Bool]

    public init(
        rows: [Int], treatment: [Double], kind: TreatmentKind = .binary, droppedRows: Int, estimand: Estimand,
        weights: [Double], propensityScores: PropensityScores? = nil, convergence: EntropyBalancing.Convergence? = nil,
        method: String
    ) {
        precondition(treatment.count == rows.count && weights.count == rows.count, "one treatment value and weight per row")
        self.rows = rows
        self.treatment = treatment
        self.treated = treatment.map { $0 == 1 }
        self.kind = kind
        self.droppedRows = droppedRows
        self.estimand = estimand
        self.weights = weights
        self.propensityScores = propensityScores
        self.convergence = convergence
        self.method = method
    }

    /// The sample the weights belong to.
    init(
        _ sample: AnalysisSample, estimand: Estimand, weights: [Double], propensityScores: PropensityScores? = nil,
        convergence: EntropyBalancing.Convergence? = nil, method: String
    ) {
        self.init(
            rows: sample.rows, treatment: sample.treatment, kind: sample.kind, droppedRows: sample.droppedRows,
            estimand: estimand, weights: weights, propensityScores: propensityScores, convergence: convergence, method: method)
    }
}
