import EstimationCore
import Foundation
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// `results.json` entry of a single-unit `synth` or `augsynth` analysis.
public struct SyntheticControlResult: Encodable, Sendable {
    public struct Weight: Encodable, Sendable { public let donor: String; public let weight: Double }
    public struct Predictor: Encodable, Sendable {
        public let predictor: String
        public let weight: Double?
        public let treated: Double
        public let synthetic: Double
        public let donorMean: Double
    }
    public struct Period: Encodable, Sendable {
        public let period: Double
        public let treated: Double
        public let synthetic: Double
        public let gap: Double
    }
    public struct Placebo: Encodable, Sendable {
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
    public struct InTime: Encodable, Sendable {
        public let placeboTime: Double
        public let droppedPredictors: [String]
        public let preRMSPE: Double
        /// Mean gap between the placebo time and the real treatment time (should be near zero).
        public let averageGapBeforeTreatment: Double
    }
    public struct LeaveOneOut: Encodable, Sendable {
        public let donor: String
        public let averageEffect: Double
        public let preRMSPE: Double
    }

    public let estimator: String
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
    /// With `cross_validation`: the training fit whose predictor weights V the main fit uses.
    public var crossValidation: CrossValidation? = nil
    /// With `inference: conformal`: the joint test and each post-treatment period's test and interval.
    public var conformal: ConformalInference.Result? = nil
    /// With `inference: prediction-intervals`: scpi's intervals for each post-treatment period's counterfactual.
    public var predictionIntervals: PredictionIntervals.Result? = nil

    /// The training half of a cross-validated fit (Abadie, Diamond & Hainmueller 2015).
    public struct CrossValidation: Encodable, Sendable {
        public let fitPeriods: [Double]
        public let predictors: [Predictor]
        public let weights: [Weight]
        public let lossV: Double
    }

