import EstimationCore
import SyntheticControlMethods
import Tabular

/// A set of periods in a config: a list (`[1975, 1980]`), one period (`1988`) or a range
/// (`{from: 1980, to: 1988, by: 1}`).
public struct PeriodSet: SettingValue, Decodable {
    public var values: [Double]
    public static var expected: String { "periods: a list, one period, or {from, to, by}" }
    public static func decode(_ decoder: any Decoder) throws -> PeriodSet { try PeriodSet(from: decoder) }
    public var configText: String { "[" + values.map(formatNumber).joined(separator: ", ") + "]" }

    public init(from decoder: any Decoder) throws {
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

/// `adoption` of `synth`: the treated unit's first treated period (a number, with `treated`), or the
/// column of each unit's first treated period (a name, for staggered designs).
public enum AdoptionSetting: SettingValue, ColumnNaming, Equatable {
    case period(Double)
    case column(String)

    public static var expected: String { "a period (with 'treated') or a column name (staggered designs)" }
    public static var jsonSchema: JSONValue { .object(["type": .array(["number", "string"]), "description": .string(expected)]) }
    public var configText: String {
        switch self {
        case .period(let t): return formatNumber(t)
        case .column(let c): return c
        }
    }

    public static func decode(_ decoder: any Decoder) throws -> AdoptionSetting {
        if let t = try? Double(from: decoder) { return .period(t) }
        return .column(try decodeScalar(decoder, String.self, expected: expected))
    }

    public func columnRequirements(key: String, numeric: Bool) -> [ColumnRequirement] {
        guard case .column(let name) = self else { return [] }
        return [ColumnRequirement(key: key, column: name, numeric: numeric)]
    }
}

extension PredictorSpecification.Aggregate: SettingChoice {}

/// One predictor in a config: `{variable: beer, periods: {from: 1984, to: 1988}, aggregate: mean}`.
public struct PredictorEntry: SettingValue, Decodable {
    public var spec: PredictorSpecification
    public static var expected: String { "a predictor {variable, periods, aggregate}" }
    public static func decode(_ decoder: any Decoder) throws -> PredictorEntry { try PredictorEntry(from: decoder) }
    public var configText: String { spec.label }

    public init(from decoder: any Decoder) throws {
        let m = try StrictMapping(decoder, allowed: ["variable", "periods", "aggregate"], context: "a predictor")
        let aggregate =
            try m.optional("aggregate", String.self).map { name -> PredictorSpecification.Aggregate in
                guard let a = PredictorSpecification.Aggregate(rawValue: name) else {
                    throw m.issue("aggregate", invalidChoice(name, PredictorSpecification.Aggregate.allCases.map(\.rawValue)))
                }
                return a
            } ?? .mean
        spec = PredictorSpecification(
            variable: try m.required("variable"), periods: try m.required("periods", PeriodSet.self).values,
            aggregate: aggregate)
    }
}

/// `cross_validation`: choose V out of sample (Abadie, Diamond & Hainmueller 2015): `predictors`
/// measured in earlier years (one per main predictor, same order) and the `fit_periods` whose outcome
/// V is chosen on; the main fit then uses that V with the main `predictors`.
public struct CrossValidationSetting: SettingValue, Decodable, Sendable {
    public var predictors: [PredictorSpecification]
    public var fitPeriods: [Double]
    public static var expected: String { "a mapping {predictors, fit_periods}" }
    public static func decode(_ decoder: any Decoder) throws -> CrossValidationSetting { try CrossValidationSetting(from: decoder) }
    public var configText: String { "{predictors: [\(predictors.map(\.label).joined(separator: ", "))]}" }

    public init(from decoder: any Decoder) throws {
        let m = try StrictMapping(decoder, allowed: ["predictors", "fit_periods"], context: "cross_validation")
        predictors = try m.required("predictors", [PredictorEntry].self).map(\.spec)
        fitPeriods = try m.required("fit_periods", PeriodSet.self).values
        guard !predictors.isEmpty else { throw m.issue("predictors", "list the training predictors (one per main predictor)") }
        guard !fitPeriods.isEmpty else { throw m.issue("fit_periods", "list the periods whose outcome chooses V") }
    }
}

/// `predictor_weights`: `optimized`, `outcome-only`, or a list of custom V weights.
public struct PredictorWeightsSetting: SettingValue {
    public var value: SyntheticControlOptions.PredictorWeights
    public static var expected: String { "optimized, outcome-only, or a list of numbers (one per predictor)" }
    public var configText: String {
        switch value {
        case .optimized: return "optimized"
        case .outcomeOnly: return "outcome-only"
        case .custom(let v): return v.configText
        }
    }

    public static func decode(_ decoder: any Decoder) throws -> PredictorWeightsSetting {
        if let list = try? [Double](from: decoder) { return PredictorWeightsSetting(value: .custom(list)) }
        switch try decodeScalar(decoder, String.self, expected: expected) {
        case "optimized": return PredictorWeightsSetting(value: .optimized)
        case "outcome-only": return PredictorWeightsSetting(value: .outcomeOnly)
        case let name: throw DecodingIssue(codingPath: decoder.codingPath, message: invalidChoice(name, ["optimized", "outcome-only"]))
        }
    }
}

extension StaggeredSyntheticControl.Aggregation: SettingChoice {}
extension StaggeredSyntheticControl.DonorPool: SettingChoice {}
extension SyntheticDiD.Estimator: SettingChoice {}

/// Checks shared by the single-treated-unit panel methods (`synth`, `augsynth`, `sdid`): the named units
/// occur in the unit column, and the treatment time leaves a period before it and one at or after it.
enum PanelDesignCheck {
    static func issues(
        _ data: LoadedData, unit unitColumn: String, time timeColumn: String,
        named: [(key: String, unit: String)], treatmentTime: Double?
    ) -> [SettingIssue] {
        guard let units = try? data.table.strings(unitColumn), let times = try? data.table.numeric(timeColumn) else { return [] }
        let present = Set(units.compactMap { $0 })
        var issues: [SettingIssue] = []
        for (key, unit) in named where !present.contains(unit) {
            var message = "unit '\(unit)' does not occur in column '\(unitColumn)' of '\(data.name)'"
            if let s = closestMatch(to: unit, in: Array(present)) { message += " (did you mean '\(s)'?)" }
            issues.append(SettingIssue(key: key, message: message))
        }
        if let t = treatmentTime {
            let finite = times.filter { !$0.isNaN }
            if !(finite.contains { $0 < t }) || !(finite.contains { $0 >= t }) {
                issues.append(
                    SettingIssue(
                        key: "adoption",
                        message:
                            "\(formatNumber(t)) leaves no period \(finite.contains { $0 < t } ? "at or after it" : "before it") in column '\(timeColumn)' (\(formatNumber(finite.min() ?? .nan))–\(formatNumber(finite.max() ?? .nan)))"
                    ))
            }
        }
        return issues
    }

    /// The outcome must be present for every unit the fit uses in every period of the data: each
    /// missing cell (or absent unit-period row) is named with its line, up to five, with the count.
    static func completeOutcome(
        _ data: LoadedData, unit unitColumn: String, time timeColumn: String, outcome: String,
        remedy: String = "leave those units out (exclude) or fill the gaps", units include: (String) -> Bool
    ) -> [SettingIssue] {
        guard let units = try? data.table.strings(unitColumn), let times = try? data.table.numeric(timeColumn),
            let y = try? data.table.numeric(outcome)
        else { return [] }
        let periods = Set(times.filter { !$0.isNaN })
        var seen: [String: Set<Double>] = [:]
        var problems: [String] = []
        var count = 0
        for r in 0..<data.table.rowCount {
            guard let u = units[r], include(u), !times[r].isNaN else { continue }
            seen[u, default: []].insert(times[r])
            if y[r].isNaN {
                count += 1
                if problems.count < 5 { problems.append("\(u) at \(formatNumber(times[r])) (line \(r + 2))") }
            }
        }
        for (u, observed) in seen.sorted(by: { $0.key < $1.key }) where observed.count < periods.count {
            let absent = periods.subtracting(observed).sorted()
            count += absent.count
            if problems.count < 5 {
                problems.append("\(u) has no row for \(absent.prefix(3).map(formatNumber).joined(separator: ", "))\(absent.count > 3 ? ", …" : "")")
            }
        }
        guard count > 0 else { return [] }
        return [
            SettingIssue(
                key: "outcome",
                message:
                    "'\(outcome)' is missing in \(count) unit-period cell(s) of units the fit uses: \(problems.joined(separator: "; "))\(count > problems.count ? "; …" : ""); \(remedy)"
            )
        ]
    }
}

/// A plain message error from a method's run (the analysis name is added by `Runner`).
struct RunnerMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Conformal inference's settings (`inference: conformal` in `synth` and `augsynth`), declared once.
public struct ConformalKeys: KeySet {
    let permutations = DefaultedKey<ConformalPermutations>(
        "permutations", "conformal: iid (random permutations of the residuals) or block (moving block)", default: .iid)
    let grid = DefaultedKey<Int>(
        "grid", "conformal: nulls per period for the intervals (att ± 2·√(mean post att²))", default: 50,
        rule: { $0 >= 2 ? nil : "must be at least 2" })
    public init() {}
}

/// `permutations` of conformal inference.
public enum ConformalPermutations: String, SettingChoice {
    case iid, block
}

extension SettingsReader {
    /// The conformal-inference settings when `conformal` is true (its seed and threads come from the
    /// run); otherwise nil, and any conformal key given is an error naming it. `replications` (the
    /// method's one key for counts of random draws) is the number of random permutations per null (iid).
    public func conformal(
        _ group: KeyPath<Keys, ConformalKeys>, when conformal: Bool, level: Double, replications: KeyPath<Keys, OptionalKey<Int>>
    ) throws -> ConformalInference? {
        let permutations = group.appending(path: \.permutations), grid = group.appending(path: \.grid)
        guard conformal else {
            try refuseGiven(group, appliesTo: "'inference: conformal'")
            return nil
        }
        var c = ConformalInference(gridSize: try self(grid), level: level)
        if try self(permutations) == .iid {
            let draws = try self(replications) ?? 1000
            guard draws >= 100 else { throw issue(replications, "conformal inference needs at least 100 random permutations per null") }
            c.permutations = .iid(draws: draws)
        } else {
            if has(replications) { throw issue(replications, "moving-block permutations are all T of them; 'replications' applies to permutations: iid") }
            c.permutations = .movingBlock
        }
        return c
    }
}

/// The keys of `inference: prediction-intervals` (scpi's settings under their own names).
public struct PredictionIntervalKeys: KeySet {
    let rho = DefaultedKey<RhoSetting>(
        "rho", "prediction intervals: threshold below which a donor's weight may be zero: type-1, type-2 (scpi's default) or a number",
        default: RhoSetting(value: .type2))
    let rhoMax = DefaultedKey<Double>(
        "rho_max", "prediction intervals: largest ρ from the rule", default: 0.2, rule: { $0 > 0 && $0 <= 1 ? nil : "must be in (0, 1]" })
    let variance = DefaultedKey<PredictionIntervals.Variance>(
        "residual_variance", "prediction intervals: HC rule for the pseudo-residuals' variance (scpi's u_sigma)", default: .hc1)
    let cointegrated = DefaultedKey<Bool>(
        "cointegrated", "prediction intervals: model the errors with first differences of the donors' outcomes", default: true)
    public init() {}
}

extension PredictionIntervals.Variance: SettingChoice {}

/// `rho`: `type-1`, `type-2` or a positive number.
public struct RhoSetting: SettingValue, Equatable {
    public var value: PredictionIntervals.Rho
    public static var expected: String { "type-1, type-2 or a positive number" }
    public var configText: String {
        switch value {
        case .type1: return "type-1"
        case .type2: return "type-2"
        case .value(let v): return formatNumber(v)
        }
    }

    public static func decode(_ decoder: any Decoder) throws -> RhoSetting {
        if let v = try? Double(from: decoder) {
            guard v > 0, v.isFinite else { throw DecodingIssue(codingPath: decoder.codingPath, message: "ρ must be a positive number, not \(formatNumber(v))") }
            return RhoSetting(value: .value(v))
        }
        switch try decodeScalar(decoder, String.self, expected: expected) {
        case "type-1": return RhoSetting(value: .type1)
        case "type-2": return RhoSetting(value: .type2)
        case let name: throw DecodingIssue(codingPath: decoder.codingPath, message: invalidChoice(name, ["type-1", "type-2"]))
        }
    }
}

extension SettingsReader {
    /// The prediction-interval settings when `wanted` (seed and threads come from the run); otherwise nil,
    /// and any of their keys given is an error naming it.
    /// `replications` (the method's one key for counts of random draws) is scpi's `sims`.
    public func predictionIntervals(
        _ group: KeyPath<Keys, PredictionIntervalKeys>, when wanted: Bool, level: Double, replications: KeyPath<Keys, OptionalKey<Int>>
    ) throws -> PredictionIntervals? {
        let rho = group.appending(path: \.rho)
        let rhoMax = group.appending(path: \.rhoMax), variance = group.appending(path: \.variance)
        let cointegrated = group.appending(path: \.cointegrated)
        guard wanted else {
            try refuseGiven(group, appliesTo: "'inference: prediction-intervals'")
            return nil
        }
        let simulations = try self(replications) ?? 200
        guard simulations >= 10 else { throw issue(replications, "prediction intervals need at least 10 simulations") }
        return PredictionIntervals(
            simulations: simulations, level: level, rho: try self(rho).value, rhoMax: try self(rhoMax),
            variance: try self(variance), cointegrated: try self(cointegrated))
    }
}
