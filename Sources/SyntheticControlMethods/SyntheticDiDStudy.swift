import EstimationCore
import LinearAlgebra
import Tabular

/// Synthetic difference-in-differences (Arkhangelsky et al. 2021) for a block of treated units
/// sharing one treatment time, as one call: the estimate with placebo, jackknife or conformal
/// inference, the unit and time weights, the effect by period, and typed warnings. What
/// `impact run` computes for `method: sdid`, and what its `results.json` holds.
///
/// Conventions: R synthdid 0.0.9's estimators and its Algorithms 3 (jackknife) and 4 (placebo),
/// normal intervals; conformal as ``ConformalInference`` on the treated average.
///
/// Complexity: one Frank–Wolfe fit, plus `replications` (placebo) or one per treated unit (jackknife).
public enum SyntheticDiDStudy {
    public enum Inference: Sendable {
        case placebo(replications: Int)
        case jackknife
        case conformal(ConformalInference)
        case none
    }

    public struct Specification: Sendable {
        public var unit: String, time: String, outcome: String
        public var treated: [String]
        public var treatmentTime: Double
        public var estimator = SyntheticDiD.Estimator.syntheticDiD
        public var inference = Inference.placebo(replications: 200)
        public var level = 0.95
        public var seed: UInt64 = 1
        public var threads = 1

        public init(unit: String, time: String, outcome: String, treated: [String], treatmentTime: Double) {
            (self.unit, self.time, self.outcome, self.treated, self.treatmentTime) = (unit, time, outcome, treated, treatmentTime)
        }
    }

    public struct Weight: Sendable, Codable, Equatable {
        public let label: String
        public let weight: Double
    }
    public struct Effect: Sendable, Codable, Equatable {
        public let period: Double
        public let effect: Double
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        case conformal(SyntheticControlStudy.Warning)
        public var message: String {
            switch self {
            case .conformal(let w): return w.message
            }
        }
    }

    /// The `results.json` entry of an `sdid` analysis. The effect's fields (`estimate`, `standardError`,
    /// `lower`, `upper`, `level`, `inference`, …) sit at the top level beside the weights.
    public struct Result: Sendable, Codable {
        public let estimator: SyntheticDiD.Estimator
        public let effect: Estimate
        public let outcome: String
        public let treated: [String]
        public let treatmentTime: Double
        public let unitWeights: [Weight]
        public let timeWeights: [Weight]
        public let effectCurve: [Effect]
        public let noiseLevel: Double
        public let zetaOmega: Double
        /// With conformal inference: the joint test and each post period's test and interval.
        public let conformal: ConformalInference.Result?
        public let warnings: [Warning]

        enum CodingKeys: String, CodingKey {
            case estimator, outcome, treated, treatmentTime, unitWeights, timeWeights, effectCurve, noiseLevel, zetaOmega, conformal, warnings
        }

        init(
            estimator: SyntheticDiD.Estimator, effect: Estimate, outcome: String, treated: [String], treatmentTime: Double, unitWeights: [Weight],
            timeWeights: [Weight], effectCurve: [Effect], noiseLevel: Double, zetaOmega: Double, conformal: ConformalInference.Result?, warnings: [Warning]
        ) {
            (self.estimator, self.effect, self.outcome, self.treated, self.treatmentTime) = (estimator, effect, outcome, treated, treatmentTime)
            (self.unitWeights, self.timeWeights, self.effectCurve) = (unitWeights, timeWeights, effectCurve)
            (self.noiseLevel, self.zetaOmega, self.conformal, self.warnings) = (noiseLevel, zetaOmega, conformal, warnings)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            estimator = try c.decode(SyntheticDiD.Estimator.self, forKey: .estimator)
            outcome = try c.decode(String.self, forKey: .outcome)
            treated = try c.decode([String].self, forKey: .treated)
            treatmentTime = try c.decode(Double.self, forKey: .treatmentTime)
            unitWeights = try c.decode([Weight].self, forKey: .unitWeights)
            timeWeights = try c.decode([Weight].self, forKey: .timeWeights)
            effectCurve = try c.decode([Effect].self, forKey: .effectCurve)
            noiseLevel = try c.decode(Double.self, forKey: .noiseLevel)
            zetaOmega = try c.decode(Double.self, forKey: .zetaOmega)
            conformal = try c.decodeIfPresent(ConformalInference.Result.self, forKey: .conformal)
            warnings = try c.decode([Warning].self, forKey: .warnings)
            effect = try Estimate(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(estimator, forKey: .estimator)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(treated, forKey: .treated)
            try c.encode(treatmentTime, forKey: .treatmentTime)
            try c.encode(unitWeights, forKey: .unitWeights)
            try c.encode(timeWeights, forKey: .timeWeights)
            try c.encode(effectCurve, forKey: .effectCurve)
            try c.encode(noiseLevel, forKey: .noiseLevel)
            try c.encode(zetaOmega, forKey: .zetaOmega)
            try c.encodeIfPresent(conformal, forKey: .conformal)
            try c.encode(warnings, forKey: .warnings)
            try effect.encode(to: encoder)
        }
    }

