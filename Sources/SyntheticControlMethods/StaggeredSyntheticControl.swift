import EstimationCore
import Foundation
import Tabular

/// Synthetic control with several treated units adopting at different times.
///
/// Each treated unit (or each adoption cohort, averaged) is fitted separately
/// against its own donor pool with the same `SyntheticControlOptions`:
/// never-treated units, or also the not-yet-treated (units adopting later; the
/// unit's effect window then ends before the earliest adoption among them, so
/// every donor is untreated wherever a gap is reported). Unit-time gaps are
/// summarised as unit, cohort, event-time (periods since adoption) and overall
/// averages, the overall average weighting every treated unit-period equally.
///
/// Inference is placebo-based: in each of `placebos` draws, as many
/// never-treated units as there are treated units are chosen at random, given
/// the real adoption times (cohort sizes preserved), fitted against the remaining
/// never-treated units, and summarised the same way. p-values are
/// (1 + #{|placebo| ≥ |estimate|}) / (1 + draws); the standard error of each
/// average is the SD of its placebo distribution. Draw b uses a seed derived
/// from `seed` and b, so results do not depend on the number of threads.
public enum StaggeredSyntheticControl {
    public enum DonorPool: String, Sendable, Codable, CaseIterable {
        case neverTreated = "never"
        case notYetTreated = "not-yet"
    }

    /// Whether each treated unit is fitted separately, or each adoption cohort's average.
    public enum Aggregation: String, Sendable, Codable, CaseIterable { case unit, cohort }

    public struct Specification: Sendable {
        public var outcome: String
        /// Adoption time of every treated unit; other units are never treated.
        public var adoption: [String: Double]
        public var donorPool: DonorPool
        public var aggregation: Aggregation
        /// Confidence level of the placebo intervals.
        public var level: Double
        public var predictors: [PredictorSpecification]
        public var options: SyntheticControlOptions
        public var placebos: Int

        public init(
            outcome: String, adoption: [String: Double], donorPool: DonorPool = .neverTreated, aggregation: Aggregation = .unit,
            predictors: [PredictorSpecification] = [], options: SyntheticControlOptions = .init(predictorWeights: .outcomeOnly),
            placebos: Int = 100, level: Double = 0.95
        ) {
            self.outcome = outcome
            self.adoption = adoption
            self.donorPool = donorPool
            self.aggregation = aggregation
            self.level = level
            self.predictors = predictors
            self.options = options
            self.placebos = placebos
        }
    }

    /// One fitted treated unit or cohort: what its fit gives (weights, gaps, pre-period fit), without
    /// the fit's donor matrices, so that memory stays linear in the number of units (N·T for all of
    /// them rather than N·T per treated unit).
    public struct UnitEffect: Sendable {
        public let name: String
        public let adoption: Double
        public let members: [String]
        /// The donor pool, in the order of `weights`.
        public let donors: [String]
        /// The synthetic control's donor weights.
        public let weights: [Double]
        /// Treated minus synthetic outcome in every period of the panel.
        public let gaps: [Double]
        /// Root mean squared gap before adoption.
        public let preRMSPE: Double
        /// Period indices whose gaps count as effects (adoption onwards, within the window).
        public let effectPeriods: [Int]

        init(name: String, adoption: Double, members: [String], fit: SyntheticControlFit, effectPeriods: [Int]) {
            self.name = name
            self.adoption = adoption
            self.members = members
            donors = fit.problem.donors
            weights = fit.weights
            gaps = fit.gaps
            preRMSPE = fit.preRMSPE
            self.effectPeriods = effectPeriods
        }

        public var averageEffect: Double {
            effectPeriods.reduce(0) { $0 + gaps[$1] } / Double(max(effectPeriods.count, 1))
        }
    }

    /// An average over `cells` treated unit-periods with its placebo-distribution inference.
    ///
    /// `effect.standardError` is the SD of the placebo draws, the interval `estimate ± z·SE`
    /// (normal, at the specification's level) and `effect.pValue` the placebo rank
    /// (1 + #{|placebo| ≥ |estimate|}) / (1 + draws). In JSON the estimate's fields sit beside `cells`.
    public struct Summary: Sendable, Codable, Equatable {
        public let cells: Int
        public let effect: Estimate

        public init(cells: Int, effect: Estimate) {
            self.cells = cells
            self.effect = effect
        }

