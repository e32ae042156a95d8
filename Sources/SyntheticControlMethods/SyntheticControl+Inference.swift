import EstimationCore
import Foundation

/// Placebo-in-space inference (Abadie, Diamond & Hainmueller 2010): every donor in turn is
/// treated as if it had been treated, with the other donors as its pool and the same procedure.
public struct PlaceboInSpace: Sendable {
    /// One unit's placebo (or the actual) fit.
    public struct Unit: Sendable, Codable, Equatable {
        public let name: String
        public let isTreated: Bool
        public let preMSPE: Double
        public let postMSPE: Double
        /// Post/pre RMSPE ratio.
        public let ratio: Double
        public let averageEffect: Double
        public let gaps: [Double]
        /// False when excluded for a poor pre-period fit (pre-MSPE above the multiple of the treated unit's).
        public let included: Bool
    }

    /// The treated unit first, then every donor's placebo.
    public let units: [Unit]
    public let periods: [Double]
    /// Placebos with pre-MSPE above this multiple of the treated unit's are excluded (nil: none).
    public let exclusionMultiple: Double?
    /// Rank of the treated unit's ratio among included units, largest first (ties count against it).
    public let rank: Int
    /// J, the placebos kept (not excluded for a poor pre-period fit).
    public let placebos: Int
    /// rank / (number of included units), i.e. rank/(J+1) with J included placebos; nil when every
    /// placebo was excluded (J = 0: there is no placebo distribution to rank the treated unit in).
    public let pValue: Double?
    /// 1/(J+1), the smallest p-value the ranking can give: with 9 placebos no test can reject at 10%.
    public let smallestPValue: Double?
    /// Per post-period p-values: the share of included units whose |gap| is at least the treated unit's
    /// (empty when J = 0).
    public let periodPValues: [Double]
    public let warnings: [Warning]

    /// Something a reader should know before trusting the placebo p-values.
    public enum Warning: Sendable, Codable, Equatable {
        /// Every placebo was excluded by the pre-MSPE rule: no p-value.
        case noPlacebos(excluded: Int, multiple: Double)
        /// The smallest attainable p-value, 1/(J+1), is not below 1 − `level`: the test cannot reject.
        case cannotReject(placebos: Int, level: Double)

        /// The warning as a sentence for a report.
        public var message: String {
            switch self {
            case .noPlacebos(let excluded, let multiple):
                return "All \(excluded) placebos were excluded (pre-MSPE above \(multiple)× the treated unit's), so there is no placebo "
                    + "distribution and no p-value; raise or remove `exclude_above`."
            case .cannotReject(let j, let level):
                return "With \(j) placebo(s) the smallest attainable placebo p-value is 1/\(j + 1) = \(1 / Double(j + 1)), which is not below "
                    + "1 − \(level): the placebo test cannot reject no effect at this level whatever the data."
            }
        }
    }

    init(units: [Unit], periods: [Double], postIndices: [Int], exclusionMultiple: Double?, level: Double = ConfidenceLevel.standard) {
        let treatedPre = units[0].preMSPE
        let marked = units.map { u -> Unit in
            let keep = u.isTreated || exclusionMultiple.map { u.preMSPE <= $0 * treatedPre } ?? true
            return Unit(
                name: u.name, isTreated: u.isTreated, preMSPE: u.preMSPE, postMSPE: u.postMSPE, ratio: u.ratio,
                averageEffect: u.averageEffect, gaps: u.gaps, included: keep)
        }
        let included = marked.filter(\.included)
        self.units = marked
        self.periods = periods
        self.exclusionMultiple = exclusionMultiple
        rank = included.filter { $0.ratio >= marked[0].ratio }.count
        placebos = included.count - 1
        let some = placebos > 0
        pValue = some ? Double(rank) / Double(included.count) : nil
        smallestPValue = some ? 1 / Double(included.count) : nil
        periodPValues =
            some
            ? postIndices.map { t in
                Double(included.filter { abs($0.gaps[t]) >= abs(marked[0].gaps[t]) }.count) / Double(included.count)
            } : []
        if !some, let m = exclusionMultiple {
            warnings = [.noPlacebos(excluded: units.count - 1, multiple: m)]
        } else if some && ConfidenceLevel.accepts(pValue: 1 / Double(included.count), level: level) {
            warnings = [.cannotReject(placebos: placebos, level: level)]
        } else {
            warnings = []
        }
    }
}

