import EconomicEvaluation
import EstimationCore
import Regression

extension ClusterResampling.Scheme: SettingChoice {}

/// `method: cost-effectiveness`: incremental analysis, net-benefit regression and probabilistic
/// sensitivity (`CostEffectiveness` in the library).
///
/// | key | meaning | default |
/// |---|---|---|
/// | `input` | `people` (a row per person), `waves` (a row per person and wave), `draws` (PSA draws) or `summary` (a row per strategy) | `people` |
/// | `strategy`, `cost` | strategy (arm) and cost columns | required |
/// | `effect` | effect column (e.g. QALYs); with `input: waves` the `utility` column instead | required unless waves |
/// | `utility`, `unit`, `wave`, `waves`, `wave_years` | waves: the utility, person and wave columns, the waves and their times in years | required with waves |
/// | `cost_waves` | waves whose costs are summed | every wave after the first |
/// | `baseline_utility` | adjust for the utility at the first wave | `true` |
/// | `utility_minimum` | the tariff's lowest utility | `-0.594` (UK EQ-5D-3L) |
/// | `discount_rate_costs`, `discount_rate_effects` | annual discount rates (waves) | `0.035` |
/// | `draw` | draws: the draw column | required with draws |
/// | `strategies`, `comparator` | strategies in order; the comparator | the data's, sorted; the first |
/// | `covariates`, `factors`, `absorb`, `weights`, `cluster` | the net-benefit regression's adjustment, weights and clusters | none |
/// | `inference` | `classical`, `hc0`–`hc3`, `cr0`–`cr2` | `cr1` with `cluster`, else `hc1` |
/// | `bootstrap`, `replications`, `shrinkage` | also bootstrap the increments: `two-stage`, `clusters` or `individuals`; draws; D&H shrinkage (two-stage) | none, `2000`, `true` |
/// | `willingness_to_pay` | increasing λ values per unit of effect | 0 to 50,000 by 1,000 |
/// | `wellby_value` | value effects in life-satisfaction point-years as WELLBYs, £ per point-year | none (HM Treasury: 13,000 at 2019 prices) |
/// | `perspective`, `price_year` | stated in the report (CHEERS 2022) | not stated |
/// | `level` | confidence level | `0.95` |
public struct CostEffectivenessAnalysis: AnalysisMethod {
    public static let names = ["cost-effectiveness"]
    public static let summary = "costs and effects: ICERs with dominance, net-benefit regression, acceptability, EVPI"

    public enum InputKind: String, SettingChoice { case people, waves, draws, summary }

    public struct Keys: KeySet {
        let input = DefaultedKey<InputKind>("input", "people, waves, draws or summary", default: .people)
        let strategy = RequiredKey<String>("strategy", "strategy (arm) column", column: .any)
        let cost = RequiredKey<String>("cost", "cost column", column: .numeric)
        let effect = OptionalKey<String>("effect", "effect column (e.g. QALYs)", column: .numeric, default: "required unless input: waves")
        let utility = OptionalKey<String>("utility", "waves: utility column", column: .numeric)
        let unit = OptionalKey<String>("unit", "waves: person identifier column", column: .any)
        let wave = OptionalKey<String>("wave", "waves: wave column (numeric)", column: .numeric)
        let waves = OptionalKey<[Double]>("waves", "waves: the waves, in time order")
        let waveYears = OptionalKey<[Double]>("wave_years", "waves: each wave's time in years from the start")
        let costWaves = OptionalKey<[Double]>("cost_waves", "waves: the waves whose costs are summed", default: "every wave after the first")
        let baselineUtility = DefaultedKey<Bool>("baseline_utility", "waves: adjust for the utility at the first wave", default: true)
        let utilityMinimum = DefaultedKey<Double>("utility_minimum", "waves: the tariff's lowest utility (UK EQ-5D-3L: -0.594)", default: -0.594)
        let discountCosts = DefaultedKey<Double>("discount_rate_costs", "waves: annual discount rate of costs", default: 0.035)
        let discountEffects = DefaultedKey<Double>("discount_rate_effects", "waves: annual discount rate of effects", default: 0.035)
        let draw = OptionalKey<String>("draw", "draws: the draw column", column: .any)
        let strategies = OptionalKey<[String]>("strategies", "the strategies, in order", default: "the data's, sorted")
        let comparator = OptionalKey<String>("comparator", "the comparator strategy", default: "the first strategy")
        let covariates = CommonKeys.covariates
        let factors = CommonKeys.factors
        let absorb = DefaultedKey<[String]>("absorb", "factors absorbed as fixed effects", column: .any, default: [])
        let weights = OptionalKey<String>("weights", "analytic weights column", column: .numeric)
        let cluster = OptionalKey<String>("cluster", "cluster column", column: .any)
        let inference = InferenceName.key(
            "variance of the net-benefit regression", defaultText: "cr1 with cluster, else hc1",
            supported: [.classical, .hc0, .hc1, .hc2, .hc3, .cr0, .cr1, .cr2], method: "cost-effectiveness")
        let bootstrap = OptionalKey<ClusterResampling.Scheme>(
            "bootstrap", "also bootstrap the increments: two-stage (clusters, then persons), clusters, or individuals (ignores clusters)")
        let replications = DefaultedKey<Int>(
            "replications", "bootstrap draws", default: 2000, rule: { $0 >= 99 ? nil : "use at least 99 bootstrap draws" })
        let shrinkage = DefaultedKey<Bool>("shrinkage", "two-stage bootstrap: Davison & Hinkley's shrinkage correction", default: true)
        let willingnessToPay = OptionalKey<[Double]>("willingness_to_pay", "increasing λ values per unit of effect", default: "0 to 50000 by 1000")
        let wellbyValue = OptionalKey<Double>(
            "wellby_value",
            "value the effects (life-satisfaction point-years) as WELLBYs at this many pounds per point-year (HM Treasury: 13000 at 2019 prices)")
        let perspective = OptionalKey<String>("perspective", "the costing perspective, e.g. 'NHS and personal social services'")
        let priceYear = OptionalKey<Int>("price_year", "the price year of the costs")
        let level = CommonKeys.level
        public init() {}
    }

