import EstimationCore
import Matching
import StaggeredDiD
import Tabular

/// A dose–response analysis as one call: the curve by any of the package's estimators, dose
/// bands compared as categories, and typed warnings. What `impact run` computes for
/// `method: dose`, and what its `results.json` holds.
///
/// ```swift
/// var spec = DoseResponseAnalysis.Specification(dose: "share", outcome: "wellbeing", estimator: .entropy)
/// spec.covariates = ["deprivation", "pupils"]
/// let result = try DoseResponseAnalysis.estimate(spec, table: schools)
/// ```
///
/// Estimators: `gps` (Hirano & Imbens 2004), `weighting` (stabilised inverse-density weights,
/// Robins, Hernán & Brumback 2000), `entropy` (Tübbicke 2022), `dr` (Kennedy et al. 2017) and `did`
/// (Callaway, Goodman-Bacon & Sant'Anna 2024); each type documents its conventions.
///
/// Complexity: that of the estimator, times `replications` for the bootstrap.
public enum DoseResponseAnalysis {
    public enum Estimator: String, Sendable, Codable, CaseIterable { case gps, weighting, entropy, dr, did }

    /// The panel of a DiD with a dose.
    public struct Panel: Sendable, Equatable {
        public var unit: String, time: String, adoption: String
        public var controlGroup = CallawaySantAnna.ControlGroup.notYet
        public init(unit: String, time: String, adoption: String) {
            self.unit = unit
            self.time = time
            self.adoption = adoption
        }
    }

    public struct Specification: Sendable {
        public var dose: String
        /// Divide the dose by this column (a share).
        public var denominator: String? = nil
        public var outcome: String
        public var estimator: Estimator
        public var covariates: [String] = []
        public var factors: [String] = []
        /// Doses at which the curve is reported (nil: the estimator's default grid).
        public var grid: [Double]? = nil
        /// Bootstrap draws (nil: 200; `did`: 1000 multiplier draws).
        public var replications: Int? = nil
        public var level = 0.95
        /// Cut points of dose bands compared as categories.
        public var bands: [Double]? = nil
        /// `gps`: the dose model's transform, the outcome model's degree (default 2) and common-support groups (0: none).
        public var transform = GeneralizedPropensityScore.Transform.identity
        /// `gps`: polynomial degree (1–3, default 2); `did`: spline degree (1–5, default 3).
        public var degree: Int? = nil
        public var commonSupport = 0
        /// Interior knots of the dose spline (`weighting`, `entropy`, `dr`, `did`).
        public var knots = 1
        /// `entropy`: 1 (means and covariances) or 2 (also variances).
        public var moments = 1
        /// `dr`: the kernel bandwidth (nil: cross-validated and undersmoothed).
        public var bandwidth: Double? = nil
        /// `did`: the panel (required).
        public var panel: Panel? = nil
        public var seed: UInt64 = 1
        public var threads = 1

        public init(dose: String, outcome: String, estimator: Estimator) {
            self.dose = dose
            self.outcome = outcome
            self.estimator = estimator
        }

        public var effectiveReplications: Int { replications ?? (estimator == .did ? 1000 : 200) }
    }

    /// The specification's inputs, for errors about one of them.
    public enum Field: String, Sendable, Equatable {
        case covariates, factors, denominator, bands, grid, degree, commonSupport, moments, bandwidth, panel, replications
    }

    /// A setting that cannot be used as given, with the input it concerns.
    public struct SettingError: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: Field?
        public let description: String
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// Bootstrap draws that could not be fitted and were left out.
        case failedDraws(failed: Int, of: Int)
        /// Weighting leaves a treatment–covariate correlation above 0.1.
        case residualCorrelation(Double)
        /// The weights' effective sample size is below a tenth of the units.
        case fewEffectiveUnits(effective: Double, units: Int)
        /// Below half: bootstrap intervals may be too narrow at the ends of the dose range.
        case narrowEndIntervals(effective: Double, units: Int)
        /// Cross-validation chose the smallest (or largest) bandwidth tried.
        case bandwidthAtBoundary(smallest: Bool)
        /// The grid leaves the observed doses.
        case extrapolation(DoseGrid.Extrapolation)
        case continuousDiD(ContinuousDiD.Warning)

