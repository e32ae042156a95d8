import EstimationCore
import LinearAlgebra
import Tabular

/// A single treated unit's synthetic control as one call: the fit (nested V, cross-validated V,
/// or ridge-augmented), its inference (placebos in space, conformal tests, scpi prediction
/// intervals), placebo in time, leave-one-out refits, and typed warnings. What `impact run`
/// computes for `method: synth` with one treated unit and for `method: augsynth`, and what its
/// `results.json` holds.
///
/// ```swift
/// var spec = SyntheticControlStudy.Specification(
///     unit: "state", time: "year", outcome: "cigsale", treated: "California", treatmentTime: 1989)
/// spec.predictors = [PredictorSpecification(variable: "cigsale", periods: [1975], aggregate: .mean)]
/// let result = try SyntheticControlStudy.estimate(spec, table: smoking)
/// ```
///
/// Conventions: as ``SyntheticControl`` (R Synth's nested optimisation), ``AugmentedSyntheticControl``
/// (augsynth), ``PlaceboInSpace`` (rank/(J+1) of the post/pre RMSPE ratio), ``ConformalInference``
/// and ``PredictionIntervals`` (scpi); every random draw is seeded from `seed` per task.
///
/// Complexity: one fit, plus one per placebo, leave-one-out donor or conformal null.
public enum SyntheticControlStudy {
    /// How the weights are found.
    public enum Method: Sendable, Equatable {
        /// Synthetic control with predictor weights V (optimised, outcome-only or given).
        case nested(SyntheticControlOptions)
        /// V chosen out of sample on training predictors and fit periods (Abadie, Diamond & Hainmueller 2015).
        case crossValidated(SyntheticControlOptions, predictors: [PredictorSpecification], fitPeriods: [Double])
        /// Ridge-augmented synthetic control on the pre-period outcomes (λ nil: cross-validated).
        case augmented(lambda: Double?)
    }

    /// How uncertainty is assessed.
    public enum Inference: Sendable {
        /// Placebos in space, dropping those with a pre-MSPE above `excludeAbove` times the treated unit's.
        case placebo(excludeAbove: Double?)
        case conformal(ConformalInference)
        case predictionIntervals(PredictionIntervals)
        case none
    }

    public struct Specification: Sendable {
        public var unit: String, time: String, outcome: String
        public var treated: String
        public var treatmentTime: Double
        /// The donor pool (nil: every other unit but `exclude`).
        public var donors: [String]? = nil
        public var exclude: [String] = []
        public var predictors: [PredictorSpecification] = []
        /// Periods whose outcome MSPE chooses V (nil: every pre-treatment period).
        public var fitPeriods: [Double]? = nil
        public var method = Method.nested(.init())
        public var inference = Inference.placebo(excludeAbove: nil)
        /// Also refit as if treated at this period.
        public var placeboTime: Double? = nil
        public var leaveOneOut = false
        /// Periods averaged for the effect (nil: every post period).
        public var effectWindow: [Double]? = nil
        public var level = 0.95
        public var seed: UInt64 = 1
        public var threads = 1

        public init(unit: String, time: String, outcome: String, treated: String, treatmentTime: Double) {
            (self.unit, self.time, self.outcome, self.treated, self.treatmentTime) = (unit, time, outcome, treated, treatmentTime)
        }
    }

