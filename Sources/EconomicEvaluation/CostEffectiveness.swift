import EstimationCore
import Foundation
import Regression
import Tabular

/// Cost-effectiveness analysis: the entry point `CostEffectiveness.estimate(_:table:)` takes a
/// specification and returns the `Codable` result that `impact run` writes for
/// `method: cost-effectiveness`.
///
/// Four kinds of input (`Specification.input`):
/// - `.people`: one row per person with a cost, an effect (e.g. QALYs) and a strategy;
/// - `.waves`: one row per person and wave (long form) with a utility and a cost; each person's QALYs
///   are the area under the utility curve (trapezoids, times in years) and the cost the sum over the
///   cost waves (`CostEffectiveness+Waves.swift`), discounted;
/// - `.draws`: probabilistic-sensitivity draws of each strategy's effect and cost (`ProbabilisticSensitivity`);
/// - `.summary`: one row per strategy with its mean cost and effect.
///
/// With people or waves: the strategies' means (unadjusted) go through the incremental analysis
/// (`IncrementalAnalysis`), and the net-benefit regression (`NetBenefitRegression`) gives the adjusted
/// increments, the ICER with Fieller's interval, the incremental net benefit over the λ grid and the
/// acceptability curve. Rows missing a value that is needed are left out (complete cases) and counted.
public enum CostEffectiveness {
    /// The inputs a problem can be about (the config layer maps them to its keys).
    public enum Field: String, Sendable, Codable, Equatable {
        case strategy, strategies, comparator, cost, effect, utility, unit, wave, waves, waveYears, costWaves, draw, cluster, weights, covariates
        case willingnessToPay, costDiscountRate, effectDiscountRate, utilityMinimum, wellbyValue, level
    }

    /// What one row of the data is.
    public enum Input: Sendable, Equatable {
        case people
        case waves(Waves)
        /// Probabilistic-sensitivity draws; the column numbering the draws.
        case draws(draw: String)
        case summary
    }

    /// Long-form data observed at waves.
    public struct Waves: Sendable, Equatable {
        /// The person (unit) and wave columns.
        public var unit: String
        public var wave: String
        /// The waves used, in time order, and their times in years (strictly increasing; the first is the start).
        public var waves: [Double]
        public var years: [Double]
        /// The waves whose costs are summed (default: every wave after the first, whose costs are the
        /// baseline period's). Each wave's cost covers the period since the wave before it.
        public var costWaves: [Double]?
        /// Adjust for the utility at the first wave (Manca, Hawkins & Sculpher 2005).
        public var adjustForBaselineUtility = true
        /// The lowest valid utility (default −0.594, the UK EQ-5D-3L tariff's minimum; Dolan 1997).
        public var utilityMinimum = -0.594

        public init(unit: String, wave: String, waves: [Double], years: [Double]) {
            self.unit = unit
            self.wave = wave
            self.waves = waves
            self.years = years
        }
    }

    /// What to analyse.
    public struct Specification: Sendable {
        public var input: Input = .people
        /// The strategy (arm, programme model) column.
        public var strategy: String
        /// The cost column, and the effect column (the utility column with `.waves`).
        public var cost: String
        public var effect: String
        /// The strategies in display order (default: the data's, sorted); each must have observations.
        public var strategies: [String]? = nil
        /// The comparator of the net-benefit regression and the draws' increments (default: the first strategy).
        public var comparator: String? = nil
        /// Adjustment terms of the net-benefit regression (people and waves input).
        public var covariates: [String] = []
        public var factors: [String] = []
        public var absorb: [String] = []
        public var weights: String? = nil
        public var cluster: String? = nil
        public var variance = VarianceEstimator.hc1
        /// A bootstrap of the net-benefit regression's increments, as well as the sandwich (people and waves input).
        public var bootstrap: NetBenefitBootstrap.Settings? = nil
        /// Willingness to pay per unit of effect, increasing.
        public var willingnessToPay: [Double] = stride(from: 0, through: 50_000, by: 1_000).map(Double.init)
        public var level = ConfidenceLevel.standard
        /// Annual discount rates (NICE: 3.5% for both), applied with `.waves` input.
        public var costDiscountRate = 0.035
        public var effectDiscountRate = 0.035
        /// What the report states (CHEERS 2022): the perspective and the price year of the costs.
        public var perspective: String? = nil
        public var priceYear: Int? = nil
        /// Value the effects (life-satisfaction point-years) as WELLBYs at this many pounds per point-year.
        public var wellbyValue: Double? = nil

