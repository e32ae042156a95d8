import EstimationCore
import Foundation
import LinearAlgebra
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// `method: synth`: synthetic control (Abadie, Diamond & Hainmueller 2010) for one treated unit,
/// or for units adopting at different times (an `adoption` column; see `StaggeredSyntheticControl`).
///
/// Writes `weights.csv`, `gaps.csv`, `predictors.csv`, `placebos.csv`, `placebo_gaps.csv`,
/// `leave_one_out.csv`, `path.svg`, `gaps.svg`, `weights.svg` (single unit), or `units.csv`,
/// `event_time.csv`, `cohorts.csv`, `unit_gaps.csv`, `event_time.svg` (staggered).
public struct SyntheticControlAnalysis: AnalysisMethod {
    public static let names = ["synth"]
    public static let summary = "synthetic control, placebos; staggered adoption"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let treated = OptionalKey<String>("treated", "the treated unit", default: "required unless adoption names a column")
        let adoption = OptionalKey<AdoptionSetting>(
            "adoption", "with 'treated': its first treated period; staggered designs: the column of each unit's first treated period (0/missing = never)",
            column: .numeric, default: "required")
        let donors = OptionalKey<[String]>("donors", "the donor pool", default: "every other unit")
        let exclude = DefaultedKey<[String]>("exclude", "units left out of the donor pool", default: [])
        let predictors = DefaultedKey<[PredictorEntry]>("predictors", "list of {variable, periods, aggregate}", default: [])
        let fitPeriods = OptionalKey<PeriodSet>("fit_periods", "periods whose outcome MSPE chooses V", default: "every pre-treatment period")
        let crossValidation = OptionalKey<CrossValidationSetting>(
            "cross_validation", "choose V out of sample: {predictors (earlier years, same order), fit_periods}")
        let predictorWeights = OptionalKey<PredictorWeightsSetting>(
            "predictor_weights", "optimized, outcome-only, or custom V weights",
            default: "optimized (outcome-only when staggered without predictors)")
        let randomStarts = DefaultedKey<Int>(
            "random_starts", "extra random starts of the V search", default: 1,
            rule: { $0 >= 0 ? nil : "must be 0 or more" })
        let maxEvaluations = DefaultedKey<Int>(
            "max_evaluations", "Nelder–Mead budget per start", default: 2000,
            rule: { $0 >= 100 ? nil : "must be at least 100" })
        let inference = InferenceName.key(
            "placebo (in space; staggered: placebo draws), conformal (Chernozhukov, Wüthrich & Zhu; outcome-only W), prediction-intervals (scpi; outcome-only W) or none",
            default: .placebo, supported: [.placebo, .conformal, .predictionIntervals, .none], method: "synth")
        let conformal = ConformalKeys()
        let predictionIntervals = PredictionIntervalKeys()
        let excludeAbove = OptionalKey<Double>(
            "exclude_above", "drop placebos with pre-MSPE above this multiple of the treated unit's",
            rule: { $0 > 0 ? nil : "the MSPE multiple must be positive" })
        let placeboTime = OptionalKey<Double>("placebo_time", "placebo-in-time treatment date")
        let leaveOneOut = DefaultedKey<Bool>("leave_one_out", "refit without each weighted donor", default: false)
        let effectWindow = OptionalKey<PeriodSet>("effect_window", "periods averaged for the effect", default: "every post period")
        let aggregation = DefaultedKey<StaggeredSyntheticControl.Aggregation>("aggregation", "staggered: fit each unit or each cohort", default: .unit)
        let donorPool = DefaultedKey<StaggeredSyntheticControl.DonorPool>("donor_pool", "staggered: never or not-yet treated donors", default: .neverTreated)
        let replications = OptionalKey<Int>(
            "replications", "random draws: staggered placebo draws; conformal permutations per null (iid); prediction-interval simulations",
            default: "100 (staggered), 1000 (conformal), 200 (prediction intervals)", rule: { $0 >= 0 ? nil : "must be 0 or more" })
        let level = CommonKeys.level
        public init() {}
    }

    public var unit: String
    public var time: String
    public var outcome: String
    public var treated: String?
    public var treatmentTime: Double?
    public var adoption: String?
    public var donors: [String]?
    public var exclude: [String]
    public var predictors: [PredictorSpecification]
    public var fitPeriods: [Double]?
    public var predictorWeights: SyntheticControlOptions.PredictorWeights
    public var crossValidation: CrossValidationSetting?
    public var randomStarts: Int
    public var maximumEvaluations: Int
    public var placebo: Bool
    /// With `inference: conformal`: the conformal procedure's settings (its seed and threads come from the run).
    public var conformal: ConformalInference?
    /// With `inference: prediction-intervals`: scpi's settings (its seed and threads come from the run).
    public var predictionIntervals: PredictionIntervals?
    public var excludeAbove: Double?
    public var placeboTime: Double?
    public var leaveOneOut: Bool
    public var effectWindow: [Double]?
    public var aggregation: StaggeredSyntheticControl.Aggregation
    public var donorPool: StaggeredSyntheticControl.DonorPool
    public var replications: Int
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        (unit, time, outcome) = try s.panel(\.panel)
        treated = try s(\.treated)
        switch try s(\.adoption) {
        case .period(let t)?: (treatmentTime, adoption) = (t, nil)
        case .column(let c)?: (treatmentTime, adoption) = (nil, c)
        case nil: (treatmentTime, adoption) = (nil, nil)
        }
        donors = try s(\.donors)
        exclude = try s(\.exclude)
        predictors = try s(\.predictors).map(\.spec)
        s.requireColumns("predictors", predictors.map(\.variable), role: .numeric)
        fitPeriods = try s(\.fitPeriods)?.values
        randomStarts = try s(\.randomStarts)
        maximumEvaluations = try s(\.maxEvaluations)
        let inference = try s(\.inference)
        placebo = inference == .placebo
        conformal = try s.conformal(\.conformal, when: inference == .conformal, level: try s(\.level), replications: \.replications)
        predictionIntervals = try s.predictionIntervals(
            \.predictionIntervals, when: inference == .predictionIntervals, level: try s(\.level), replications: \.replications)
        excludeAbove = try s(\.excludeAbove)
        placeboTime = try s(\.placeboTime)
        leaveOneOut = try s(\.leaveOneOut)
        effectWindow = try s(\.effectWindow)?.values
        aggregation = try s(\.aggregation)
        donorPool = try s(\.donorPool)
        replications = try s(\.replications) ?? 100
        level = try s(\.level)
        if let custom = try s(\.predictorWeights)?.value {
            if case .custom(let list) = custom, list.count != predictors.count {
                throw s.issue(\.predictorWeights, "\(list.count) custom weight(s) for \(predictors.count) predictor(s)")
            }
            predictorWeights = custom
        } else {
            predictorWeights = adoption != nil && predictors.isEmpty ? .outcomeOnly : .optimized
        }
        crossValidation = try s(\.crossValidation)
        try timingRules(s, inference: inference)
        try inferenceRules(s)
        try crossValidationRules(s)
    }

    /// A single treated unit (`treated` and `adoption` as a period) or staggered adoption (`adoption` as a column): the keys of the other are refused.
    func timingRules(_ s: SettingsReader<Keys>, inference: InferenceName) throws {
        if let a = adoption {
            let single: [(String, Bool)] = [
                ("treated", s.has(\.treated)),
                ("placebo_time", s.has(\.placeboTime)), ("leave_one_out", s.has(\.leaveOneOut)),
                ("exclude_above", s.has(\.excludeAbove)), ("donors", s.has(\.donors))
            ]
            if let (key, _) = single.first(where: \.1) {
                throw s.issue("'\(key)' applies to a single treated unit; with 'adoption: \(a)' every unit's timing comes from that column")
            }
            if conformal != nil || predictionIntervals != nil {
                throw s.issue(\.inference, "\(inference.rawValue) applies to a single treated unit; staggered designs use placebo draws")
            }
        } else {
            guard treated != nil else {
                throw s.issue(
                    treatmentTime == nil
                        ? "name the treated unit ('treated') and its first treated period ('adoption'), or give 'adoption' as a column (staggered designs)"
                        : "'adoption: \(formatNumber(treatmentTime!))' is a period: name the treated unit ('treated'), or give a column for staggered designs")
            }
            guard treatmentTime != nil else { throw s.issue("'treated' needs 'adoption', its first treated period") }
            let staggered: [(String, Bool)] = [
                ("aggregation", s.has(\.aggregation)), ("donor_pool", s.has(\.donorPool)),
                ("replications", s.has(\.replications) && conformal == nil && predictionIntervals == nil)
            ]
            if let (key, _) = staggered.first(where: \.1) {
                let also = key == "replications" ? ", conformal inference or prediction intervals" : " (an 'adoption' column)"
                throw s.issue("'\(key)' applies to staggered designs\(also)")
            }
        }
        if let donors, let treated, donors.contains(treated) { throw s.issue(\.donors, "the treated unit '\(treated)' is listed as a donor") }
    }

    /// Conformal inference and prediction intervals refit W on the outcome alone (and scpi on every pre-period).
    func inferenceRules(_ s: SettingsReader<Keys>) throws {
        if conformal != nil, predictorWeights != .outcomeOnly {
            throw s.issue(
                \.inference, "conformal inference refits W on the outcomes alone under every null; set 'predictor_weights: outcome-only'")
        }
        if predictionIntervals != nil {
            if predictorWeights != .outcomeOnly {
                throw s.issue(
                    \.inference, "prediction intervals (scpi) need weights fitted on the outcome alone; set 'predictor_weights: outcome-only'")
            }
            if s.has(\.fitPeriods) {
                throw s.issue(\.fitPeriods, "prediction intervals (scpi) fit the weights on every pre-treatment period; remove fit_periods")
            }
        }
    }

    /// Cross-validated V: a single treated unit, training predictors one per main predictor, fit periods before treatment.
    func crossValidationRules(_ s: SettingsReader<Keys>) throws {
        if let cv = crossValidation {
            if adoption != nil { throw s.issue(\.crossValidation, "cross-validation applies to a single treated unit") }
            if s.has(\.predictorWeights) { throw s.issue(\.crossValidation, "cross-validation chooses V; remove predictor_weights") }
            if cv.predictors.count != predictors.count {
                throw s.issue(
                    \.crossValidation,
                    "lists \(cv.predictors.count) training predictor(s) for \(predictors.count) main predictor(s); give one per main predictor, in the same order"
                )
            }
            if let t = treatmentTime, let late = cv.fitPeriods.first(where: { $0 >= t }) {
                throw s.issue(\.crossValidation, "fit period \(formatNumber(late)) is not before the treatment time \(formatNumber(t))")
            }
        }
    }

    var options: SyntheticControlOptions {
        SyntheticControlOptions(predictorWeights: predictorWeights, randomStarts: randomStarts, maximumEvaluations: maximumEvaluations)
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        if let adoption { return DataChecks.staggeredPanel(data, unit: unit, time: time, adoption: adoption) }
        let named =
            (treated.map { [("treated", $0)] } ?? []) + (donors ?? []).enumerated().map { ("donors[\($0.offset)]", $0.element) }
            + exclude.enumerated().map { ("exclude[\($0.offset)]", $0.element) }
        let issues = PanelDesignCheck.issues(data, unit: unit, time: time, named: named, treatmentTime: treatmentTime)
        guard issues.isEmpty else { return issues }
        let donorSet = donors.map(Set.init), excluded = Set(exclude)
        if let units = data.table[unit]?.groups(rows: Array(0..<data.table.rowCount)).labels {
            let pool = units.filter { $0 != treated && (donorSet?.contains($0) ?? !excluded.contains($0)) }
            if pool.count < 2 {
                return [
                    SettingIssue(
                        key: donors == nil ? "exclude" : "donors",
                        message: "the donor pool has \(pool.count) unit(s) (\(pool.joined(separator: ", "))); a synthetic control needs at least 2")
                ]
            }
        }
        return PanelDesignCheck.completeOutcome(data, unit: unit, time: time, outcome: outcome) { u in
            u == treated || (donorSet?.contains(u) ?? !excluded.contains(u))
        }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<SyntheticControlOutcome> {
        var options = self.options
        options.seed = context.seed
        options.threads = context.threads
        if let adoption {
            let spec = StaggeredSyntheticControl.Specification(
                outcome: outcome, adoption: [:], donorPool: donorPool, aggregation: aggregation, predictors: predictors, options: options,
                placebos: placebo ? replications : 0, level: level)
            let result = try StaggeredSyntheticControl.estimate(context.data.table, unit: unit, time: time, adoptionColumn: adoption, spec)
            let out = StaggeredSyntheticControlPresenter.output(result, name: context.analysis.name)
            return MethodOutput(
                result: .staggered(out.result), blocks: out.blocks, attachments: out.attachments, warnings: out.warnings, keyEstimates: out.keyEstimates)
        }
        guard let treated, let treatmentTime else { throw RunnerMessage("a single-unit synthetic control needs 'treated' and 'adoption'") }
        var spec = SyntheticControlStudy.Specification(unit: unit, time: time, outcome: outcome, treated: treated, treatmentTime: treatmentTime)
        (spec.donors, spec.exclude, spec.predictors, spec.fitPeriods) = (donors, exclude, predictors, fitPeriods)
        spec.method = crossValidation.map { .crossValidated(self.options, predictors: $0.predictors, fitPeriods: $0.fitPeriods) } ?? .nested(self.options)
        if let c = conformal {
            spec.inference = .conformal(c)
        } else if let p = predictionIntervals {
            spec.inference = .predictionIntervals(p)
        } else {
            spec.inference = placebo ? .placebo(excludeAbove: excludeAbove) : .none
        }
        (spec.placeboTime, spec.leaveOneOut, spec.effectWindow, spec.level) = (placeboTime, leaveOneOut, effectWindow, level)
        (spec.seed, spec.threads) = (context.seed, context.threads)
        let out = SyntheticControlPresenter.output(context.analysis.name, result: try SyntheticControlStudy.estimate(spec, table: context.data.table))
        return MethodOutput(
            result: .single(out.result), blocks: out.blocks, attachments: out.attachments, warnings: out.warnings, keyEstimates: out.keyEstimates)
    }
}

/// The `results.json` entry of a `synth` analysis: a single-unit or a staggered result.
public enum SyntheticControlOutcome: Encodable, Sendable {
    case single(SyntheticControlResult)
    case staggered(StaggeredResult)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .single(let r): try r.encode(to: encoder)
        case .staggered(let r): try r.encode(to: encoder)
        }
    }
}
