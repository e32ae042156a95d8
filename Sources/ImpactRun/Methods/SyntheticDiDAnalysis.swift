import EstimationCore
import LinearAlgebra
import Plotting
import Reporting
import SyntheticControlMethods
import Tabular

/// `method: sdid`: synthetic difference-in-differences (Arkhangelsky et al. 2021) and its SC and DiD
/// variants, for a block of treated units sharing one treatment time, as R's `synthdid`.
public struct SyntheticDiDAnalysis: AnalysisMethod {
    public static let names = ["sdid"]
    public static let summary = "synthetic difference-in-differences (synthdid)"

    public struct Keys: KeySet {
        let panel = PanelKeys()
        let treated = RequiredKey<[String]>("treated", "the treated unit or units", rule: { $0.isEmpty ? "list at least one treated unit" : nil })
        let treatmentTime = RequiredKey<Double>("treatment_time", "the first treated period")
        let estimator = DefaultedKey<SyntheticDiD.Estimator>("estimator", "sdid, sc or did", default: .syntheticDiD)
        let inference = InferenceName.key(
            "placebo, jackknife, conformal (Chernozhukov, Wüthrich & Zhu; for the treated average) or none",
            defaultText: "placebo with one treated unit, jackknife with several", supported: [.placebo, .jackknife, .conformal, .none], method: "sdid")
        let conformal = ConformalKeys()
        let replications = DefaultedKey<Int>(
            "replications", "placebo draws", default: 200,
            rule: { $0 >= 2 ? nil : "at least 2 placebo replications are needed" })
        let level = CommonKeys.level
        public init() {}
    }

    public var unit: String, time: String, outcome: String, treated: [String], treatmentTime: Double
    public var estimator: SyntheticDiD.Estimator
    public var inference: InferenceName
    public var replications: Int
    public var level: Double
    /// With `inference: conformal`: the conformal procedure's settings (its seed and threads come from the run).
    public var conformal: ConformalInference?

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        (unit, time, outcome) = try s.panel(\.panel)
        treated = try s(\.treated)
        treatmentTime = try s(\.treatmentTime)
        estimator = try s(\.estimator)
        inference = try s(\.inference) ?? (treated.count > 1 ? .jackknife : .placebo)
        replications = try s(\.replications)
        level = try s(\.level)
        conformal = try s.conformal(\.conformal, when: inference == .conformal, level: level)
        if inference == .jackknife && treated.count < 2 {
            throw s.issue(\.inference, "the jackknife needs at least 2 treated units; use 'placebo'")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let issues = PanelDesignCheck.issues(
            data, unit: unit, time: time, named: treated.enumerated().map { ("treated[\($0.offset)]", $0.element) },
            treatmentTime: treatmentTime)
        guard issues.isEmpty else { return issues }
        return PanelDesignCheck.completeOutcome(
            data, unit: unit, time: time, outcome: outcome, remedy: "synthetic DiD needs a balanced panel: drop those units from the data or fill the gaps"
        ) { _ in true }
    }

