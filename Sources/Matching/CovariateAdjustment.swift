import EstimationCore
import Regression
import Tabular

/// Matching or weighting on covariates as one call: the adjusted sample, balance before and
/// after (with the units behind every mean), the effect on an outcome, and typed warnings. What
/// `impact run` computes for `method: match` and `method: weight`, and what its `results.json` holds.
///
/// ```swift
/// var spec = CovariateAdjustment.Specification(treatment: "treat", covariates: ["age", "educ"], design: .entropy(estimand: .att))
/// spec.outcome = "re78"
/// let result = try CovariateAdjustment.estimate(spec, table: lalonde)
/// ```
///
/// Conventions: balance as R MatchIt's `summary.matchit` (see ``Balance``); the effect by weighted
/// least squares with the weights treated as fixed (MatchIt's recommended `lm` + sandwich), CR1 on
/// matched sets when matching 1:k without replacement and HC1 otherwise unless stated.
///
/// Complexity: that of the matcher or weighting, plus O(p n log n) for the balance tables.
public enum CovariateAdjustment {
    /// How the sample is adjusted.
    public enum Design: Sendable, Equatable {
        /// Nearest-neighbour matching (ATT); the specification's treatment and covariates are used.
        case nearest(MatchingSpecification)
        /// Coarsened exact matching (ATT) with bins per covariate.
        case coarsenedExact(cutpoints: [String: Int])
        /// Inverse probability weights from a binary-response propensity model.
        case inverseProbability(estimand: Estimand, link: BinaryLink)
        /// Entropy balancing of means (and variances when `variances`).
        case entropy(estimand: Estimand, variances: Bool = false)

        public var estimand: Estimand {
            switch self {
            case .nearest, .coarsenedExact: return .att
            case .inverseProbability(let e, _), .entropy(let e, _): return e
            }
        }
    }

    public struct Specification: Sendable {
        public var treatment: String
        public var covariates: [String]
        public var factors: [String] = []
        public var design: Design
        /// Also reported in the balance tables (e.g. Mahalanobis columns that are not covariates).
        public var balanceAlso: [String] = []
        /// The outcome of the effect estimate (none: balance only).
        public var outcome: String? = nil
        /// Covariates of a regression-adjusted second estimate.
        public var adjust: [String] = []
        /// nil: CR1 on matched sets where there are sets, else HC1.
        public var variance: VarianceEstimator? = nil
        public var level = 0.95
        public var threads = 1

        public init(treatment: String, covariates: [String], factors: [String] = [], design: Design) {
            self.treatment = treatment
            self.covariates = covariates
            self.factors = factors
            self.design = design
        }
    }

    /// Sample sizes before and after adjustment.
    public struct SampleCounts: Sendable, Codable, Equatable {
        public let treated: Int
        public let control: Int
        /// Units with positive weight after matching or weighting.
        public let treatedUsed: Int
        public let controlUsed: Int
        public let droppedRows: Int
    }

    /// The fitted propensity-score model, as reported.
    public struct PropensityModel: Sendable, Codable, Equatable {
        public let link: String
        public let coefficients: [String: Double]
        public let standardErrors: [String: Double]
        public let deviance: Double
        public let iterations: Int

        init(_ fit: BinaryFit) {
            link = fit.link.rawValue
            coefficients = Dictionary(uniqueKeysWithValues: zip(fit.names, fit.coefficients))
            standardErrors = Dictionary(uniqueKeysWithValues: zip(fit.names, fit.standardErrors))
            deviance = fit.deviance
            iterations = fit.iterations
        }
    }

    /// The adjusted sample, unit by unit (record-level: written to its own file, never to `results.json`).
    public struct Units: Sendable, Equatable {
        /// Table rows (0-based), treatment, weight, matched set and propensity score of each unit.
        public let rows: [Int]
        public let treated: [Bool]
        public let weights: [Double]
        /// Matched sets (nil for weighting, or an unmatched unit).
        public let subclass: [Int?]?
        public let propensityScores: [Double]?
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// The largest |SMD| after adjustment is above 0.1.
        case poorBalance(largestSMD: Double)
        /// Entropy balancing stopped before the constraints were met.
        case notConverged

        public var message: String {
            switch self {
            case .poorBalance(let smd):
                return "covariate balance is poor after adjustment: the largest |SMD| is \(ProseNumbers.number(smd)) (above 0.1)"
            case .notConverged: return "entropy balancing did not converge: the weights do not balance the covariates exactly"
            }
        }
    }

    /// The `results.json` entry of a `match` or `weight` analysis.
    public struct Result: Sendable, Codable {
        public let method: String
        public let estimand: Estimand
        public let counts: SampleCounts
        public let propensityModel: PropensityModel?
        public let convergence: EntropyBalancing.Convergence?
        public let balanceBefore: BalanceTable
        public let balanceAfter: BalanceTable
        public let effects: [EffectEstimate]
        public let warnings: [Warning]
        /// The adjusted sample (not encoded).
        public let units: Units?

        enum CodingKeys: String, CodingKey {
            case method, estimand, counts, propensityModel, convergence, balanceBefore, balanceAfter, effects, warnings
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            method = try c.decode(String.self, forKey: .method)
            estimand = try c.decode(Estimand.self, forKey: .estimand)
            counts = try c.decode(SampleCounts.self, forKey: .counts)
            propensityModel = try c.decodeIfPresent(PropensityModel.self, forKey: .propensityModel)
            convergence = try c.decodeIfPresent(EntropyBalancing.Convergence.self, forKey: .convergence)
            balanceBefore = try c.decode(BalanceTable.self, forKey: .balanceBefore)
            balanceAfter = try c.decode(BalanceTable.self, forKey: .balanceAfter)
            effects = try c.decode([EffectEstimate].self, forKey: .effects)
            warnings = try c.decode([Warning].self, forKey: .warnings)
            units = nil
        }