    /// Rules between settings that need no data.
    public static func checkSettings(_ spec: Specification) throws(SyntheticControlError) {
        guard !spec.treated.isEmpty else { throw .invalidOption("list at least one treated unit") }
        if case .jackknife = spec.inference, spec.treated.count < 2 {
            throw .invalidOption("the jackknife needs at least 2 treated units; use 'placebo'")
        }
        if case .placebo(let r) = spec.inference, r < 2 { throw .invalidOption("at least 2 placebo replications are needed") }
    }

    /// Estimates the effect, its uncertainty and the weights.
    public static func estimate(_ spec: Specification, table: Table) throws(SyntheticControlError) -> Result {
        try checkSettings(spec)
        let p: Panel
        do { p = try Panel(table, unit: spec.unit, time: spec.time) } catch { throw .panel("\(error)") }
        for t in spec.treated where !p.units.contains(t) { throw .unknownUnit(t, available: p.units) }
        let y: Matrix
        do { y = try p.wideComplete(spec.outcome) } catch { throw .panel("\(error) (synthetic DiD needs a balanced panel)") }
        let controls = p.units.indices.filter { !spec.treated.contains(p.units[$0]) }
        let treatedRows = spec.treated.compactMap { p.unitPosition($0) }
        let t0 = p.times.filter { $0 < spec.treatmentTime }.count
        let e = try SyntheticDiD.estimate(y.selectingRows(controls + treatedRows), controls: controls.count, prePeriods: t0, estimator: spec.estimator)
        let effect: Estimate
        var conformal: ConformalInference.Result? = nil
        switch spec.inference {
        case .conformal(var c):
            (c.seed, c.threads) = (spec.seed, spec.threads)
            let r = try e.conformalInference(c, times: p.times)
            conformal = r
            effect = r.jointTest(of: e.estimate)
        case .placebo(let replications):
            let se = try e.placeboStandardError(replications: replications, seed: spec.seed, threads: spec.threads)
            effect = .wald(
                estimate: e.estimate, standardError: se, degreesOfFreedom: nil, level: spec.level,
                inference: .init(kind: .placebo, name: "placebo", type: "placebo SE (synthdid Algorithm 4)", df: .normal, replications: replications))
        case .jackknife:
            let se = try e.jackknifeStandardError()
            effect = .wald(
                estimate: e.estimate, standardError: se, degreesOfFreedom: nil, level: spec.level,
                inference: .init(kind: .jackknife, name: "jackknife", type: "jackknife SE (synthdid Algorithm 3)", df: .normal))
        case .none:
            effect = .point(e.estimate, level: spec.level)
        }
        var warnings: [Warning] = []
        if let c = conformal, !c.periodTestsCanReject {
            warnings.append(.conformal(.conformalPeriodTestsCannotReject(prePeriods: c.prePeriods, level: c.level)))
        }
        let post = Array(p.times[t0...])
        return Result(
            estimator: spec.estimator, effect: effect, outcome: spec.outcome, treated: spec.treated, treatmentTime: spec.treatmentTime,
            unitWeights: zip(controls.map { p.units[$0] }, e.unitWeights).map { Weight(label: $0, weight: $1) },
            timeWeights: zip(p.times.prefix(t0).map(formatNumber), e.timeWeights).map { Weight(label: $0, weight: $1) },
            effectCurve: zip(post, e.effectCurve).map { Effect(period: $0, effect: $1) }, noiseLevel: e.noiseLevel, zetaOmega: e.zetaOmega,
            conformal: conformal, warnings: warnings)
    }
}
