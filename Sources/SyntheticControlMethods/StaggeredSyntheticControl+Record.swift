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
        // The member units of the fits whose gaps an average takes (as `summarize`: every period before
        // adoption, the effect periods after it; a cohort fit counts every member).
        func contributors(_ fits: [UnitEffect]) -> Contributors { Contributors(units: Set(fits.flatMap(\.members)).count) }
        let eventFits: (Int) -> [UnitEffect] = { e in
            r.units.filter { u in
                let start = r.periods.firstIndex { $0 >= u.adoption } ?? r.periods.count, t = start + e
                return r.periods.indices.contains(t) && (t < start || u.effectPeriods.contains(t))
            }
        }
        var record = Record(
            aggregation: spec.aggregation, donorPool: spec.donorPool, outcome: spec.outcome, level: spec.level, overall: r.overall,
            units: r.units.map { .init(unit: $0.name, members: $0.members, adoption: $0.adoption, averageEffect: $0.averageEffect, preRMSPE: $0.preRMSPE) },
            eventTime: r.eventTime.map { .init(eventTime: $0.eventTime, summary: $0.summary, contributors: contributors(eventFits($0.eventTime))) },
            cohorts: r.cohorts.map { c in
                .init(
                    adoption: c.adoption, summary: c.summary,
                    contributors: contributors(r.units.filter { $0.adoption == c.adoption && !$0.effectPeriods.isEmpty }))
            },
            placeboDraws: r.placeboDraws, warnings: r.placeboDraws == 0 ? [.noPlaceboDraws] : [])
        record.fits = r.units
        record.periods = r.periods
        return record
    }
}