    static func make(
        estimator: String, problem: SyntheticControlProblem, weights: [Double], synthetic: [Double], gaps: [Double],
        predictors: [Predictor], lossV: Double?, lossW: Double?, starts: [StartResult], ridgeLambda: Double?,
        effectWindow: [Double]?, placebo: PlaceboInSpace?, placeboInTime: InTime?, leaveOneOut: [LeaveOneOut]?,
        level: Double, conformal: ConformalInference.Result? = nil, predictionIntervals: PredictionIntervals.Result? = nil
    ) -> SyntheticControlResult {
        let window = PeriodSet.range(effectWindow)
        let pre = problem.prePeriodIndices
        let post = problem.postPeriodIndices.filter { window?.contains(problem.periods[$0]) ?? true }
        let rms = { (idx: [Int]) in (idx.reduce(0) { $0 + gaps[$1] * gaps[$1] } / Double(max(idx.count, 1))).squareRoot() }
        let average = post.reduce(0) { $0 + gaps[$1] } / Double(max(post.count, 1))
        let effect: Estimate =
            placebo.map { p in
                let included = p.units.filter(\.included).count
                return Estimate(
                    estimate: average, standardError: nil, degreesOfFreedom: nil, statistic: nil, pValue: p.pValue, level: level,
                    lower: nil, upper: nil,
                    inference: Inference(
                        kind: .permutation, type: "placebo in space: rank/(J+1) of the post/pre RMSPE ratio",
                        replications: included - 1))
            } ?? conformal?.jointTest(of: average)
            ?? .point(
                average, level: level,
                inference: predictionIntervals.map { p in
                    Inference(
                        kind: .none, type: "none for the average; \(ConfidenceLevel.percent(p.level)) prediction intervals per period (scpi)",
                        replications: p.simulations)
                } ?? Inference(kind: .none))
        var result = SyntheticControlResult(
            estimator: estimator, treated: problem.treatedUnit, treatmentTime: problem.treatmentTime,
            weights: zip(problem.donors, weights).map { .init(donor: $0, weight: $1) }, predictors: predictors,
            lossV: lossV, lossW: lossW, starts: starts, ridgeLambda: ridgeLambda,
            preRMSPE: rms(pre), postRMSPE: rms(problem.postPeriodIndices), averageEffect: average, effect: effect, effectWindow: effectWindow,
            periods: problem.periods.indices.map { .init(period: problem.periods[$0], treated: problem.y1[$0], synthetic: synthetic[$0], gap: gaps[$0]) },
            placebo: placebo.map {
                .init(
                    rank: $0.rank, pValue: $0.pValue, smallestPValue: $0.smallestPValue, includedUnits: $0.units.filter(\.included).count,
                    exclusionMultiple: $0.exclusionMultiple, units: $0.units, periodPValues: $0.periodPValues,
                    warnings: $0.warnings)
            },
            placeboInTime: placeboInTime, leaveOneOut: leaveOneOut)
        result.conformal = conformal
        result.predictionIntervals = predictionIntervals
        return result
    }
}

/// The report of a single-unit synthetic control (`synth`, `augsynth`).
enum SyntheticControlReport {
    static func output(
        _ name: String, problem: SyntheticControlProblem, result r: SyntheticControlResult,
        placebo: PlaceboInSpace?
    ) -> MethodOutput<SyntheticControlResult> {
        var attachments = [
            ReportTable(fileName: "weights.csv", headers: ["donor", "weight"], rows: r.weights.map { [.text($0.donor), .number($0.weight)] }),
            ReportTable(
                fileName: "gaps.csv", headers: ["period", "treated", "synthetic", "gap"],
                rows: r.periods.map { [.period($0.period), .number($0.treated), .number($0.synthetic), .number($0.gap)] })
        ]
        if !r.predictors.isEmpty {
            attachments.append(
                ReportTable(
                    fileName: "predictors.csv", headers: ["predictor", "v_weight", "treated", "synthetic", "donor_mean"],
                    rows: r.predictors.map {
                        [
                            .text($0.predictor), .number($0.weight), .number($0.treated),
                            .number($0.synthetic), .number($0.donorMean)
                        ]
                    }))
        }
        if let placebo {
            attachments.append(
                ReportTable(
                    fileName: "placebos.csv",
                    headers: ["unit", "treated", "pre_mspe", "post_mspe", "rmspe_ratio", "average_effect", "included"],
                    rows: placebo.units.map {
                        [
                            .text($0.name), .integer($0.isTreated ? 1 : 0), .number($0.preMSPE), .number($0.postMSPE),
                            .number($0.ratio), .number($0.averageEffect), .integer($0.included ? 1 : 0)
                        ]
                    }))
            attachments.append(
                ReportTable(
                    fileName: "placebo_gaps.csv", headers: ["period"] + placebo.units.map(\.name),
                    rows: placebo.periods.indices.map { t in [.period(placebo.periods[t])] + placebo.units.map { .number($0.gaps[t]) } }))
        }
        if let c = r.conformal { attachments.append(ConformalReport.table(c)) }
        if let p = r.predictionIntervals { attachments.append(PredictionIntervalsReport.table(p)) }
        if let loo = r.leaveOneOut {
            attachments.append(
                ReportTable(
                    fileName: "leave_one_out.csv", headers: ["dropped_donor", "average_effect", "pre_rmspe"],
                    rows: loo.map { [.text($0.donor), .number($0.averageEffect), .number($0.preRMSPE)] }))
        }
        let times = r.periods.map(\.period)
        var path = LineChart(title: "\(r.treated) and its synthetic control", xLabel: "period", yLabel: problem.outcome)
        path.series = [
            LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.treated), color: Palette.color(0)),
            LineChart.Series(name: "synthetic \(r.treated)", x: times, y: r.periods.map(\.synthetic), color: Palette.color(1), dashed: true)
        ]
        path.verticalLines = [(r.treatmentTime, "treatment")]
        var gapChart = LineChart(
            title: "Gap: \(r.treated) minus synthetic" + (placebo == nil ? "" : ", with placebo gaps"),
            xLabel: "period", yLabel: "gap in \(problem.outcome)")
        if let placebo {
            for u in placebo.units.dropFirst() where u.included {
                gapChart.series.append(LineChart.Series(name: nil, x: times, y: u.gaps, color: Palette.muted, width: 1, opacity: 0.7))
            }
        }
        if let c = r.conformal {
            // Conformal intervals of the post-treatment gaps, as a band.
            gapChart.bands.append(
                LineChart.Band(
                    x: c.periods.map(\.time), low: c.periods.map(\.lower), high: c.periods.map(\.upper), color: Palette.color(0),
                    opacity: 0.2))
            gapChart.title += ", with conformal \(ConfidenceLevel.percent(c.level)) intervals"
        }
        if let p = r.predictionIntervals {
            gapChart.bands += PredictionIntervalsReport.gapBands(p)
            gapChart.title += ", with \(ConfidenceLevel.percent(p.level)) prediction intervals"
        }
        gapChart.series.append(LineChart.Series(name: r.treated, x: times, y: r.periods.map(\.gap), color: Palette.color(0), width: 2.5))
        gapChart.horizontalLines = [(0, "")]
        gapChart.verticalLines = [(r.treatmentTime, "treatment")]
        let shown = r.weights.filter { abs($0.weight) > 1e-4 }.sorted { abs($0.weight) > abs($1.weight) }
        let bars = BarChart(title: "Donor weights", xLabel: "weight", categories: shown.map(\.donor), values: shown.map(\.weight))