    public struct Weight: Sendable, Codable, Equatable {
        public let donor: String
        public let weight: Double
    }
    public struct Predictor: Sendable, Codable, Equatable {
        public let predictor: String
        public let weight: Double?
        public let treated: Double
        public let synthetic: Double
        public let donorMean: Double
    }
    public struct Period: Sendable, Codable, Equatable {
        public let period: Double
        public let treated: Double
        public let synthetic: Double
        public let gap: Double
    }
    public struct Placebo: Sendable, Codable, Equatable {
        public let rank: Int
        /// rank/(J+1); absent when every placebo was excluded.
        public let pValue: Double?
        /// 1/(J+1), the smallest p-value the ranking can give.
        public let smallestPValue: Double?
        public let includedUnits: Int
        public let exclusionMultiple: Double?
        public let units: [PlaceboInSpace.Unit]
        public let periodPValues: [Double]
        public let warnings: [PlaceboInSpace.Warning]
    }
    public struct InTime: Sendable, Codable, Equatable {
        public let placeboTime: Double
        public let droppedPredictors: [String]
        public let preRMSPE: Double
        /// Mean gap between the placebo time and the real treatment time (should be near zero).
        public let averageGapBeforeTreatment: Double
    }
    public struct LeaveOneOut: Sendable, Codable, Equatable {
        public let donor: String
        public let averageEffect: Double
        public let preRMSPE: Double
    }
    /// The training half of a cross-validated fit (Abadie, Diamond & Hainmueller 2015).
    public struct CrossValidation: Sendable, Codable, Equatable {
        public let fitPeriods: [Double]
        public let predictors: [Predictor]
        public let weights: [Weight]
        public let lossV: Double
        /// The main fit's predictor labels, one per training predictor.
        public let mainPredictors: [String]
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// Conformal refits with at least as many donors as periods can match almost any path.
        case conformalWithFewPeriods(donors: Int, periods: Int)
        case fewPrePeriods(Int)
        case placebo(PlaceboInSpace.Warning)
        /// A single period's conformal p-value cannot fall below α: rely on the joint test.
        case conformalPeriodTestsCannotReject(prePeriods: Int, level: Double)
        case predictionIntervalsFailedPrograms(failed: Int, of: Int)
        case predictionIntervalsNote(String)
        case predictionIntervalsQuantileRegressionNotConverged
        case predictionIntervalsFewSimulations(Int)

        public var message: String {
            switch self {
            case .conformalWithFewPeriods(let donors, let periods):
                return
                    "conformal inference with \(donors) donors and \(periods) periods: refits on every period can match almost any path, so the tests have little power (Chernozhukov, Wüthrich & Zhu 2021 assume more periods than the fit can absorb)"
            case .fewPrePeriods(let n): return "only \(n) pre-treatment period(s): the pre-period fit says little about the counterfactual"
            case .placebo(let w): return w.message
            case .conformalPeriodTestsCannotReject(let pre, let level):
                return "conformal inference with \(pre) pre-treatment periods: a single period's p-value cannot fall much below "
                    + "1/\(pre + 1) = \(ProseNumbers.number(1 / Double(pre + 1))), so at \(ConfidenceLevel.percent(level)) the per-period intervals "
                    + "are uninformative (p-values below it come from Monte Carlo error); rely on the joint test"
            case .predictionIntervalsFailedPrograms(let failed, let total):
                return "prediction intervals: \(failed) of \(total) simulated programs failed; the in-sample bounds rest on the rest"
            case .predictionIntervalsNote(let note): return "prediction intervals: " + note
            case .predictionIntervalsQuantileRegressionNotConverged:
                return
                    "prediction intervals: a quantile regression of the pre-period residuals stopped at 1,000 iterations without converging (as statsmodels would); the quantile and interquartile bounds use its last iterate"
            case .predictionIntervalsFewSimulations(let n):
                return "prediction intervals from \(n) simulations: the bounds carry visible Monte Carlo error (scpi's default is 200)"
            }
        }
    }

