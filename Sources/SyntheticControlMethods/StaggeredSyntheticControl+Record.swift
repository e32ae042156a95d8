import EstimationCore
import Tabular

extension StaggeredSyntheticControl {
    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// No placebo draws: the averages have no measure of uncertainty.
        case noPlaceboDraws

        public var message: String {
            switch self {
            case .noPlaceboDraws: return "no placebo draws (inference: none or replications: 0): the averages have no measure of uncertainty"
            }
        }
    }

    /// A staggered synthetic control as `results.json` holds it: the summaries by unit, event time
    /// and cohort, with the treated units behind each, and typed warnings (the unit-by-period gaps
    /// are kept beside it, not encoded).
    public struct Record: Sendable, Codable {
        public struct UnitRow: Sendable, Codable, Equatable {
            public let unit: String
            public let members: [String]
            public let adoption: Double
            public let averageEffect: Double
            public let preRMSPE: Double
        }
        public struct EventTimeRow: Sendable, Codable, Equatable {
            public let eventTime: Int
            public let summary: Summary
            /// The treated units whose gaps this average takes.
            public let contributors: Contributors
        }
        public struct CohortRow: Sendable, Codable, Equatable {
            public let adoption: Double
            public let summary: Summary
            public let contributors: Contributors
        }
        /// `unit` or `cohort`.
        public let aggregation: Aggregation
        public let donorPool: DonorPool
        public let outcome: String
        public let level: Double
        public let overall: Summary
        public let units: [UnitRow]
        public let eventTime: [EventTimeRow]
        public let cohorts: [CohortRow]
        public let placeboDraws: Int
        public let warnings: [Warning]
        /// Each fitted unit's (or cohort's) gaps and effect periods, and the panel's periods; not encoded.
        public internal(set) var fits: [UnitEffect] = []
        public internal(set) var periods: [Double] = []

        enum CodingKeys: String, CodingKey {
            case aggregation, donorPool, outcome, level, overall, units, eventTime, cohorts, placeboDraws, warnings
        }
    }

    /// Estimates from a table: the panel of `unit` and `time`, each unit's adoption from the column
    /// `adoptionColumn` (0 or missing: never treated), replacing the specification's `adoption`.
    ///
    /// Complexity: that of ``estimate(_:_:)``.
    public static func estimate(
        _ table: Table, unit: String, time: String, adoptionColumn: String, _ spec: Specification
    ) throws(SyntheticControlError) -> Record {
        let panel: Panel
        var spec = spec
        do {
            panel = try Panel(table, unit: unit, time: time)
            spec.adoption = try panel.adoptionTimes(adoptionColumn)
        } catch { throw .panel(error.description) }
        let r = try estimate(panel, spec)
        var record = Record(
            aggregation: spec.aggregation, donorPool: spec.donorPool, outcome: spec.outcome, level: spec.level, overall: r.overall,
            units: r.units.map { .init(unit: $0.name, members: $0.members, adoption: $0.adoption, averageEffect: $0.averageEffect, preRMSPE: $0.preRMSPE) },
            eventTime: r.eventTime.map {
                .init(eventTime: $0.eventTime, summary: $0.summary, contributors: Contributors(units: r.eventTimeUnits[$0.eventTime] ?? 0))
            },
            cohorts: r.cohorts.map { .init(adoption: $0.adoption, summary: $0.summary, contributors: Contributors(units: r.cohortUnits[$0.adoption] ?? 0)) },
            placeboDraws: r.placeboDraws, warnings: r.placeboDraws == 0 ? [.noPlaceboDraws] : [])
        record.fits = r.units
        record.periods = r.periods
        return record
    }
}