        var intro: ReportText =
            "\(r.estimator.prefix(1).uppercased() + r.estimator.dropFirst()) for \(strong: r.treated) (treated from \(period: r.treatmentTime)), "
        intro += "\(r.weights.count) donors. Pre-treatment RMSPE \(number: r.preRMSPE); average gap after treatment \(number: r.averageEffect)"
        if let w = PeriodSet.range(r.effectWindow) { intro += " (window \(period: w.lowerBound)–\(period: w.upperBound))" }
        intro += "."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let l = r.lossV {
            blocks.append(
                .paragraph("Pre-period loss (MSPE over the fit periods) \(number: l)" + (r.lossW.map { "; predictor loss \(number: $0)" } ?? "") + "."))
        }
        if !r.starts.isEmpty {
            blocks.append(.paragraph("Starts of the V search (best is used): " + ReportText.joined(r.starts.map { "\($0.name) \(number: $0.loss)" }) + "."))
        }
        blocks.append(.table(ReportTable(headers: ["donor", "weight"], rows: shown.map { [.text($0.donor), .number($0.weight)] })))
        if !r.predictors.isEmpty {
            blocks.append(
                .table(
                    ReportTable(
                        headers: ["predictor", "V", "treated", "synthetic", "donor mean"],
                        rows: r.predictors.map {
                            [
                                .text($0.predictor), .number($0.weight), .number($0.treated),
                                .number($0.synthetic), .number($0.donorMean)
                            ]
                        })))
        }
        if let p = r.placebo {
            var t: ReportText = "\(strong: "Placebo in space"): post/pre RMSPE ratio ranks \(p.rank) of \(p.includedUnits)"
            if let e = p.exclusionMultiple { t += " (placebos with pre-MSPE above \(period: e)× the treated unit's excluded)" }
            if let pValue = p.pValue, let smallest = p.smallestPValue {
                t += "; rank/(J+1): \(pClause: pValue) (the smallest attainable with \(p.includedUnits - 1) placebos is \(number: smallest))."
            } else {
                t += ": no placebo was kept, so there is no placebo distribution and no p-value."
            }
            blocks.append(.paragraph(t))
        }
        if let c = r.conformal { blocks += ConformalReport.blocks(c) }
        if let p = r.predictionIntervals { blocks += PredictionIntervalsReport.blocks(p) }
        if let t = r.placeboInTime {
            var text: ReportText = "\(strong: "Placebo in time") (treatment moved to \(period: t.placeboTime), predictor periods shifted back with it"
            if !t.droppedPredictors.isEmpty { text += "; dropped for lack of earlier data: \(t.droppedPredictors.joined(separator: ", "))" }
            text += "): mean gap before the real treatment \(number: t.averageGapBeforeTreatment), pre-RMSPE \(number: t.preRMSPE)."
            blocks.append(.paragraph(text))
        }
        if let loo = r.leaveOneOut {
            blocks.append(
                .paragraph(
                    "\(strong: "Leave one out"): " + ReportText.joined(loo.map { "without \($0.donor): \(number: $0.averageEffect)" }, separator: "; ") + "."))
        }
        blocks += [
            .figure(ReportFigure(fileName: "path.svg", caption: "Treated and synthetic paths", svg: path.render())),
            .figure(
                ReportFigure(
                    fileName: "gaps.svg",
                    caption: r.conformal != nil
                        ? "Gaps with conformal intervals"
                        : r.predictionIntervals != nil
                            ? "Gaps with prediction intervals (per period, darker; simultaneous, lighter)"
                            : placebo != nil ? "Gaps with placebo gaps" : "Gaps",
                    svg: gapChart.render())),
            .figure(ReportFigure(fileName: "weights.svg", caption: "Donor weights", svg: bars.render()))
        ]
        var warnings: [String] = []
        if r.conformal != nil && problem.donors.count >= problem.periods.count {
            warnings.append(
                "conformal inference with \(problem.donors.count) donors and \(problem.periods.count) periods: refits on every period can match almost any path, so the tests have little power (Chernozhukov, Wüthrich & Zhu 2021 assume more periods than the fit can absorb)"
            )
        }
        if problem.prePeriodIndices.count < 5 {
            warnings.append("only \(problem.prePeriodIndices.count) pre-treatment period(s): the pre-period fit says little about the counterfactual")
        }
        if let placebo { warnings += placebo.warnings.map(\.message) }
        if let c = r.conformal { warnings += ConformalReport.warnings(c) }
        if let p = r.predictionIntervals { warnings += PredictionIntervalsReport.warnings(p) }
        return MethodOutput(
            result: r, blocks: blocks, attachments: attachments, warnings: warnings,
            keyEstimates: [KeyEstimate("average gap after treatment (\(r.treated))", r.effect)])
    }
}