        public var message: String {
            switch self {
            case .failedDraws(let failed, let of): return "\(failed) of \(of) bootstrap draws could not be fitted and were left out."
            case .residualCorrelation(let r):
                return "Weighting leaves a treatment–covariate correlation of \(ProseNumbers.number(r)) (above 0.1): the curve may still be confounded."
            case .fewEffectiveUnits(let ess, let n):
                return "The weights' effective sample size is \(ProseNumbers.number(ess)) of \(n) units: a few units carry the curve."
            case .narrowEndIntervals(let ess, let n):
                return
                    "The weights' effective sample size is \(ProseNumbers.number(ess)) of \(n) units (below half): bootstrap standard errors tend to be too small where the weights are heaviest, at the ends of the dose range, so the intervals there may be too narrow."
            case .bandwidthAtBoundary(let smallest):
                return "Cross-validation chose the \(smallest ? "smallest" : "largest") bandwidth tried: set 'bandwidth' after inspecting the curve."
            case .extrapolation(let e): return e.message
            case .continuousDiD(let w): return w.message
            }
        }
    }

    public struct DoseSummary: Sendable, Codable, Equatable {
        public let minimum: Double, lowerQuartile: Double, median: Double, upperQuartile: Double, maximum: Double, mean: Double
    }
    public struct WeightingSummary: Sendable, Codable, Equatable {
        public let method: String
        public let balanceBefore: DoseBalanceTable
        public let balanceAfter: DoseBalanceTable
        public let knots: [Double]
    }
    public struct DoublyRobustSummary: Sendable, Codable, Equatable {
        public let bandwidth: Double
        public let undersmoothed: Bool
        public let bandwidths: [Double]
        public let risks: [Double]
    }
    public struct DiDSummary: Sendable, Codable, Equatable {
        public let overallATT: Estimate
        public let overallACRT: Estimate
        public let eventStudy: [ContinuousDiD.EventTime]
        public let cells: [ContinuousDiD.Cell]
        public let knots: [Double]
        public let treatedUnits: Int
        public let controlGroup: String
        public let degree: Int
    }

    /// Each unit's dose and, for the weighting estimators, its weight (record-level: not encoded).
    public struct Units: Sendable, Equatable {
        public let rows: [Int]
        public let doses: [Double]
        public let weights: [Double]?
    }

    /// The `results.json` entry of a `dose` analysis.
    public struct Result: Sendable, Codable {
        public let estimator: Estimator
        /// The dose as reported (`dose / denominator` for a share).
        public let dose: String
        public let outcome: String
        public let units: Int
        public let droppedRows: Int
        /// Units in the dose model without an outcome (`gps`: they inform the score, not the outcome model).
        public let outcomeMissing: Int
        public let level: Double
        public let doseSummary: DoseSummary
        public let curve: DoseResponseCurve
        public let bootstrapDraws: Int?
        public let gps: GeneralizedPropensityScore.Fit?
        public let weighting: WeightingSummary?
        public let doublyRobust: DoublyRobustSummary?
        public let did: DiDSummary?
        public let bands: DoseBands.Result?
        /// Facts about the fit a reader should know (left-out units, what an interval covers).
        public let notes: [String]
        public let warnings: [Warning]
        /// The doses (and weights) unit by unit; not encoded.
        public internal(set) var unitDoses: Units? = nil

        enum CodingKeys: String, CodingKey {
            case estimator, dose, outcome, units, droppedRows, outcomeMissing, level, doseSummary, curve, bootstrapDraws, gps, weighting
            case doublyRobust, did, bands, notes, warnings
        }
    }

    /// Rules between settings that need no data.
    public static func checkSettings(_ spec: Specification) throws(SettingError) {
        func fail(_ field: Field?, _ message: String) -> SettingError { SettingError(field: field, description: message) }
        if let both = spec.covariates.first(where: { $0 == spec.outcome || $0 == spec.dose }) {
            throw fail(.covariates, "'\(both)' is the \(both == spec.outcome ? "outcome" : "dose"); it cannot also be a covariate")
        }
        if spec.estimator == .did {
            guard spec.panel != nil else { throw fail(.panel, "estimator did needs 'unit', 'time' and 'adoption' (each unit's first treated period)") }
            if !spec.factors.isEmpty { throw fail(.factors, "estimator did takes numeric covariates only") }
            if spec.denominator != nil { throw fail(.denominator, "estimator did reads the dose as given; compute the share first") }
            if spec.bands != nil { throw fail(.bands, "dose bands are compared for cross-sectional estimators, not did") }
        }
        if let d = spec.degree, !(spec.estimator == .gps ? (1...3).contains(d) : (1...5).contains(d)) {
            throw fail(.degree, spec.estimator == .gps ? "the GPS outcome model's degree must be 1, 2 or 3" : "the spline degree must be 1 to 5")
        }
        if spec.commonSupport < 0 || spec.commonSupport == 1 || spec.commonSupport > 10 {
            throw fail(.commonSupport, "use 0 (no trimming) or 2 to 10 dose groups")
        }
        if spec.moments != 1 && spec.moments != 2 { throw fail(.moments, "must be 1 or 2") }
        if let b = spec.bandwidth, !(b > 0) { throw fail(.bandwidth, "must be positive") }
        if let g = spec.grid, g.isEmpty || g.contains(where: { !$0.isFinite }) { throw fail(.grid, "list at least one finite dose") }
        if let b = spec.bands, b.count < 3 { throw fail(.bands, "give at least three cut points (two bands)") }
        if let r = spec.replications, !(r == 0 || r >= 50) { throw fail(.replications, "use 0 (no bootstrap) or at least 50 draws") }
        if spec.estimator != .did && spec.covariates.isEmpty && spec.factors.isEmpty {
            throw fail(nil, "estimator \(spec.estimator.rawValue) adjusts for confounders; list 'covariates' or 'factors'")
        }
    }

    /// Estimates the curve (and bands) `spec` asks for.
    public static func estimate(_ spec: Specification, table: Table) throws(DoseResponseError) -> Result {
        do { try checkSettings(spec) } catch { throw .data(error.description) }
        if let panel = spec.panel, spec.estimator == .did { return try continuousDiD(spec, panel: panel, table: table) }
        return try crossSection(spec, table: table)
    }

    static func continuousDiD(_ spec: Specification, panel: Panel, table: Table) throws(DoseResponseError) -> Result {
        var s = ContinuousDiD.Specification(outcome: spec.outcome, unit: panel.unit, time: panel.time, adoption: panel.adoption, dose: spec.dose)
        s.controlGroup = panel.controlGroup
        s.covariates = spec.covariates
        s.degree = spec.degree ?? 3
        s.knots = spec.knots
        s.grid = spec.grid
        s.level = spec.level
        s.replications = spec.effectiveReplications
        s.seed = spec.seed
        s.threads = spec.threads
        let r = try ContinuousDiD.estimate(s, table: table)
        let doses = try unitDoses(table, panel: panel, dose: spec.dose)
        let did = DiDSummary(
            overallATT: r.overallATT, overallACRT: r.overallACRT, eventStudy: r.eventStudy, cells: r.cells, knots: r.basis.interiorKnots,
            treatedUnits: r.treatedUnits, controlGroup: panel.controlGroup.rawValue, degree: s.degree)
        return Result(
            estimator: .did, dose: spec.dose, outcome: spec.outcome, units: r.units, droppedRows: r.droppedUnits, outcomeMissing: 0, level: spec.level,
            doseSummary: summary(doses), curve: r.curve, bootstrapDraws: nil, gps: nil, weighting: nil, doublyRobust: nil, did: did, bands: nil,
            notes: [ContinuousDiD.assumptions], warnings: r.warnings.map { .continuousDiD($0) }, unitDoses: Units(rows: [], doses: doses, weights: nil))
    }

    static func crossSection(_ spec: Specification, table: Table) throws(DoseResponseError) -> Result {
        let data = try DoseData(
            table, dose: spec.dose, outcome: spec.outcome, covariates: spec.covariates, factors: spec.factors, denominator: spec.denominator,
            outcomeMayBeMissing: spec.estimator == .gps)
        let replications = spec.effectiveReplications
        func share<S: DoseCurveSettings>(_ s: inout S) {
            s.grid = spec.grid
            s.level = spec.level
            s.replications = replications
            s.seed = spec.seed
            s.threads = spec.threads
        }
        var warnings: [Warning] = [], notes: [String] = []
        var gps: GeneralizedPropensityScore.Fit? = nil, weighting: WeightingSummary? = nil, dr: DoublyRobustSummary? = nil
        var weights: [Double]? = nil
        let curve: DoseResponseCurve, draws: Int
        switch spec.estimator {
        case .gps:
            var s = GeneralizedPropensityScore.Specification()
            s.transform = spec.transform
            s.degree = spec.degree ?? 2
            s.commonSupportGroups = spec.commonSupport
            share(&s)
            let r = try GeneralizedPropensityScore.estimate(data, s)
            (curve, gps, draws) = (r.curve, r.fit, r.bootstrapDraws)
            if r.failedDraws > 0 { warnings.append(.failedDraws(failed: r.failedDraws, of: replications)) }
            if r.fit.trimmed > 0 {
                notes.append("Common support: \(r.fit.trimmed) units outside the overlap of the generalised propensity score were left out.")
            }
        case .weighting, .entropy:
            var s = DoseWeighting.Specification()
            s.method = spec.estimator == .entropy ? .entropy : .inverseDensity
            s.moments = spec.moments
            s.knots = spec.knots
            share(&s)
            let r = try DoseWeighting.estimate(data, s)
            (curve, draws, weights) = (r.curve, r.bootstrapDraws, r.weights)
            weighting = .init(method: r.method.rawValue, balanceBefore: r.balanceBefore, balanceAfter: r.balanceAfter, knots: r.basis.interiorKnots)
            if r.failedDraws > 0 { warnings.append(.failedDraws(failed: r.failedDraws, of: replications)) }
            let worst = r.balanceAfter.rows.map { abs($0.correlation) }.max() ?? 0
            if worst > 0.1 { warnings.append(.residualCorrelation(worst)) }
            let ess = r.balanceAfter.effectiveSampleSize
            if ess < 0.1 * Double(data.count) {
                warnings.append(.fewEffectiveUnits(effective: ess, units: data.count))
            } else if ess < 0.5 * Double(data.count) && replications > 0 {
                warnings.append(.narrowEndIntervals(effective: ess, units: data.count))
            }
        case .dr:
            var s = DoublyRobustDoseResponse.Specification()
            s.bandwidth = spec.bandwidth
            s.knots = spec.knots
            share(&s)
            let r = try DoublyRobustDoseResponse.estimate(data, s)
            (curve, draws) = (r.curve, r.bootstrapDraws)
            dr = .init(bandwidth: r.bandwidth, undersmoothed: spec.bandwidth == nil, bandwidths: r.bandwidths, risks: r.risks)
            if r.bandwidthAtBoundary { warnings.append(.bandwidthAtBoundary(smallest: r.bandwidth == r.bandwidths.first)) }
            notes.append("The doubly robust curve's slope is the local linear fit's, shown without an interval.")
        case .did:
            throw .data("estimator did needs a panel (unit, time and adoption)")
        }
        var bands: DoseBands.Result? = nil
        if let cuts = spec.bands {
            do { bands = try DoseBands.compare(data, cutpoints: cuts, level: spec.level) } catch { throw .data("bands: \(error)") }
        }
        let doses = data.dose
        if let outside = DoseGrid.extrapolation(curve.doses, lo: doses.min() ?? 0, hi: doses.max() ?? 0, what: "observed doses") {
            warnings.append(.extrapolation(outside))
        }
        let units = data.outcomeObserved.filter { $0 }.count
        return Result(
            estimator: spec.estimator, dose: spec.denominator.map { "\(spec.dose) / \($0)" } ?? spec.dose, outcome: spec.outcome, units: units,
            droppedRows: data.droppedRows, outcomeMissing: data.count - units, level: spec.level, doseSummary: summary(doses), curve: curve,
            bootstrapDraws: draws, gps: gps, weighting: weighting, doublyRobust: dr, did: nil, bands: bands, notes: notes, warnings: warnings,
            unitDoses: Units(rows: data.rows, doses: doses, weights: weights))
    }

    static func summary(_ doses: [Double]) -> DoseSummary {
        let quantile = { (p: Double) in WeightedStatistics.quantile(doses, p) }
        return DoseSummary(
            minimum: doses.min() ?? .nan, lowerQuartile: quantile(0.25), median: quantile(0.5), upperQuartile: quantile(0.75), maximum: doses.max() ?? .nan,
            mean: WeightedStatistics.mean(doses))
    }

    /// Each treated unit's dose, from the unit's first row (units whose first row has no positive dose
    /// or no adoption are left out), in data order: the dose distribution of a panel.
    static func unitDoses(_ table: Table, panel: Panel, dose: String) throws(DoseResponseError) -> [Double] {
        do {
            let ids = try table.strings(panel.unit), d = try table.numeric(dose), g = try table.numeric(panel.adoption)
            var seen = Set<String>()
            var out: [Double] = []
            for i in 0..<table.rowCount {
                guard let id = ids[i], seen.insert(id).inserted else { continue }
                if g[i] > 0 && d[i] > 0 { out.append(d[i]) }
            }
            return out
        } catch { throw .table(error) }
    }
}