        init(
            method: String, estimand: Estimand, counts: SampleCounts, propensityModel: PropensityModel?, convergence: EntropyBalancing.Convergence?,
            balance: [BalanceTable], effects: [EffectEstimate], warnings: [Warning], units: Units
        ) {
            self.method = method
            self.estimand = estimand
            self.counts = counts
            self.propensityModel = propensityModel
            self.convergence = convergence
            balanceBefore = balance[0]
            balanceAfter = balance[1]
            self.effects = effects
            self.warnings = warnings
            self.units = units
        }
    }

    /// Rules between settings that need no data.
    public static func checkSettings(_ spec: Specification) throws(MatchingError) {
        guard
            spec.covariates.count + spec.factors.count > 0
                || {
                    if case .nearest(let m) = spec.design { return !m.mahalanobis.isEmpty }; return false
                }()
        else { throw .invalidOption("adjustment needs 'covariates' or 'factors'") }
        if case .nearest(let m) = spec.design, m.replace, spec.variance == .cr1 {
            throw .invalidOption("matched sets overlap when matching with replacement; use hc1")
        }
        if spec.outcome == nil && (!spec.adjust.isEmpty || spec.variance != nil) {
            throw .invalidOption("'adjust' and 'inference' describe the effect estimate and need an 'outcome'")
        }
    }

    /// Adjusts the sample, assesses balance and estimates the effect.
    public static func estimate(_ spec: Specification, table: Table) throws(MatchingError) -> Result {
        try checkSettings(spec)
        let estimand = spec.design.estimand
        let sample = try adjustedSample(spec, table: table)
        let (rows, treated, weights, subclass, scores) = (sample.rows, sample.treated, sample.weights, sample.subclass, sample.scores)
        var effects: [EffectEstimate] = []
        if let outcome = spec.outcome {
            let variance = spec.variance ?? (subclass == nil ? .hc1 : .cr1)
            let sets = variance == .cr1 ? subclass : nil
            for adjust in spec.adjust.isEmpty ? [[]] : [[], spec.adjust] {
                effects.append(
                    try WeightedEffect.estimate(
                        table, rows: rows, treated: treated, weights: weights, outcome: outcome, covariates: adjust, subclass: sets, estimand: estimand,
                        variance: variance, level: spec.level))
            }
        }
        var variables = try BalanceVariable.from(
            table, rows: rows, covariates: spec.covariates + spec.balanceAlso.filter { !spec.covariates.contains($0) }, factors: spec.factors)
        if let scores { variables.insert(BalanceVariable(name: "distance", values: scores.probabilities), at: 0) }
        let balance = Balance.tables(variables, treated: treated, weights: [nil, weights], estimand: estimand)
        let counts = SampleCounts(
            treated: treated.filter { $0 }.count, control: treated.filter { !$0 }.count, treatedUsed: balance[1].treatedCount,
            controlUsed: balance[1].controlCount, droppedRows: sample.droppedRows)
        var warnings: [Warning] = []
        let worst = balance[1].rows.map { abs($0.standardizedMeanDifference) }.max() ?? 0
        if worst > 0.1 { warnings.append(.poorBalance(largestSMD: worst)) }
        if let c = sample.convergence, !c.converged { warnings.append(.notConverged) }
        return Result(
            method: sample.method, estimand: estimand, counts: counts, propensityModel: scores.map { PropensityModel($0.model) },
            convergence: sample.convergence,
            balance: balance, effects: effects, warnings: warnings,
            units: Units(rows: rows, treated: treated, weights: weights, subclass: subclass, propensityScores: scores?.probabilities))
    }

    /// A matched or weighted sample, whichever way it was made.
    struct AdjustedSample {
        let rows: [Int], treated: [Bool], weights: [Double]
        /// Matched sets, when there are any.
        let subclass: [Int?]?
        let scores: PropensityScores?
        let method: String, droppedRows: Int
        let convergence: EntropyBalancing.Convergence?

        init(_ m: MatchedSample) {
            (rows, treated, weights, scores, method, droppedRows, convergence) = (
                m.rows, m.treated, m.weights, m.propensityScores, m.method, m.droppedRows, nil
            )
            subclass = m.subclass.contains { $0 != nil } ? m.subclass : nil
        }

        init(_ w: WeightedSample) {
            (rows, treated, weights, subclass, scores, method, droppedRows, convergence) = (
                w.rows, w.treated, w.weights, nil, w.propensityScores, w.method, w.droppedRows, w.convergence
            )
        }
    }

    /// Matches or weights the sample as `spec.design` says.
    static func adjustedSample(_ spec: Specification, table: Table) throws(MatchingError) -> AdjustedSample {
        switch spec.design {
        case .nearest(var m):
            m.threads = spec.threads
            return AdjustedSample(try NearestNeighborMatching.match(table, m))
        case .coarsenedExact(let cutpoints):
            return AdjustedSample(
                try CoarsenedExactMatching.match(
                    table, treatment: spec.treatment, covariates: spec.covariates, factors: spec.factors, cutpoints: cutpoints.mapValues { .bins($0) }))
        case .inverseProbability(let estimand, let link):
            return AdjustedSample(
                try InverseProbabilityWeighting.weights(
                    table, treatment: spec.treatment, covariates: spec.covariates, factors: spec.factors, estimand: estimand, link: link))
        case .entropy(let estimand, let variances):
            return AdjustedSample(
                try EntropyBalancing.weights(
                    table, treatment: spec.treatment, covariates: spec.covariates, factors: spec.factors, estimand: estimand, variances: variances))
        }
    }
}