/// `method: augsynth`: ridge-augmented synthetic control on the pre-period outcomes
/// (Ben-Michael, Feller & Rothstein 2021).
public struct AugmentedSyntheticControlAnalysis: AnalysisMethod {
    public static let names = ["augsynth"]
    public static let summary = "ridge-augmented synthetic control (augsynth)"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let treated = RequiredKey<String>("treated", "the treated unit")
        let treatmentTime = RequiredKey<Double>("treatment_time", "the treated unit's first treated period")
        let donors = OptionalKey<[String]>("donors", "the donor pool", default: "every other unit")
        let exclude = DefaultedKey<[String]>("exclude", "units left out of the donor pool", default: [])
        let lambda = OptionalKey<Double>(
            "lambda", "ridge penalty", default: "cross-validated",
            rule: { $0 >= 0 ? nil : "the ridge penalty must be 0 or more" })
        let inference = InferenceName.key(
            "placebo (in space), conformal (Chernozhukov, Wüthrich & Zhu; λ held fixed) or none", default: .placebo,
            supported: [.placebo, .conformal, .none], method: "augsynth")
        let conformal = ConformalKeys()
        let effectWindow = OptionalKey<PeriodSet>("effect_window", "periods averaged for the effect", default: "every post period")
        let level = CommonKeys.level
        public init() {}
    }

    public var unit: String, time: String, outcome: String, treated: String, treatmentTime: Double
    public var donors: [String]?, exclude: [String], lambda: Double?, placebo: Bool, effectWindow: [Double]?, level: Double
    /// With `inference: conformal`: the conformal procedure's settings.
    public var conformal: ConformalInference?

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        (unit, time, outcome) = try s.panel(\.panel)
        treated = try s(\.treated)
        treatmentTime = try s(\.treatmentTime)
        donors = try s(\.donors)
        exclude = try s(\.exclude)
        lambda = try s(\.lambda)
        let inference = try s(\.inference)
        placebo = inference == .placebo
        effectWindow = try s(\.effectWindow)?.values
        level = try s(\.level)
        conformal = try s.conformal(\.conformal, when: inference == .conformal, level: level)
        if let donors, donors.contains(treated) { throw s.issue(\.donors, "the treated unit '\(treated)' is listed as a donor") }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let named =
            [("treated", treated)] + (donors ?? []).enumerated().map { ("donors[\($0.offset)]", $0.element) }
            + exclude.enumerated().map { ("exclude[\($0.offset)]", $0.element) }
        let issues = PanelDesignCheck.issues(data, unit: unit, time: time, named: named, treatmentTime: treatmentTime)
        guard issues.isEmpty else { return issues }
        let donorSet = donors.map(Set.init), excluded = Set(exclude)
        return PanelDesignCheck.completeOutcome(data, unit: unit, time: time, outcome: outcome) { u in
            u == treated || (donorSet?.contains(u) ?? !excluded.contains(u))
        }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<SyntheticControlResult> {
        let p = try PanelDesignCheck.panel(context.data, unit: unit, time: time)
        let problem = try SyntheticControlProblem(
            panel: p, outcome: outcome, treated: treated, treatmentTime: treatmentTime,
            donors: donors, exclude: exclude, predictors: [], fitPeriods: nil)
        let fit = try AugmentedSyntheticControl.fit(problem, lambda: lambda)
        let placeboResult = placebo ? try fit.placeboInSpace(threads: context.threads, fixedLambda: lambda != nil, level: level) : nil
        var conformalResult: ConformalInference.Result?
        if var c = conformal {
            c.seed = context.seed
            c.threads = context.threads
            conformalResult = try fit.conformalInference(c)
        }
        let withConformal = SyntheticControlResult.make(
            estimator: "augmented synthetic control (ridge, λ = \(ReportFormat.number(fit.lambda)))", problem: problem,
            weights: fit.weights, synthetic: fit.synthetic, gaps: fit.gaps, predictors: [], lossV: nil, lossW: nil, starts: [],
            ridgeLambda: fit.lambda, effectWindow: effectWindow, placebo: placeboResult, placeboInTime: nil, leaveOneOut: nil, level: level,
            conformal: conformalResult)
        return SyntheticControlReport.output(context.analysis.name, problem: problem, result: withConformal, placebo: placeboResult)
    }
}