    public var specification: CostEffectiveness.Specification
    /// Config keys by the library's field names, to place data problems found by `check`.
    var keyNames: [CostEffectiveness.Field: String]

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        let input = try s(\.input)
        try Self.onlyWith(input, s)
        let effect = try s(input == .waves ? \.utility : \.effect)
        guard let effect else { throw s.issue(input == .waves ? "input: waves needs 'utility'" : "missing required key 'effect'") }
        specification = .init(strategy: try s(\.strategy), cost: try s(\.cost), effect: effect)
        keyNames = Self.keyNames(input)
        specification.input = try Self.input(input, s, keyNames: keyNames)
        specification.strategies = try s(\.strategies)
        specification.comparator = try s(\.comparator)
        specification.covariates = try s(\.covariates)
        specification.factors = try s(\.factors)
        specification.absorb = try s(\.absorb)
        specification.weights = try s(\.weights)
        specification.cluster = try s(\.cluster)
        let inference = try s(\.inference) ?? (specification.cluster == nil ? .hc1 : .cr1)
        specification.variance = inference.varianceEstimator ?? .hc1
        if inference.isClustered && specification.cluster == nil { throw s.issue(\.inference, "'\(inference.rawValue)' needs 'cluster'") }
        if let w = try s(\.willingnessToPay) { specification.willingnessToPay = w }
        if let scheme = try s(\.bootstrap) {
            var settings = NetBenefitBootstrap.Settings(scheme: scheme)
            settings.draws = try s(\.replications)
            settings.shrinkage = try s(\.shrinkage)
            if s.has(\.shrinkage) && scheme != .twoStage { throw s.issue(\.shrinkage, "'shrinkage' applies to bootstrap: two-stage") }
            if scheme != .individuals && specification.cluster == nil {
                throw s.issue(\.bootstrap, "bootstrap: \(scheme.rawValue) resamples clusters; set 'cluster'")
            }
            specification.bootstrap = settings
        } else if let key = [("replications", s.has(\.replications)), ("shrinkage", s.has(\.shrinkage))].first(where: \.1)?.0 {
            throw s.issue("'\(key)' applies to the bootstrap; set 'bootstrap' (two-stage, clusters or individuals)")
        }
        specification.costDiscountRate = try s(\.discountCosts)
        specification.effectDiscountRate = try s(\.discountEffects)
        specification.wellbyValue = try s(\.wellbyValue)
        specification.perspective = try s(\.perspective)
        specification.priceYear = try s(\.priceYear)
        specification.level = try s(\.level)
        do { try CostEffectiveness.checkSettings(specification) } catch { throw Self.issue(error, s, keyNames: keyNames) }
    }

    /// The config key of each input the library's errors name (with `input: waves`, the effect is `utility`).
    static func keyNames(_ kind: InputKind) -> [CostEffectiveness.Field: String] {
        [
            .strategy: "strategy", .strategies: "strategies", .comparator: "comparator", .cost: "cost", .effect: kind == .waves ? "utility" : "effect",
            .utility: "utility", .unit: "unit", .wave: "wave", .waves: "waves", .waveYears: "wave_years", .costWaves: "cost_waves", .draw: "draw",
            .cluster: "cluster", .weights: "weights", .covariates: "covariates", .willingnessToPay: "willingness_to_pay",
            .costDiscountRate: "discount_rate_costs", .effectDiscountRate: "discount_rate_effects", .utilityMinimum: "utility_minimum",
            .wellbyValue: "wellby_value", .level: "level"
        ]
    }

    /// A library error about the settings, located at the key of the input it names.
    static func issue(_ error: EconomicEvaluationError, _ s: SettingsReader<Keys>, keyNames: [CostEffectiveness.Field: String]) -> DecodingIssue {
        error.field.flatMap { keyNames[$0] }.map { s.issue(named: $0, error.description) } ?? s.issue(error.description)
    }

    /// The library's input, reading the keys of `kind`.
    static func input(_ kind: InputKind, _ s: SettingsReader<Keys>, keyNames: [CostEffectiveness.Field: String]) throws -> CostEffectiveness.Input {
        switch kind {
        case .people: return .people
        case .summary: return .summary
        case .draws:
            guard let draw = try s(\.draw) else { throw s.issue("input: draws needs 'draw' (the column numbering the draws)") }
            return .draws(draw: draw)
        case .waves:
            guard let unit = try s(\.unit), let wave = try s(\.wave), let waves = try s(\.waves), let years = try s(\.waveYears) else {
                throw s.issue("input: waves needs 'unit', 'wave', 'waves' and 'wave_years'")
            }
            var w = CostEffectiveness.Waves(unit: unit, wave: wave, waves: waves, years: years)
            w.costWaves = try s(\.costWaves)
            w.adjustForBaselineUtility = try s(\.baselineUtility)
            w.utilityMinimum = try s(\.utilityMinimum)
            do { _ = try CostEffectiveness.checkWaves(w) } catch { throw issue(error, s, keyNames: keyNames) }
            return .waves(w)
        }
    }

    /// Keys that belong to another kind of input are refused rather than ignored.
    static func onlyWith(_ kind: InputKind, _ s: SettingsReader<Keys>) throws {
        let waveKeys: [(String, Bool)] = [
            ("utility", s.has(\.utility)), ("unit", s.has(\.unit)), ("wave", s.has(\.wave)), ("waves", s.has(\.waves)),
            ("wave_years", s.has(\.waveYears)), ("cost_waves", s.has(\.costWaves)), ("baseline_utility", s.has(\.baselineUtility)),
            ("utility_minimum", s.has(\.utilityMinimum)), ("discount_rate_costs", s.has(\.discountCosts)),
            ("discount_rate_effects", s.has(\.discountEffects))
        ]
        let regressionKeys: [(String, Bool)] = [
            ("covariates", s.has(\.covariates)), ("factors", s.has(\.factors)), ("absorb", s.has(\.absorb)), ("weights", s.has(\.weights)),
            ("cluster", s.has(\.cluster)), ("inference", s.has(\.inference)), ("bootstrap", s.has(\.bootstrap))
        ]
        var refused: [(String, Bool)] = []
        if kind != .waves { refused += waveKeys }
        if kind == .waves && s.has(\.effect) { refused.append(("effect", true)) }
        if kind != .draws && s.has(\.draw) { refused.append(("draw", true)) }
        if kind == .draws || kind == .summary { refused += regressionKeys }
        if let (key, _) = refused.first(where: \.1) {
            throw s.issue("'\(key)' does not apply to input: \(kind.rawValue)")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        let draws = specification.bootstrap.map {
            DataChecks.drawMemory(
                key: "replications", count: $0.draws, bytesPerDraw: 16 * Double(specification.willingnessToPay.count + 8), what: "bootstrap draws")
        }
        do { try CostEffectiveness.validate(specification, table: data.table) } catch {
            return [SettingIssue(key: error.field.flatMap { keyNames[$0] } ?? "data", message: error.description)] + (draws ?? [])
        }
        return draws ?? []
    }

    public func run(_ context: RunContext) throws -> MethodOutput<CostEffectiveness.Result> {
        var spec = specification
        spec.bootstrap?.seed = context.seed
        spec.bootstrap?.threads = context.threads
        let result = try CostEffectiveness.estimate(spec, table: context.data.table)
        return CostEffectivenessPresenter.output(result, name: context.analysis.name)
    }
}