    /// The `results.json` entry of a single-unit `synth` or `augsynth` analysis.
    public struct Result: Sendable, Codable {
        public let estimator: String
        public let outcome: String
        public let treated: String
        public let treatmentTime: Double
        public let weights: [Weight]
        public let predictors: [Predictor]
        public let lossV: Double?
        public let lossW: Double?
        public let starts: [StartResult]
        public let ridgeLambda: Double?
        public let preRMSPE: Double
        public let postRMSPE: Double
        public let averageEffect: Double
        /// The average effect as an `Estimate`: with placebo inference its p-value is the post/pre RMSPE
        /// ratio's rank over the included units, rank/(J+1); there is no standard error.
        public let effect: Estimate
        public let effectWindow: [Double]?
        public let periods: [Period]
        public let placebo: Placebo?
        public let placeboInTime: InTime?
        public let leaveOneOut: [LeaveOneOut]?
        /// With cross-validation: the training fit whose predictor weights V the main fit uses.
        public let crossValidation: CrossValidation?
        /// With conformal inference: the joint test and each post-treatment period's test and interval.
        public let conformal: ConformalInference.Result?
        /// With prediction intervals: scpi's intervals for each post-treatment period's counterfactual.
        public let predictionIntervals: PredictionIntervals.Result?
        public let level: Double
        public let warnings: [Warning]
    }

    /// Estimates everything `spec` asks for.
    public static func estimate(_ spec: Specification, table: Table) throws(SyntheticControlError) -> Result {
        let panel: Panel
        do { panel = try Panel(table, unit: spec.unit, time: spec.time) } catch { throw .panel("\(error)") }
        func problem(_ predictors: [PredictorSpecification], _ fitPeriods: [Double]?) throws(SyntheticControlError) -> SyntheticControlProblem {
            try SyntheticControlProblem(
                panel: panel, outcome: spec.outcome, treated: spec.treated, treatmentTime: spec.treatmentTime, donors: spec.donors, exclude: spec.exclude,
                predictors: predictors, fitPeriods: fitPeriods)
        }
        let main = try problem(spec.predictors, spec.fitPeriods)
        if case .augmented(let lambda) = spec.method { return try augmented(spec, problem: main, lambda: lambda) }
        var options = SyntheticControlOptions()
        var crossValidation: CrossValidation? = nil
        switch spec.method {
        case .nested(let o): options = o
        case .crossValidated(let o, let predictors, let fitPeriods):
            options = o
            options.seed = spec.seed
            options.threads = spec.threads
            let validated = try CrossValidatedSyntheticControl(training: try problem(predictors, fitPeriods), main: main, options: options)
            crossValidation = trainingSummary(validated.training, main: main)
            // The main fit, its placebos and leave-one-out refits all use the training V.
            options.predictorWeights = .custom(validated.main.predictorWeights ?? [])
        case .augmented: break
        }
        options.seed = spec.seed
        options.threads = spec.threads
        let fit = try SyntheticControl.fit(main, options: options)
        var placebo: PlaceboInSpace? = nil, conformal: ConformalInference.Result? = nil, intervals: PredictionIntervals.Result? = nil
        switch spec.inference {
        case .placebo(let multiple): placebo = try fit.placeboInSpace(options: options, excludeAbove: multiple, level: spec.level)
        case .conformal(var c):
            (c.seed, c.threads) = (spec.seed, spec.threads)
            conformal = try fit.conformalInference(c)
        case .predictionIntervals(var p):
            (p.seed, p.threads) = (spec.seed, spec.threads)
            intervals = try fit.predictionIntervals(p)
        case .none: break
        }
        var inTime: InTime? = nil
        if let t = spec.placeboTime {
            let (f, dropped) = try fit.placeboInTime(at: t, options: options)
            let between = f.problem.periods.indices.filter { f.problem.periods[$0] >= t && f.problem.periods[$0] < main.treatmentTime }
            inTime = .init(
                placeboTime: t, droppedPredictors: dropped, preRMSPE: f.preRMSPE,
                averageGapBeforeTreatment: between.reduce(0) { $0 + f.gaps[$1] } / Double(max(between.count, 1)))
        }
        let window = effectRange(spec.effectWindow)
        let loo =
            spec.leaveOneOut
            ? try fit.leaveOneOut(options: options).map {
                LeaveOneOut(donor: $0.donor, averageEffect: $0.fit.averageEffect(window: window), preRMSPE: $0.fit.preRMSPE)
            } : nil
        let v = fit.predictorWeights
        return make(
            spec, estimator: v == nil ? "synthetic control (outcome only)" : "synthetic control (nested V)", problem: main, weights: fit.weights,
            synthetic: fit.synthetic, gaps: fit.gaps, predictors: predictorRows(main, weights: fit.weights, v: v), losses: (fit.lossV, fit.lossW),
            starts: fit.starts, ridgeLambda: nil,
            inference: (placebo, conformal, intervals), placeboInTime: inTime, leaveOneOut: loo, crossValidation: crossValidation)
    }

