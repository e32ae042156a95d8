import SyntheticControl
import Tabular

/// A set of periods in a config: a list (`[1975, 1980]`) or a range (`{from: 1980, to: 1988, by: 1}`).
struct PeriodSet: Decodable {
    var values: [Double]

    init(from decoder: any Decoder) throws {
        if let list = try? [Double](from: decoder) {
            values = list
            return
        }
        if let single = try? Double(from: decoder) {
            values = [single]
            return
        }
        let m = try StrictMapping(decoder, allowed: ["from", "to", "by"], context: "a period range")
        let from: Double = try m.required("from"), to: Double = try m.required("to")
        let by: Double = try m.value("by", default: 1)
        guard by > 0, to >= from else { throw m.issue("a period range needs from <= to and a positive 'by'") }
        guard (to - from) / by <= 100_000 else { throw m.issue("the period range is too long") }
        values = Array(stride(from: from, through: to + by * 1e-9, by: by))
    }
}

/// One predictor in a config: `{variable: beer, periods: {from: 1984, to: 1988}, aggregate: mean}`.
struct PredictorEntry: Decodable {
    var spec: PredictorSpecification

    init(from decoder: any Decoder) throws {
        let m = try StrictMapping(decoder, allowed: ["variable", "periods", "aggregate"], context: "a predictor")
        let aggregate = try m.choice("aggregate", PredictorSpecification.Aggregate.allCases.map(\.rawValue), default: "mean")
        spec = PredictorSpecification(variable: try m.required("variable"), periods: try m.required("periods", PeriodSet.self).values,
                                      aggregate: PredictorSpecification.Aggregate(rawValue: aggregate)!)
    }
}

/// Settings of `method: synth` and `method: augsynth`.
///
/// Single treated unit: `treated` and `treatment_time`. Several units adopting at
/// different times (staggered): `adoption`, a column holding each unit's first treated
/// period (0 or missing: never treated); then `level` (`unit` or `cohort`) and
/// `donor_pool` (`never` or `not-yet`) apply and inference is by `placebos` random draws.
public struct SyntheticControlSettings: Sendable {
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
    public var randomStarts: Int
    public var maximumEvaluations: Int
    public var placebo: Bool
    public var excludeAbove: Double?
    public var placeboTime: Double?
    public var leaveOneOut: Bool
    public var effectWindow: [Double]?
    public var level: StaggeredSyntheticControl.Level
    public var donorPool: StaggeredSyntheticControl.DonorPool
    public var placebos: Int
    public var lambda: Double?
    public var augmented: Bool

    static let keys = ["unit", "time", "outcome", "treated", "treatment_time", "adoption", "donors", "exclude",
                       "predictors", "fit_periods", "predictor_weights", "random_starts", "max_evaluations",
                       "placebo", "exclude_above", "placebo_time", "leave_one_out", "effect_window",
                       "level", "donor_pool", "placebos"]
    static let augsynthKeys = ["unit", "time", "outcome", "treated", "treatment_time", "donors", "exclude",
                               "lambda", "placebo", "effect_window"]

