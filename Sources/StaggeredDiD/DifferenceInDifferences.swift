import EstimationCore
import LinearAlgebra
import Regression
import Tabular

/// Staggered difference-in-differences as one call: Callaway & Sant'Anna (2021) group-time
/// effects with their aggregations, pre-test, multiplier-bootstrap uniform bands and HonestDiD
/// sensitivity, or the imputation estimator (Borusyak, Jaravel & Spiess 2024). What `impact run`
/// computes for `method: did`, and what its `results.json` holds.
///
/// ```swift
/// var spec = DifferenceInDifferences.Specification(
///     design: .init(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat"))
/// spec.replications = 999
/// let result = try DifferenceInDifferences.estimate(spec, table: table)
/// ```
///
/// Conventions: analytic standard errors from the influence functions (R did's default bootstraps
/// them instead); the uniform band's critical value from `replications` multiplier draws of those
/// influence functions (cluster means with `cluster`, as R did), seeded per block of draws so that
/// results are the same for any thread count.
///
/// Complexity: that of ``CallawaySantAnna`` (one two-period fit per ATT(g,t)) plus O(n · cells ·
/// replications) for the bootstrap; ``ImputationDiD`` is two fixed-effects regressions.
public enum DifferenceInDifferences {
    /// The estimator: Callaway & Sant'Anna's doubly robust, inverse-probability or outcome-regression
    /// ATT(g,t), or the imputation estimator.
    public enum Estimator: String, Sendable, Codable, CaseIterable { case dr, ipw, reg, imputation }

    /// What to estimate.
    public struct Specification: Sendable {
        /// Columns, comparison group, covariates, base period, sampling, weights, clusters and level.
        public var design: CallawaySantAnna.Specification
        public var estimator = Estimator.dr
        /// The aggregations reported (Callaway–Sant'Anna estimators).
        public var aggregations = CallawaySantAnna.Aggregation.allCases
        /// The dynamic aggregation's event-time window and balancing.
        public var window = CallawaySantAnna.EventWindow()
        /// Multiplier-bootstrap draws for the uniform bands (0: none).
        public var replications = 1000
        public var bootstrapWeights = WildClusterBootstrap.Weights.mammen
        public var seed: UInt64 = 1
        public var threads = 1
        /// Robust sets when parallel trends may fail (needs a universal base period).
        public var sensitivity: ParallelTrendsSensitivity.Settings? = nil

        public init(design: CallawaySantAnna.Specification) { self.design = design }
    }

    /// A uniform (sup-t) band: the critical value and the bootstrap standard errors of the estimates it covers.
    public struct UniformBand: Sendable, Codable, Equatable {
        public let criticalValue: Double
        public let standardErrors: [Double]
        public let draws: Int
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// The pre-test rejects parallel pre-trends at the 5% level.
        case preTrendsRejected(pValue: Double)
        case sensitivity(ParallelTrendsSensitivity.Warning)

        public var message: String {
            switch self {
            case .preTrendsRejected(let p):
                return
                    "The pre-test rejects parallel pre-trends (\(ProseNumbers.pClause(p))): the post-treatment effects rest on an assumption the pre-periods do not support."
            case .sensitivity(let w): return w.message
            }
        }
    }

    /// The imputation estimator's cells, averages and first-stage covariate coefficients.
    public struct Imputation: Sendable, Codable, Equatable {
        public struct Covariate: Sendable, Codable, Equatable {
            public let covariate: String
            /// Its coefficient from the untreated observations (BJS step 1).
            public let coefficient: Double
        }
        public let cells: [ImputationDiD.Cell]
        public let eventTime: [Estimate]
        public let eventTimes: [Int]
        public let overall: Estimate
        public let covariates: [Covariate]
        /// The treated units (and clusters) behind each event-time average and the overall average.
        public let eventTimeContributors: [Contributors]
        public let overallContributors: Contributors
        /// The untreated observations' units (and clusters).
        public let comparison: Contributors
    }

    /// The `results.json` entry of a `did` analysis.
    public struct Result: Sendable, Codable {
        public let estimator: Estimator
        /// `never`, `not-yet`, or `untreated observations` (imputation).
        public let controlGroup: String
        public let sampling: CallawaySantAnna.Sampling
        public let level: Double
        public let units: Int?
        public let droppedGroups: [Double]
        public let groupTime: [CallawaySantAnna.GroupTime]?
        public let aggregations: [CallawaySantAnna.Aggregate]?
        public let preTest: CallawaySantAnna.PreTest?
        /// The sup-t critical value of the ATT(g,t) from the multiplier bootstrap.
        public let uniformCriticalValue: Double?
        public let bootstrapDraws: Int?
        /// The ATT(g,t) band's bootstrap standard errors (one per `groupTime` entry).
        public let groupTimeBand: UniformBand?
        /// The uniform band of the dynamic aggregation's components.
        public let dynamicBand: UniformBand?
        public let imputation: Imputation?
        /// Robust sets under violations of parallel trends, when `sensitivity` is set.
        public let sensitivity: ParallelTrendsSensitivity.Analysis?
        public let warnings: [Warning]
    }