    static func augmented(_ spec: Specification, problem: SyntheticControlProblem, lambda: Double?) throws(SyntheticControlError) -> Result {
        let fit = try AugmentedSyntheticControl.fit(problem, lambda: lambda)
        var placebo: PlaceboInSpace? = nil, conformal: ConformalInference.Result? = nil
        switch spec.inference {
        case .placebo: placebo = try fit.placeboInSpace(threads: spec.threads, fixedLambda: lambda != nil, level: spec.level)
        case .conformal(var c):
            (c.seed, c.threads) = (spec.seed, spec.threads)
            conformal = try fit.conformalInference(c)
        case .predictionIntervals: throw .invalidOption("prediction intervals (scpi) apply to the synthetic control, not the augmented one")
        case .none: break
        }
        return make(
            spec, estimator: "augmented synthetic control (ridge, λ = \(ProseNumbers.number(fit.lambda)))", problem: problem, weights: fit.weights,
            synthetic: fit.synthetic, gaps: fit.gaps, predictors: [], losses: (nil, nil), starts: [], ridgeLambda: fit.lambda,
            inference: (placebo, conformal, nil), placeboInTime: nil, leaveOneOut: nil, crossValidation: nil)
    }

    /// The closed range from the earliest to the latest period of an effect window; nil for none.
    public static func effectRange(_ window: [Double]?) -> ClosedRange<Double>? {
        guard let lo = window?.min(), let hi = window?.max() else { return nil }
        return lo...hi
    }

    /// Each predictor's V weight, treated and synthetic values and donor mean.
    static func predictorRows(_ problem: SyntheticControlProblem, weights: [Double], v: [Double]?) -> [Predictor] {
        let synthetic = problem.x0.multiplied(by: weights)
        return problem.predictors.indices.map { k in
            let row = problem.x0.row(k)
            return Predictor(
                predictor: problem.predictors[k].label, weight: v?[k], treated: problem.x1[k], synthetic: synthetic[k],
                donorMean: row.reduce(0, +) / Double(row.count))
        }
    }

    static func trainingSummary(_ training: SyntheticControlFit, main: SyntheticControlProblem) -> CrossValidation {
        let tp = training.problem
        return CrossValidation(
            fitPeriods: tp.fitPeriods, predictors: predictorRows(tp, weights: training.weights, v: training.predictorWeights),
            weights: zip(tp.donors, training.weights).filter { $0.1 > 0 }.map { Weight(donor: $0.0, weight: $0.1) }, lossV: training.lossV,
            mainPredictors: main.predictors.map(\.label))
    }