extension PlaceboInSpace {
    /// Runs `estimator` (which returns every period's gap) with each donor of `base` as the treated unit.
    static func run(
        base: SyntheticControlProblem, treatedGaps: [Double], threads: Int, excludeAbove multiple: Double?,
        level: Double = ConfidenceLevel.standard,
        estimator: @escaping @Sendable (SyntheticControlProblem, Int) throws(SyntheticControlError) -> [Double]
    ) throws(SyntheticControlError) -> PlaceboInSpace {
        if let multiple, !(multiple > 0) { throw .invalidOption("the exclusion multiple must be positive") }
        let donors = base.donors.count
        guard donors >= 3 else { throw .invalidOption("placebo inference needs at least 3 donors") }
        let results = ParallelMap.map(donors, threads: threads) { j -> Swift.Result<[Double], SyntheticControlError> in
            do throws(SyntheticControlError) {
                return .success(try estimator(SyntheticControlProblem(placeboFor: j, of: base), j))
            } catch { return .failure(error) }
        }
        let pre = base.prePeriodIndices, post = base.postPeriodIndices
        func unit(_ g: [Double], name: String, treated: Bool) -> Unit {
            let preMSPE = pre.reduce(0) { $0 + g[$1] * g[$1] } / Double(pre.count)
            let postMSPE = post.reduce(0) { $0 + g[$1] * g[$1] } / Double(post.count)
            return Unit(
                name: name, isTreated: treated, preMSPE: preMSPE, postMSPE: postMSPE,
                ratio: (postMSPE / preMSPE).squareRoot(), averageEffect: post.reduce(0) { $0 + g[$1] } / Double(post.count),
                gaps: g, included: true)
        }
        var units = [unit(treatedGaps, name: base.treatedUnit, treated: true)]
        for (j, r) in results.enumerated() {
            switch r {
            case .success(let g): units.append(unit(g, name: base.donors[j], treated: false))
            case .failure(let e): throw .numerical("placebo for '\(base.donors[j])' failed: \(e)")
            }
        }
        return PlaceboInSpace(units: units, periods: base.periods, postIndices: post, exclusionMultiple: multiple, level: level)
    }
}

extension SyntheticControlFit {
    /// Placebo-in-space inference with the same options as this fit (each placebo uses its own
    /// seed derived from `options.seed`, so results do not depend on `options.threads`). `level` decides
    /// only whether the test can reject at all (the `cannotReject` warning).
    public func placeboInSpace(
        options: SyntheticControlOptions, excludeAbove multiple: Double? = nil, level: Double = ConfidenceLevel.standard
    ) throws(SyntheticControlError) -> PlaceboInSpace {
        try PlaceboInSpace.run(base: problem, treatedGaps: gaps, threads: options.threads, excludeAbove: multiple, level: level) {
            placebo, j throws(SyntheticControlError) in
            var o = options
            o.threads = 1
            o.seed = SplitMix64.derive(options.seed, j + 1)
            return try SyntheticControl.fit(placebo, options: o).gaps
        }
    }

    /// The fit refitted as if treatment had started at `time` (placebo in time; see
    /// `SyntheticControlProblem.movingTreatment(to:)`): a credible design shows no "effect"
    /// between `time` and the real treatment date.
    public func placeboInTime(at time: Double, options: SyntheticControlOptions) throws(SyntheticControlError) -> (
        fit: SyntheticControlFit, droppedPredictors: [String]
    ) {
        let moved = try problem.movingTreatment(to: time)
        return (try SyntheticControl.fit(moved.problem, options: options), moved.droppedPredictors)
    }

    /// Leave-one-out: the fit refitted without each donor that has weight above `threshold`, in turn.
    public func leaveOneOut(options: SyntheticControlOptions, threshold: Double = 1e-6) throws(SyntheticControlError) -> [(
        donor: String, fit: SyntheticControlFit
    )] {
        let dropped = weights.indices.filter { weights[$0] > threshold }
        let base = problem
        let fits = ParallelMap.map(dropped.count, threads: options.threads) { k -> Result<SyntheticControlFit, SyntheticControlError> in
            var o = options
            o.threads = 1
            o.seed = SplitMix64.derive(options.seed, 10_000 + dropped[k])
            let keep = base.donors.indices.filter { $0 != dropped[k] }
            do throws(SyntheticControlError) {
                return .success(try SyntheticControl.fit(SyntheticControlProblem(subsetting: base, donors: keep), options: o))
            } catch { return .failure(error) }
        }
        var out: [(String, SyntheticControlFit)] = []
        for (k, f) in fits.enumerated() {
            switch f {
            case .success(let fit): out.append((base.donors[dropped[k]], fit))
            case .failure(let e): throw .numerical("leave-one-out without '\(base.donors[dropped[k]])' failed: \(e)")
            }
        }
        return out
    }
}