        enum CodingKeys: String, CodingKey { case cells }
        public init(from decoder: any Decoder) throws {
            cells = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .cells)
            effect = try Estimate(from: decoder)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cells, forKey: .cells)
            try effect.encode(to: encoder)
        }

        public var estimate: Double { effect.estimate }
        public var placeboStandardError: Double? { effect.standardError }
        public var pValue: Double? { effect.pValue }
    }

    public struct Result: Sendable {
        public let units: [UnitEffect]
        public let periods: [Double]
        public let overall: Summary
        /// Event time (periods since adoption, 0 = first treated period) → average over units observed then.
        public let eventTime: [(eventTime: Int, summary: Summary)]
        /// Adoption time → average over that cohort's unit-periods.
        public let cohorts: [(adoption: Double, summary: Summary)]
        public let placeboDraws: Int
        /// The member units whose gaps each event-time and each cohort average takes.
        public let eventTimeUnits: [Int: Int]
        public let cohortUnits: [Double: Int]
    }

    public static func estimate(_ panel: Panel, _ spec: Specification) throws(SyntheticControlError) -> Result {
        guard !spec.adoption.isEmpty else { throw .invalidOption("no treated units: every unit is never treated") }
        for u in spec.adoption.keys.sorted() where !panel.units.contains(u) { throw .unknownUnit(u, available: panel.units) }
        guard spec.placebos >= 0 else { throw .invalidOption("the number of placebo draws must be non-negative") }
        let never = panel.units.filter { spec.adoption[$0] == nil }
        guard never.count >= 2 else { throw .tooFewDonors(never.count) }
        let actual = try fitAll(panel, spec, assignment: spec.adoption, never: never)
        let summary = summarize(actual, periods: panel.times)
        var overallDraws: [Double] = []
        var eventDraws: [Int: [Double]] = [:]
        var cohortDraws: [Double: [Double]] = [:]
        if spec.placebos > 0 {
            let treatedUnits = spec.adoption.keys.sorted()
            guard never.count > treatedUnits.count + 1 else {
                throw .invalidOption(
                    "placebo inference needs more never-treated units (\(never.count)) than treated units plus one (\(treatedUnits.count + 1))")
            }
            var inner = spec
            inner.options.threads = 1
            let innerSpec = inner
            let draws = ParallelMap.map(spec.placebos, threads: spec.options.threads) { b -> Swift.Result<Summaries, SyntheticControlError> in
                var rng = SplitMix64(seed: SplitMix64.derive(spec.options.seed, 1_000_000 + b))
                let order = rng.permutation(never.count)
                var assignment: [String: Double] = [:]
                for (k, u) in treatedUnits.enumerated() { assignment[never[order[k]]] = spec.adoption[u]! }
                let pool = never.filter { assignment[$0] == nil }
                do throws(SyntheticControlError) {
                    return .success(summarize(try fitAll(panel, innerSpec, assignment: assignment, never: pool), periods: panel.times))
                } catch { return .failure(error) }
            }
            for d in draws {
                switch d {
                case .success(let s):
                    overallDraws.append(s.overall.0)
                    for (e, v) in s.eventTime { eventDraws[e, default: []].append(v.0) }
                    for (a, v) in s.cohorts { cohortDraws[a, default: []].append(v.0) }
                case .failure(let e): throw .numerical("a placebo draw failed: \(e)")
                }
            }
        }
        func describe(_ estimate: (Double, Int), _ draws: [Double]?) -> Summary {
            guard let draws, !draws.isEmpty else {
                return Summary(cells: estimate.1, effect: .point(estimate.0, level: spec.level))
            }
            let sd = draws.count > 1 ? WeightedStatistics.standardDeviation(draws) : nil
            let exceed = draws.filter { abs($0) >= abs(estimate.0) }.count
            let z = ConfidenceLevel.normalCritical(spec.level)
            let b = estimate.0
            let effect = Estimate(
                estimate: b, standardError: sd, degreesOfFreedom: nil, statistic: nil,
                pValue: Double(1 + exceed) / Double(1 + draws.count), level: spec.level,
                lower: sd.map { b - z * $0 }, upper: sd.map { b + z * $0 },
                inference: Inference(
                    kind: .placebo, name: "placebo", type: "placebo SD; p = (1 + #{|placebo| ≥ |estimate|})/(1 + draws)",
                    df: .normal, replications: draws.count))
            return Summary(cells: estimate.1, effect: effect)
        }
        return Result(
            units: actual, periods: panel.times,
            overall: describe(summary.overall, spec.placebos > 0 ? overallDraws : nil),
            eventTime: summary.eventTime.map { ($0.0, describe($0.1, eventDraws[$0.0])) },
            cohorts: summary.cohorts.map { ($0.0, describe($0.1, cohortDraws[$0.0])) },
            placeboDraws: spec.placebos, eventTimeUnits: summary.eventTimeUnits, cohortUnits: summary.cohortUnits)
    }

    /// (estimate, cells) for overall, event-time and cohort averages.
    struct Summaries: Sendable {
        let overall: (Double, Int)
        let eventTime: [(Int, (Double, Int))]
        let cohorts: [(Double, (Double, Int))]
        /// Distinct member units behind each event-time and cohort average.
        var eventTimeUnits: [Int: Int] = [:]
        var cohortUnits: [Double: Int] = [:]
    }

    static func summarize(_ units: [UnitEffect], periods: [Double]) -> Summaries {
        var all: [Double] = []
        var byEvent: [Int: [Double]] = [:]
        var byCohort: [Double: [Double]] = [:]
        var eventMembers: [Int: Set<String>] = [:], cohortMembers: [Double: Set<String>] = [:]
        for u in units {
            let g = u.gaps
            let start = periods.firstIndex { $0 >= u.adoption }!
            // Event-time averages use every period, before adoption too (leads show pre-trends).
            for t in periods.indices where t < start || u.effectPeriods.contains(t) {
                byEvent[t - start, default: []].append(g[t])
                eventMembers[t - start, default: []].formUnion(u.members)
            }
            for t in u.effectPeriods {
                all.append(g[t])
                byCohort[u.adoption, default: []].append(g[t])
                cohortMembers[u.adoption, default: []].formUnion(u.members)
            }
        }
        func avg(_ v: [Double]) -> (Double, Int) { (v.reduce(0, +) / Double(max(v.count, 1)), v.count) }
        return Summaries(
            overall: avg(all),
            eventTime: byEvent.keys.sorted().map { ($0, avg(byEvent[$0]!)) },
            cohorts: byCohort.keys.sorted().map { ($0, avg(byCohort[$0]!)) },
            eventTimeUnits: eventMembers.mapValues(\.count), cohortUnits: cohortMembers.mapValues(\.count))
    }

    /// Fits every treated unit (or cohort) of `assignment` against `never` (plus not-yet-treated units).
    static func fitAll(
        _ panel: Panel, _ spec: Specification, assignment: [String: Double],
        never: [String]
    ) throws(SyntheticControlError) -> [UnitEffect] {
        let treated = assignment.keys.sorted { (assignment[$0]!, $0) < (assignment[$1]!, $1) }
        let groups: [(name: String, adoption: Double, members: [String])] =
            switch spec.aggregation {
            case .unit: treated.map { ($0, assignment[$0]!, [$0]) }
            case .cohort: Set(assignment.values).sorted().map { a in ("cohort \(formatNumber(a))", a, treated.filter { assignment[$0] == a }) }
            }
        // Groups are independent: fit them in parallel (BLAS single-threaded inside), each with a seed
        // derived from its index, so the result does not depend on the thread count. With one group
        // the fit itself may use the threads for its V-search starts.
        let fitThreads = groups.count > 1 ? 1 : spec.options.threads
        let fitted = ParallelMap.map(groups.count, threads: spec.options.threads) { k -> Swift.Result<UnitEffect, SyntheticControlError> in
            let g = groups[k]
            let laterAdopters =
                spec.donorPool == .notYetTreated
                ? assignment.filter { $0.value > g.adoption && !g.members.contains($0.key) } : [:]
            let donors = never + laterAdopters.keys.sorted()
            let windowEnd = laterAdopters.values.min()
            do throws(SyntheticControlError) {
                let problems = try g.members.map { (m: String) throws(SyntheticControlError) -> SyntheticControlProblem in
                    try SyntheticControlProblem(
                        panel: panel, outcome: spec.outcome, treated: m, treatmentTime: g.adoption,
                        donors: donors, predictors: spec.predictors)
                }
                let problem = problems.count == 1 ? problems[0] : SyntheticControlProblem(averaging: problems, label: g.name)
                var options = spec.options
                options.seed = SplitMix64.derive(spec.options.seed, k)
                options.threads = fitThreads
                let fit = try SyntheticControl.fit(problem, options: options)
                let effects = problem.postPeriodIndices.filter { windowEnd == nil || panel.times[$0] < windowEnd! }
                return .success(UnitEffect(name: g.name, adoption: g.adoption, members: g.members, fit: fit, effectPeriods: effects))
            } catch {
                return .failure(error)
            }
        }
        // The first failure in group order, whatever the thread count.
        return try fitted.map { (r) throws(SyntheticControlError) -> UnitEffect in try r.get() }
    }
}
