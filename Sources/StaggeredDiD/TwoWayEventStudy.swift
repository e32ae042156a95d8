import EstimationCore
import Regression
import Tabular

/// A two-way fixed-effects event study as one call: the coefficients around adoption with
/// pointwise intervals and a sup-t band (``EventStudy``), typed warnings, and, when asked for,
/// HonestDiD robust sets (``ParallelTrendsSensitivity``). What `impact run` computes for
/// `method: event-study`, and what its `results.json` holds.
///
/// Conventions: unit and period effects absorbed, never-treated units as controls, CR1 clustered by
/// the unit unless stated (fixest's small-sample rules); the sup-t band's critical value simulated
/// from the coefficients' covariance with `seed`.
///
/// Complexity: one absorbed fixed-effects fit, the band's simulation, and the sensitivity sets.
public enum TwoWayEventStudy {
    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// CR1 with fewer than 42 clusters.
        case fewClusters(Int)
        /// No never-treated units: the comparisons rest on not-yet-treated units alone.
        case noNeverTreated
        case sensitivity(ParallelTrendsSensitivity.Warning)

        public var message: String {
            switch self {
            case .fewClusters(let g):
                return "Only \(g) clusters: CR1 tests can reject a true null far more often than their level with fewer than about 42 clusters."
            case .noNeverTreated:
                return
                    "No never-treated units: the comparisons rest on not-yet-treated units alone, and two-way fixed effects can be biased when effects change over time."
            case .sensitivity(let w): return w.message
            }
        }
    }

    /// The `results.json` entry of an event study.
    public struct Result: Sendable, Codable {
        public let outcome: String
        public let observations: Int
        public let treatedUnits: Int
        public let neverTreatedUnits: Int
        public let reference: Int
        public let clusters: Int?
        public let pointwiseCritical: Double
        public let supTCritical: Double
        public let eventTime: [EventStudy.Coefficient]
        /// How the coefficients' intervals were computed ("CR1, 50 clusters, t with 49 df").
        public let inference: Inference?
        public let level: Double
        /// Robust sets under violations of parallel trends, when asked for.
        public let sensitivity: ParallelTrendsSensitivity.Analysis?
        public let warnings: [Warning]
    }

    /// Fits the event study and, with `sensitivity`, its robust sets (`threads` for their grids).
    public static func estimate(
        _ spec: EventStudy.Specification, sensitivity: ParallelTrendsSensitivity.Settings? = nil, threads: Int = 1, table: Table
    ) throws(DiDError) -> Result {
        let study: EventStudy, coefficients: CoefficientTable
        do {
            study = try EventStudy(spec, table: table)
            coefficients = try study.fit.coefficientTable(spec.estimator, level: spec.level)
        } catch { throw .estimation("\(error)") }
        var warnings: [Warning] = []
        if let g = coefficients.clusterCount, g < 42 { warnings.append(.fewClusters(g)) }
        if study.neverTreatedUnits == 0 { warnings.append(.noNeverTreated) }
        var analysis: ParallelTrendsSensitivity.Analysis? = nil
        if let settings = sensitivity {
            let post = study.coefficients.filter { $0.eventTime >= 0 }.count
            analysis = try ParallelTrendsSensitivity(study, target: try settings.weights(postperiods: post)).analyse(settings, threads: threads)
            warnings += analysis?.warnings.map { .sensitivity($0) } ?? []
        }
        return Result(
            outcome: spec.outcome, observations: study.fit.observations, treatedUnits: study.treatedUnits, neverTreatedUnits: study.neverTreatedUnits,
            reference: spec.reference, clusters: coefficients.clusterCount, pointwiseCritical: study.pointwiseCritical,
            supTCritical: study.supTCritical, eventTime: study.coefficients, inference: coefficients.rows.first?.inference, level: spec.level,
            sensitivity: analysis, warnings: warnings)
    }
}