    /// Rules between settings that need no data: sensitivity needs pre-period estimates from a
    /// universal base period; the imputation estimator needs a panel and uses every untreated observation.
    public static func checkSettings(_ spec: Specification) throws(DiDError) {
        if spec.sensitivity != nil && spec.estimator == .imputation {
            throw .setting(
                .sensitivity, "sensitivity needs pre-period estimates, which the imputation estimator does not produce; use estimator dr, ipw or reg")
        }
        if spec.sensitivity != nil && spec.design.basePeriod != .universal {
            throw .setting(
                .sensitivity,
                "sensitivity needs base_period: universal (with a varying base period the pre-period effects are one-period changes, not deviations from the period before adoption)"
            )
        }
        if spec.estimator == .imputation && spec.design.sampling != .panel {
            throw .setting(.sampling, "the imputation estimator here needs a panel; use estimator dr, ipw or reg for \(spec.design.sampling.rawValue) data")
        }
        guard spec.replications == 0 || spec.replications >= 99 else { throw .setting(.replications, "use 0 (no bootstrap) or at least 99 draws") }
        if spec.bootstrapWeights == .webb { throw .setting(.bootstrapWeights, "use rademacher or mammen") }
    }

    /// Estimates everything `spec` asks for.
    public static func estimate(_ spec: Specification, table: Table) throws(DiDError) -> Result {
        try checkSettings(spec)
        var design = spec.design
        design.threads = spec.threads
        if spec.estimator == .imputation { return try imputation(spec, design: design, table: table) }
        design.method = CallawaySantAnna.Method(rawValue: spec.estimator.rawValue) ?? .dr
        let cs = try CallawaySantAnna(design, table: table)
        var aggregates: [CallawaySantAnna.Aggregate] = []
        for a in spec.aggregations { aggregates.append(try cs.aggregate(a, window: spec.window)) }
        let pre = try cs.preTest()
        var groupTimeBand: UniformBand? = nil, dynamicBand: UniformBand? = nil
        if spec.replications > 0 {
            func band(_ influence: Matrix, seed: UInt64) -> UniformBand {
                let b = CallawaySantAnna.multiplierBootstrap(
                    influence, clusters: cs.clusters, draws: spec.replications, level: design.level, seed: seed, threads: spec.threads,
                    weights: spec.bootstrapWeights)
                return UniformBand(criticalValue: b.criticalValue, standardErrors: b.standardErrors, draws: b.draws)
            }
            groupTimeBand = band(cs.influence, seed: spec.seed)
            // Column 0 of an aggregate's influence is the overall average; the band covers it and the components.
            dynamicBand = aggregates.first { $0.aggregation == .dynamic }.map { band($0.influence, seed: spec.seed &+ 1) }
        }
        var warnings: [Warning] = []
        if let pre, pre.pValue < 0.05 { warnings.append(.preTrendsRejected(pValue: pre.pValue)) }
        var sensitivity: ParallelTrendsSensitivity.Analysis? = nil
        if let settings = spec.sensitivity {
            let post = try cs.aggregate(.dynamic, window: spec.window).keys.filter { $0 >= 0 }.count
            let s = try ParallelTrendsSensitivity(cs, window: spec.window, target: try settings.weights(postperiods: post))
            sensitivity = try s.analyse(settings, threads: spec.threads)
            warnings += sensitivity?.warnings.map { .sensitivity($0) } ?? []
        }
        return Result(
            estimator: spec.estimator, controlGroup: design.controlGroup.rawValue, sampling: design.sampling, level: design.level, units: cs.count,
            droppedGroups: cs.droppedGroups, groupTime: cs.groupTimes, aggregations: aggregates, preTest: pre,
            uniformCriticalValue: groupTimeBand?.criticalValue, bootstrapDraws: groupTimeBand?.draws, groupTimeBand: groupTimeBand,
            dynamicBand: dynamicBand, imputation: nil, sensitivity: sensitivity, warnings: warnings)
    }

    static func imputation(_ spec: Specification, design: CallawaySantAnna.Specification, table: Table) throws(DiDError) -> Result {
        let m = try ImputationDiD(design, table: table)
        let imputation = Imputation(
            cells: m.cells, eventTime: m.eventTime, eventTimes: m.eventTimes, overall: m.overall,
            covariates: zip(design.covariates, m.covariateCoefficients).map { .init(covariate: $0, coefficient: $1) },
            eventTimeContributors: m.eventTimeContributors, overallContributors: m.overallContributors, comparison: m.comparison)
        return Result(
            estimator: .imputation, controlGroup: "untreated observations", sampling: design.sampling, level: design.level, units: nil,
            droppedGroups: [], groupTime: nil, aggregations: nil, preTest: nil, uniformCriticalValue: nil, bootstrapDraws: nil, groupTimeBand: nil,
            dynamicBand: nil, imputation: imputation, sensitivity: nil, warnings: [])
    }
}