    static func make(
        _ spec: Specification, estimator: String, problem: SyntheticControlProblem, weights: [Double], synthetic: [Double], gaps: [Double],
        predictors: [Predictor], losses: (v: Double?, w: Double?), starts: [StartResult], ridgeLambda: Double?,
        inference: (placebo: PlaceboInSpace?, conformal: ConformalInference.Result?, intervals: PredictionIntervals.Result?),
        placeboInTime: InTime?, leaveOneOut: [LeaveOneOut]?, crossValidation: CrossValidation?
    ) -> Result {
        let level = spec.level
        let window = effectRange(spec.effectWindow)
        let pre = problem.prePeriodIndices
        let post = problem.postPeriodIndices.filter { window?.contains(problem.periods[$0]) ?? true }
        let rms = { (idx: [Int]) in (idx.reduce(0) { $0 + gaps[$1] * gaps[$1] } / Double(max(idx.count, 1))).squareRoot() }
        let average = post.reduce(0) { $0 + gaps[$1] } / Double(max(post.count, 1))
        let (placebo, conformal, intervals) = inference
        let effect: Estimate =
            placebo.map { p in
                Estimate(
                    estimate: average, standardError: nil, degreesOfFreedom: nil, statistic: nil, pValue: p.pValue, level: level, lower: nil, upper: nil,
                    inference: .init(
                        kind: .permutation, name: "placebo", type: "placebo in space: rank/(J+1) of the post/pre RMSPE ratio",
                        replications: p.units.filter(\.included).count - 1))
            } ?? conformal?.jointTest(of: average)
            ?? .point(
                average, level: level,
                inference: intervals.map { p in
                    .init(
                        kind: .none, name: "prediction-intervals",
                        type: "none for the average; \(ConfidenceLevel.percent(p.level)) prediction intervals per period (scpi)",
                        replications: p.simulations)
                } ?? .init(kind: .none))
        return Result(
            estimator: estimator, outcome: problem.outcome, treated: problem.treatedUnit, treatmentTime: problem.treatmentTime,
            weights: zip(problem.donors, weights).map { Weight(donor: $0, weight: $1) }, predictors: predictors, lossV: losses.v, lossW: losses.w,
            starts: starts, ridgeLambda: ridgeLambda, preRMSPE: rms(pre), postRMSPE: rms(problem.postPeriodIndices), averageEffect: average,
            effect: effect, effectWindow: spec.effectWindow,
            periods: problem.periods.indices.map { Period(period: problem.periods[$0], treated: problem.y1[$0], synthetic: synthetic[$0], gap: gaps[$0]) },
            placebo: placebo.map {
                Placebo(
                    rank: $0.rank, pValue: $0.pValue, smallestPValue: $0.smallestPValue, includedUnits: $0.units.filter(\.included).count,
                    exclusionMultiple: $0.exclusionMultiple, units: $0.units, periodPValues: $0.periodPValues, warnings: $0.warnings)
            },
            placeboInTime: placeboInTime, leaveOneOut: leaveOneOut, crossValidation: crossValidation, conformal: conformal,
            predictionIntervals: intervals, level: level, warnings: warnings(problem, inference))
    }

    static func warnings(
        _ problem: SyntheticControlProblem,
        _ inference: (placebo: PlaceboInSpace?, conformal: ConformalInference.Result?, intervals: PredictionIntervals.Result?)
    ) -> [Warning] {
        var w: [Warning] = []
        if inference.conformal != nil && problem.donors.count >= problem.periods.count {
            w.append(.conformalWithFewPeriods(donors: problem.donors.count, periods: problem.periods.count))
        }
        if problem.prePeriodIndices.count < 5 { w.append(.fewPrePeriods(problem.prePeriodIndices.count)) }
        w += inference.placebo?.warnings.map { .placebo($0) } ?? []
        if let c = inference.conformal, !c.periodTestsCanReject { w.append(.conformalPeriodTestsCannotReject(prePeriods: c.prePeriods, level: c.level)) }
        if let r = inference.intervals {
            let total = 2 * r.simulations * r.periods.count
            if Double(r.failedLower + r.failedUpper) > 0.1 * Double(total) {
                w.append(.predictionIntervalsFailedPrograms(failed: r.failedLower + r.failedUpper, of: total))
            }
            w += r.notes.map { .predictionIntervalsNote($0) }
            if !r.quantileRegressionsConverged { w.append(.predictionIntervalsQuantileRegressionNotConverged) }
            if r.simulations < 200 { w.append(.predictionIntervalsFewSimulations(r.simulations)) }
        }
        return w
    }
}