        public init(strategy: String, cost: String, effect: String) {
            self.strategy = strategy
            self.cost = cost
            self.effect = effect
        }
    }

    /// One strategy's data.
    public struct StrategySummary: Sendable, Codable, Equatable {
        public let strategy: String
        /// Persons (or draws) behind the means, unweighted.
        public let units: Int
        /// Clusters among them, when clustered.
        public let clusters: Int?
        public let meanCost: Double
        public let meanEffect: Double
        /// Standard deviations (divisor n − 1) of the persons' or draws' costs and effects.
        public let costStandardDeviation: Double?
        public let effectStandardDeviation: Double?
    }

    /// The net-benefit regression part of a result.
    public struct NetBenefit: Sendable, Codable, Equatable {
        /// Persons in the regression and the adjustment terms.
        public let observations: Int
        public let clusters: Int?
        public let adjustment: [String]
        public let inference: Inference
        public let comparisons: [NetBenefitRegression.Comparison]
        /// The bootstrap, when asked for.
        public let bootstrap: NetBenefitBootstrap.Result?
    }

    /// The probabilistic-sensitivity part of a result.
    public struct Sensitivity: Sendable, Codable, Equatable {
        public let draws: Int
        public let increments: [ProbabilisticSensitivity.Increment]
        public let byWillingnessToPay: [ProbabilisticSensitivity.AtWillingnessToPay]
    }

    /// How person-level outcomes were derived from waves.
    public struct Derivation: Sendable, Codable, Equatable {
        public let waves: [Double]
        public let years: [Double]
        public let costWaves: [Double]
        public let costDiscountRate: Double
        public let effectDiscountRate: Double
        public let adjustedForBaselineUtility: Bool
        /// Persons with every wave's utility and cost, and those left out.
        public let completeUnits: Int
        public let incompleteUnits: Int
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// Persons or rows left out for a missing value (complete-case analysis).
        case incomplete(left: Int, of: Int)
        /// CR0/CR1 with few clusters.
        case fewClusters(clusters: Int)
        /// Fieller's interval for the ICER is unbounded: the effect difference is not significant.
        case icerUnbounded(strategy: String)
        /// A negative ICER: one strategy dominates in expectation, and the ratio does not rank.
        case negativeICER(strategy: String, icer: Double)
        /// Few probabilistic-sensitivity draws for a stable acceptability curve.
        case fewDraws(draws: Int)
        /// The individual bootstrap ignores the clusters.
        case bootstrapIgnoresClusters
        /// A cluster bootstrap with few clusters in a strategy (Flynn & Peters 2004: at least about 24 per arm).
        case fewClustersForBootstrap(clusters: Int)
        /// Bootstrap draws left out because they could not be fitted.
        case failedDraws(failed: Int, of: Int)

        /// The warning as a sentence for a report.
        public var message: String {
            switch self {
            case let .incomplete(left, total):
                return
                    "\(left) of \(total) persons lack a value the analysis needs and were left out (complete cases): unbiased only if data are missing completely at random, or at random given the covariates."
            case .fewClusters(let g):
                return "Only \(g) clusters: CR1 standard errors are too small with fewer than about 40; use `inference: cr2`."
            case .icerUnbounded(let s):
                return
                    "The difference in effect of '\(s)' is not significant at this level, so Fieller's interval for its ICER is unbounded; read the net benefit and the acceptability curve instead."
            case let .negativeICER(s, icer):
                return
                    "The ICER of '\(s)' is negative (\(formatNumber(icer))): one strategy is both cheaper and more effective in expectation, and a negative ratio does not rank strategies."
            case .fewDraws(let d):
                return "Only \(d) draws: acceptability probabilities and the EVPI carry Monte Carlo error of several percentage points; use 1,000 or more."
            case .bootstrapIgnoresClusters:
                return
                    "The individual bootstrap resamples persons as if independent: with clustered data its intervals are too narrow. Use `bootstrap: two-stage` or `clusters`."
            case .fewClustersForBootstrap(let g):
                return
                    "A strategy has only \(g) clusters: cluster-bootstrap intervals tend to be too narrow with fewer than about 24 per arm (Flynn & Peters 2004); compare with CR2."
            case let .failedDraws(failed, total):
                return "\(failed) of \(total) bootstrap draws could not be fitted (a term without variation among the drawn rows) and were left out."
            }
        }
    }