    init(_ m: StrictMapping, augmented: Bool) throws {
        self.augmented = augmented
        unit = try m.required("unit")
        time = try m.required("time")
        outcome = try m.required("outcome")
        treated = try m.optional("treated")
        treatmentTime = try m.optional("treatment_time")
        adoption = augmented ? nil : try m.optional("adoption")
        donors = try m.optional("donors")
        exclude = try m.value("exclude", default: [])
        predictors = augmented ? [] : (try m.value("predictors", default: [PredictorEntry]())).map(\.spec)
        fitPeriods = augmented ? nil : try m.optional("fit_periods", PeriodSet.self)?.values
        randomStarts = augmented ? 0 : try m.value("random_starts", default: 1)
        maximumEvaluations = augmented ? 0 : try m.value("max_evaluations", default: 2000)
        placebo = try m.value("placebo", default: true)
        excludeAbove = augmented ? nil : try m.optional("exclude_above")
        placeboTime = augmented ? nil : try m.optional("placebo_time")
        leaveOneOut = augmented ? false : try m.value("leave_one_out", default: false)
        effectWindow = try m.optional("effect_window", PeriodSet.self)?.values
        lambda = augmented ? try m.optional("lambda") : nil
        level = .unit
        donorPool = .neverTreated
        placebos = 0
        predictorWeights = .optimized
        if !augmented {
            level = StaggeredSyntheticControl.Level(rawValue: try m.choice("level", ["unit", "cohort"], default: "unit"))!
            donorPool = StaggeredSyntheticControl.DonorPool(rawValue: try m.choice("donor_pool", ["never", "not-yet"], default: "never"))!
            placebos = try m.value("placebos", default: 100)
            if m.has("predictor_weights") {
                if let list: [Double] = try? m.required("predictor_weights") {
                    guard list.count == predictors.count else {
                        throw m.issue("predictor_weights", "\(list.count) custom weight(s) for \(predictors.count) predictor(s)")
                    }
                    predictorWeights = .custom(list)
                } else {
                    let name = try m.choice("predictor_weights", ["optimized", "outcome-only"])
                    predictorWeights = name == "outcome-only" ? .outcomeOnly : .optimized
                }
            } else if adoption != nil {
                predictorWeights = predictors.isEmpty ? .outcomeOnly : .optimized
            }
            guard randomStarts >= 0 else { throw m.issue("random_starts", "must be 0 or more") }
            guard maximumEvaluations >= 100 else { throw m.issue("max_evaluations", "must be at least 100") }
            guard placebos >= 0 else { throw m.issue("placebos", "must be 0 or more") }
            if let e = excludeAbove, !(e > 0) { throw m.issue("exclude_above", "the MSPE multiple must be positive") }
        }
        if let a = adoption {
            for key in ["treated", "treatment_time", "placebo_time", "leave_one_out", "exclude_above", "donors"] where m.has(key) {
                throw m.issue(key, "'\(key)' applies to a single treated unit; with 'adoption: \(a)' every unit's timing comes from that column")
            }
        } else {
            guard treated != nil else { throw m.issue("name the treated unit ('treated') and 'treatment_time', or give an 'adoption' column") }
            guard treatmentTime != nil else { throw m.issue("'treated' needs a 'treatment_time' (the first treated period)") }
            for key in ["level", "donor_pool", "placebos"] where m.has(key) {
                throw m.issue(key, "'\(key)' applies to staggered designs (an 'adoption' column)")
            }
        }
        if let donors, let treated, donors.contains(treated) { throw m.issue("donors", "the treated unit '\(treated)' is listed as a donor") }
    }

    var options: SyntheticControlOptions {
        SyntheticControlOptions(predictorWeights: predictorWeights, randomStarts: randomStarts,
                                maximumEvaluations: maximumEvaluations)
    }

    var columnRequirements: [ColumnRequirement] {
        var r = [ColumnRequirement(key: "unit", column: unit, numeric: false),
                 ColumnRequirement(key: "time", column: time, numeric: true),
                 ColumnRequirement(key: "outcome", column: outcome, numeric: true)]
        if let adoption { r.append(ColumnRequirement(key: "adoption", column: adoption, numeric: true)) }
        r += ColumnRequirement.list("predictors", predictors.map(\.variable), numeric: true)
        return r
    }
}

/// Settings of `method: sdid`: synthetic difference-in-differences (or its SC and DiD variants)
/// for a block of treated units sharing one treatment time.
public struct SyntheticDiDSettings: Sendable {
    public var unit: String
    public var time: String
    public var outcome: String
    public var treated: [String]
    public var treatmentTime: Double
    public var estimator: SyntheticDiD.Estimator
    public var standardError: String
    public var replications: Int

    static let keys = ["unit", "time", "outcome", "treated", "treatment_time", "estimator", "standard_error", "replications"]

    init(_ m: StrictMapping) throws {
        unit = try m.required("unit")
        time = try m.required("time")
        outcome = try m.required("outcome")
        if let one: String = try? m.required("treated") { treated = [one] } else { treated = try m.required("treated", [String].self) }
        guard !treated.isEmpty else { throw m.issue("treated", "list at least one treated unit") }
        treatmentTime = try m.required("treatment_time")
        estimator = SyntheticDiD.Estimator(rawValue: try m.choice("estimator", ["sdid", "sc", "did"], default: "sdid"))!
        standardError = try m.choice("standard_error", ["placebo", "jackknife", "none"], default: treated.count > 1 ? "jackknife" : "placebo")
        replications = try m.value("replications", default: 200)
        guard replications >= 2 else { throw m.issue("replications", "at least 2 placebo replications are needed") }
        if standardError == "jackknife" && treated.count < 2 {
            throw m.issue("standard_error", "the jackknife needs at least 2 treated units; use 'placebo'")
        }
    }

    var columnRequirements: [ColumnRequirement] {
        [ColumnRequirement(key: "unit", column: unit, numeric: false),
         ColumnRequirement(key: "time", column: time, numeric: true),
         ColumnRequirement(key: "outcome", column: outcome, numeric: true)]
    }
}