    public func run(_ context: RunContext) throws -> MethodOutput<SyntheticDiDResult> {
        let p = try PanelDesignCheck.panel(context.data, unit: unit, time: time)
        for t in treated where !p.units.contains(t) { throw SyntheticControlError.unknownUnit(t, available: p.units) }
        let y: Matrix
        do { y = try p.wideComplete(outcome) } catch { throw RunnerMessage("\(error) (synthetic DiD needs a balanced panel)") }
        let controls = p.units.indices.filter { !treated.contains(p.units[$0]) }
        let treatedRows = treated.compactMap { p.unitPosition($0) }
        let t0 = p.times.filter { $0 < treatmentTime }.count
        let e = try SyntheticDiD.estimate(y.selectingRows(controls + treatedRows), controls: controls.count, prePeriods: t0, estimator: estimator)
        let effect: Estimate
        var conformalResult: ConformalInference.Result?
        switch inference {
        case .conformal:
            var c = conformal!
            c.seed = context.seed
            c.threads = context.threads
            let r = try e.conformalInference(c, times: p.times)
            conformalResult = r
            effect = r.jointTest(of: e.estimate)
        case .placebo:
            let se = try e.placeboStandardError(replications: replications, seed: context.seed, threads: context.threads)
            effect = .wald(
                estimate: e.estimate, standardError: se, degreesOfFreedom: nil, level: level,
                inference: Inference(kind: .placebo, type: "placebo SE (synthdid Algorithm 4)", df: .normal, replications: replications))
        case .jackknife:
            let se = try e.jackknifeStandardError()
            effect = .wald(
                estimate: e.estimate, standardError: se, degreesOfFreedom: nil, level: level,
                inference: Inference(kind: .jackknife, type: "jackknife SE (synthdid Algorithm 3)", df: .normal))
        default:
            effect = .point(e.estimate, level: level)
        }
        let post = Array(p.times[t0...])
        let result = SyntheticDiDResult(
            estimator: estimator.rawValue, effect: effect, treated: treated, treatmentTime: treatmentTime,
            unitWeights: zip(controls.map { p.units[$0] }, e.unitWeights).map { .init(label: $0, weight: $1) },
            timeWeights: zip(p.times.prefix(t0).map(formatNumber), e.timeWeights).map { .init(label: $0, weight: $1) },
            effectCurve: zip(post, e.effectCurve).map { .init(period: $0, effect: $1) },
            noiseLevel: e.noiseLevel, zetaOmega: e.zetaOmega, conformal: conformalResult)
        var attachments = [
            ReportTable(fileName: "unit_weights.csv", headers: ["unit", "weight"], rows: result.unitWeights.map { [.text($0.label), .number($0.weight)] }),
            ReportTable(fileName: "time_weights.csv", headers: ["period", "weight"], rows: result.timeWeights.map { [.text($0.label), .number($0.weight)] }),
            ReportTable(fileName: "effects.csv", headers: ["period", "effect"], rows: zip(post, e.effectCurve).map { [.period($0), .number($1)] })
        ]
        var curve = LineChart(title: "\(context.analysis.name): effect by period (\(estimator.rawValue))", xLabel: "period", yLabel: "effect on \(outcome)")
        curve.series = [LineChart.Series(name: nil, x: post, y: e.effectCurve, color: Palette.color(0), markers: true)]
        curve.horizontalLines = [(0, ""), (e.estimate, "average \(ReportFormat.number(e.estimate))")]
        if let c = conformalResult {
            attachments.append(ConformalReport.table(c))
            curve.bands = [
                LineChart.Band(x: c.periods.map(\.time), low: c.periods.map(\.lower), high: c.periods.map(\.upper), color: Palette.color(0), opacity: 0.15)
            ]
            curve.title += ", with conformal \(ConfidenceLevel.percent(c.level)) intervals"
        }
        let shown = result.unitWeights.filter { $0.weight > 1e-4 }.sorted { $0.weight > $1.weight }
        let bars = BarChart(title: "Unit weights ω", xLabel: "weight", categories: shown.map(\.label), values: shown.map(\.weight))
        let title: String =
            switch estimator {
            case .syntheticDiD: "Synthetic difference-in-differences"
            case .syntheticControl: "Synthetic control (synthdid's SC)"
            case .differenceInDifferences: "Difference-in-differences"
            }
        let intro: ReportText =
            "\(title) for " + ReportText.joined(treated.map { "\(strong: $0)" }) + " from \(period: treatmentTime): estimate "
            + ReportText.estimate(effect) + ". Noise level σ̂ = \(number: e.noiseLevel), ζ_ω = \(number: e.zetaOmega)."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let c = conformalResult { blocks += ConformalReport.blocks(c) }
        blocks += [
            .table(ReportTable(headers: ["unit", "ω"], rows: shown.map { [.text($0.label), .number($0.weight)] })),
            .figure(ReportFigure(fileName: "effects.svg", caption: "Effect by period", svg: curve.render())),
            .figure(ReportFigure(fileName: "unit_weights.svg", caption: "Unit weights", svg: bars.render()))
        ]
        return MethodOutput(
            result: result, blocks: blocks, attachments: attachments, warnings: conformalResult.map(ConformalReport.warnings) ?? [],
            keyEstimates: [KeyEstimate("average effect (\(estimator.rawValue))", effect)])
    }
}

/// `results.json` entry of an `sdid` analysis. The effect's fields (`estimate`, `standardError`,
/// `lower`, `upper`, `level`, `inference`, …) sit at the top level beside the weights.
public struct SyntheticDiDResult: Encodable, Sendable {
    public struct Weight: Encodable, Sendable { public let label: String; public let weight: Double }
    public struct Effect: Encodable, Sendable { public let period: Double; public let effect: Double }
    public let estimator: String
    public let effect: Estimate
    public let treated: [String]
    public let treatmentTime: Double
    public let unitWeights: [Weight]
    public let timeWeights: [Weight]
    public let effectCurve: [Effect]
    public let noiseLevel: Double
    public let zetaOmega: Double

    /// With `inference: conformal`: the joint test and each post period's test and interval.
    public var conformal: ConformalInference.Result? = nil

    enum CodingKeys: String, CodingKey { case estimator, treated, treatmentTime, unitWeights, timeWeights, effectCurve, noiseLevel, zetaOmega, conformal }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(estimator, forKey: .estimator)
        try c.encode(treated, forKey: .treated)
        try c.encode(treatmentTime, forKey: .treatmentTime)
        try c.encode(unitWeights, forKey: .unitWeights)
        try c.encode(timeWeights, forKey: .timeWeights)
        try c.encode(effectCurve, forKey: .effectCurve)
        try c.encode(noiseLevel, forKey: .noiseLevel)
        try c.encode(zetaOmega, forKey: .zetaOmega)
        try c.encodeIfPresent(conformal, forKey: .conformal)
        try effect.encode(to: encoder)
    }
}