    /// The result `results.json` holds for a cost-effectiveness analysis.
    public struct Result: Sendable, Codable, Equatable {
        public let input: String
        public let strategyColumn: String
        public let comparator: String
        public let strategies: [StrategySummary]
        public let incremental: [IncrementalAnalysis.Row]
        public let netBenefit: NetBenefit?
        public let sensitivity: Sensitivity?
        public let derivation: Derivation?
        public let willingnessToPay: [Double]
        public let level: Double
        public let perspective: String?
        public let priceYear: Int?
        public let warnings: [Warning]
        /// The effects valued in money as WELLBYs, when `Specification.wellbyValue` is set.
        public var wellbeing: Wellbeing? = nil
    }

    /// Effects measured in life-satisfaction point-years valued as WELLBYs (HM Treasury, *Wellbeing
    /// guidance for appraisal*, 2021): each point-year at `valuePerPointYear` (£13,000 at 2019 prices by
    /// default; a range of £10,000 to £16,000 is suggested for sensitivity).
    public struct Wellbeing: Sendable, Codable, Equatable {
        public let valuePerPointYear: Double
        /// Each strategy's mean effect in money, in strategy order.
        public let strategies: [Double]
        /// Each compared strategy's incremental effect in money: the net-benefit regression's (adjusted,
        /// with its interval scaled) for person-level data, the draws' mean difference otherwise.
        public let increments: [Estimate]
    }

    /// Runs the analysis in `spec` on `table` (see the type's documentation).
    public static func estimate(_ spec: Specification, table: Table) throws(EconomicEvaluationError) -> Result {
        try checkSettings(spec)
        var result: Result
        switch spec.input {
        case .draws(let draw): result = try fromDraws(spec, draw: draw, table: table)
        case .summary: result = try fromSummary(spec, table: table)
        case .people, .waves: result = try fromPeople(spec, table: table)
        }
        if let value = spec.wellbyValue { result.wellbeing = wellbeing(result, value: value, level: spec.level) }
        return result
    }

    /// The WELLBY valuation of `result`'s effects.
    static func wellbeing(_ result: Result, value: Double, level: Double) -> Wellbeing {
        func scaled(_ e: Estimate) -> Estimate {
            Estimate(
                term: e.term.map { $0 + " (£)" }, estimate: value * e.estimate, standardError: e.standardError.map { value * $0 },
                degreesOfFreedom: e.degreesOfFreedom, statistic: e.statistic, pValue: e.pValue, level: e.level, lower: e.lower.map { value * $0 },
                upper: e.upper.map { value * $0 }, inference: e.inference)
        }
        let increments: [Estimate]
        if let nb = result.netBenefit {
            increments = nb.comparisons.map { scaled($0.incrementalEffect) }
        } else if let s = result.sensitivity {
            increments = s.increments.map { .point(term: "incremental effect (£)", value * $0.incrementalEffect, level: level) }
        } else {
            let comparator = result.strategies.first { $0.strategy == result.comparator }?.meanEffect ?? 0
            increments = result.strategies.filter { $0.strategy != result.comparator }.map {
                .point(term: "incremental effect (£)", value * ($0.meanEffect - comparator), level: level)
            }
        }
        return Wellbeing(valuePerPointYear: value, strategies: result.strategies.map { value * $0.meanEffect }, increments: increments)
    }

    /// Checks the settings and the data as `estimate` does, without fitting: what `impact validate` runs.
    public static func validate(_ spec: Specification, table: Table) throws(EconomicEvaluationError) {
        try checkSettings(spec)
        switch spec.input {
        case .draws(let draw): _ = try drawMatrix(spec, draw: draw, table: table)
        case .summary: _ = try summaryRows(spec, table: table)
        case .people, .waves: _ = try personTable(spec, table: table)
        }
    }

    /// Checks the settings alone (λ increasing and non-negative, discount rates, the level), as `estimate` does first.
    public static func checkSettings(_ spec: Specification) throws(EconomicEvaluationError) {
        let w = spec.willingnessToPay
        guard !w.isEmpty else { throw .invalidSetting(field: .willingnessToPay, problem: "give at least one willingness-to-pay value") }
        if let k = w.indices.first(where: { !w[$0].isFinite || w[$0] < 0 }) {
            throw .invalidSetting(field: .willingnessToPay, problem: "willingness to pay must be finite and 0 or more; item \(k + 1) is \(formatNumber(w[k]))")
        }
        if let k = w.indices.dropFirst().first(where: { w[$0] <= w[$0 - 1] }) {
            throw .invalidSetting(
                field: .willingnessToPay,
                problem: "willingness-to-pay values must increase; item \(k + 1) (\(formatNumber(w[k]))) does not exceed item \(k) (\(formatNumber(w[k - 1])))")
        }
        for (field, rate) in [(Field.costDiscountRate, spec.costDiscountRate), (.effectDiscountRate, spec.effectDiscountRate)] where !(rate >= 0 && rate < 1) {
            throw .invalidSetting(field: field, problem: "a discount rate must be in [0, 1), e.g. 0.035; got \(formatNumber(rate))")
        }
        if let problem = ConfidenceLevel.problem(spec.level) { throw .invalidSetting(field: .level, problem: problem) }
        if let v = spec.wellbyValue, !(v > 0 && v.isFinite) {
            throw .invalidSetting(field: .wellbyValue, problem: "a WELLBY value must be a positive amount per point-year, e.g. 13000; got \(formatNumber(v))")
        }
    }

    /// Strategy levels in display order, the comparator's index, and each row's strategy index (−1: missing or not listed).
    static func strategyCodes(_ spec: Specification, table: Table, rows: [Int]) throws(EconomicEvaluationError) -> (
        names: [String], comparator: Int, codes: [Int]
    ) {
        let values: [String?]
        do { values = try table.strings(spec.strategy) } catch { throw .table(error) }
        let present = Set(rows.compactMap { values[$0] })
        let names: [String]
        if let listed = spec.strategies {
            if let missing = listed.first(where: { !present.contains($0) }) { throw .noObservations(strategy: missing, column: spec.strategy) }
            names = listed
        } else {
            let numbers = present.compactMap { Double($0) }
            names =
                numbers.count == present.count
                ? present.sorted { Double($0)! < Double($1)! } : present.sorted()
        }
        guard names.count >= 2 else {
            throw .invalidSetting(field: .strategy, problem: "column '\(spec.strategy)' has \(names.count) strategy; a comparison needs at least 2")
        }
        let comparatorName = spec.comparator ?? names[0]
        guard let comparator = names.firstIndex(of: comparatorName) else {
            throw .invalidSetting(
                field: .comparator,
                problem: "comparator '\(comparatorName)' is not a strategy in column '\(spec.strategy)' (strategies: \(names.joined(separator: ", ")))")
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (names, comparator, values.map { $0.flatMap { index[$0] } ?? -1 })
    }

    static func column(_ table: Table, _ name: String) throws(EconomicEvaluationError) -> [Double] {
        do { return try table.numeric(name) } catch { throw .table(error) }
    }

    /// Mean and SD (divisor n − 1) of `x` over `rows`.
    static func moments(_ x: [Double], rows: [Int]) -> (mean: Double, sd: Double?) {
        let values = rows.map { x[$0] }
        return (WeightedStatistics.mean(values), values.count > 1 ? WeightedStatistics.standardDeviation(values) : nil)
    }
}
