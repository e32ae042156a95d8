import EstimationCore
import Regression
import Tabular

extension WildClusterBootstrap.Weights: SettingChoice {}
extension Absorption.Counting: SettingChoice {}

/// `method: ols` / `method: wls`: linear regression with absorbed fixed effects and classical,
/// robust, cluster-robust (CR0/CR1, multiway; CR2 with Satterthwaite df) and wild-cluster-bootstrap inference.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `outcome` | outcome column | required |
/// | `treatment` | treatment column (entered first; highlighted in the report) | none |
/// | `covariates` | numeric covariates | `[]` |
/// | `factors` | categorical covariates (treatment contrasts) | `[]` |
/// | `reference` | reference level per factor | first sorted level |
/// | `intercept` | include an intercept | `true` |
/// | `absorb` | factors absorbed as fixed effects (fixest's `| a + b`) | `[]` |
/// | `drop_singletons` | drop observations alone in a level of an absorbed factor | `true` |
/// | `write_fixed_effects` | write the absorbed fixed effects' estimates (fixest's `fixef()` normalisation) to `fixed_effects.csv` | `false` |
/// | `small_sample` | fixed effects counted in CR1's (n − 1)/(n − K): `fixest` (nested ones left out), `xtreg` (the same, one factor) or `areg` (all) | `fixest` |
/// | `weights` | analytic weights column (required for `wls`) | none |
/// | `cluster` | cluster column, or several for multiway clustering | none |
/// | `inference` | any of `classical`, `hc0`–`hc3`, `cr0`, `cr1`, `cr2`, `wild` | `[cr1]` with a cluster or absorbed factors (clustered by the first, as pyfixest), else `[classical, hc1]` |
/// | `wald` | coefficients tested jointly zero by the HTZ test (CR2) | none |
/// | `bootstrap_weights` | `rademacher`, `webb` or `mammen` for `wild` | `rademacher` |
/// | `replications` | wild bootstrap draws (all 2^G sign vectors when 2^G ≤ this, with Rademacher) | `9999` |
/// | `impose_null` | wild bootstrap with the null imposed (WCR) or not (WCU) | `true` |
/// | `level` | confidence level | `0.95` |
public struct RegressionAnalysis: AnalysisMethod {
    public static let names = ["ols", "wls"]
    public static let summary = "linear regression, absorbed FE; HC, CR1/CR2, wild bootstrap"

    public struct Keys: KeySet {
        let model = ModelKeys()
        let treatment = OptionalKey<String>("treatment", "treatment column, entered first and highlighted", column: .numeric)
        let absorb = DefaultedKey<[String]>("absorb", "factors absorbed as fixed effects", column: .any, default: [])
        let dropSingletons = DefaultedKey<Bool>("drop_singletons", "drop observations alone in a level of an absorbed factor", default: true)
        let fixedEffects = DefaultedKey<Bool>("write_fixed_effects", "write the absorbed fixed effects' estimates to fixed_effects.csv", default: false)
        let smallSample = DefaultedKey<Absorption.Counting>(
            "small_sample", "fixed effects counted in CR1's small-sample factor: fixest (nested left out), xtreg or areg", default: .fixest)
        let weights = OptionalKey<String>("weights", "analytic weights column (required for wls)", column: .numeric)
        let cluster = DefaultedKey<[String]>("cluster", "cluster column(s); several for multiway clustering", column: .any, default: [])
        let inference = InferenceName.listKey(
            "variance estimators, each reported", defaultText: "[cr1] with a cluster or absorbed factors (clustered by the first), else [classical, hc1]",
            supported: [.classical, .hc0, .hc1, .hc2, .hc3, .cr0, .cr1, .cr2, .wild], method: "ols/wls")
        let wald = DefaultedKey<[String]>("wald", "coefficients tested jointly zero (HTZ test with CR2)", default: [])
        let bootstrapWeights = DefaultedKey<WildClusterBootstrap.Weights>("bootstrap_weights", "wild bootstrap multipliers", default: .rademacher)
        let replications = DefaultedKey<Int>(
            "replications", "wild bootstrap draws", default: 9999, rule: { $0 >= 99 ? nil : "use at least 99 bootstrap draws" })
        let imposeNull = DefaultedKey<Bool>("impose_null", "wild bootstrap with the null imposed (WCR) or not (WCU)", default: true)
        let level = CommonKeys.level
        public init() {}
    }

    /// The model's terms as the config gives them (`formula`, or the separate keys).
    public var model: ModelTerms
    public var treatment: String?
    public var outcome: String { model.outcome }
    /// The right-hand side as written in `formula`, when one is given.
    public var formulaTerms: [ModelTerm]? { model.formulaTerms }
    public var covariates: [String] { model.covariates }
    public var factors: [String] { model.factors }
    public var reference: [String: String] { model.reference }
    public var intercept: Bool { model.intercept }
    public var absorb: [String] { model.absorb }
    public var dropSingletons: Bool
    public var writeFixedEffects: Bool
    public var smallSample: Absorption.Counting
    public var weights: String?
    public var cluster: [String]
    public var inference: [VarianceEstimator]
    public var wild: Bool
    public var wald: [String]
    public var bootstrap: WildClusterBootstrap.Specification
    public var level: Double
    /// The absorbed factor the standard errors are clustered by when no `cluster` was given.
    public var clusteredByAbsorbedFactor: String?

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        treatment = try s(\.treatment)
        model = try s.model(\.model, treatment: \.treatment, absorb: \.absorb, method: name)
        dropSingletons = try s(\.dropSingletons)
        writeFixedEffects = try s(\.fixedEffects)
        if writeFixedEffects && model.absorb.isEmpty { throw s.issue(\.fixedEffects, "there are no absorbed fixed effects ('absorb') to write") }
        smallSample = try s(\.smallSample)
        weights = try s(\.weights)
        cluster = try s(\.cluster)
        level = try s(\.level)
        wald = try s(\.wald)
        bootstrap = .init(replications: try s(\.replications))
        bootstrap.weights = try s(\.bootstrapWeights)
        bootstrap.imposeNull = try s(\.imposeNull)
        bootstrap.level = level
        if name == "wls" && weights == nil { throw s.issue("method 'wls' needs a 'weights' column") }
        let given = try s(\.inference)
        // With absorbed factors and no cluster column, clustered inference (asked for, or by default)
        // clusters by the first absorbed factor, as pyfixest and fixest before 1.0 do by default.
        if cluster.isEmpty, let first = model.absorb.first, given?.contains(where: \.isClustered) ?? true {
            cluster = [first]
            clusteredByAbsorbedFactor = first
        }
        let names = given ?? (cluster.isEmpty ? [.classical, .hc1] : [.cr1])
        if let clustered = names.first(where: \.isClustered), cluster.isEmpty {
            throw s.issue(\.inference, "'\(clustered.rawValue)' needs a 'cluster' column")
        }
        if cluster.count > 1, let oneWay = names.first(where: { $0 == .cr2 || $0 == .wild }) {
            throw s.issue(\.inference, "'\(oneWay.rawValue)' clusters by one column; 'cluster' lists \(cluster.count)")
        }
        if !wald.isEmpty && cluster.count != 1 { throw s.issue(\.wald, "the HTZ test needs one 'cluster' column") }
        inference = names.compactMap(\.varianceEstimator)
        wild = names.contains(.wild)
        for factor in model.reference.keys.sorted() where !model.factors.contains(factor) {
            throw s.issue(\.model.reference, "'\(factor)' has a reference level but is not listed in 'factors'")
        }
        if smallSample == .xtreg && model.absorb.count != 1 {
            throw s.issue(\.smallSample, "Stata's xtreg absorbs one panel factor; 'absorb' lists \(model.absorb.count). Use 'fixest' or 'areg'")
        }
        if let both = model.absorb.first(where: { model.factors.contains($0) }) {
            throw s.issue(\.absorb, "'\(both)' is both absorbed and listed in 'factors'; keep one")
        }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        waldTerms(data)
            + DataChecks.factorLevels(data, factors: factors, usedColumns: specification.columnsUsed, key: "factors")
            + DataChecks.referenceLevels(data, reference, key: "reference")
            + (weights.map { DataChecks.weights(data, column: $0, key: "weights") } ?? [])
            + (inference.contains { $0.isClustered } || wild ? DataChecks.clusters(data, columns: cluster, key: "cluster") : [])
            // The wild bootstrap keeps five numbers and a flag per draw, for one coefficient at a time.
            + (wild ? DataChecks.drawMemory(key: "replications", count: bootstrap.replications, bytesPerDraw: 48, what: "wild bootstrap draws") : [])
    }

    /// Every coefficient named in `wald` must be one of the model's (the design is built, not fitted).
    func waldTerms(_ data: LoadedData) -> [SettingIssue] {
        guard !wald.isEmpty, let names = try? DesignMatrix(specification, table: data.table).columnNames else { return [] }
        return wald.enumerated().compactMap { i, term in
            guard !names.contains(term) else { return nil }
            let suggestion = closestMatch(to: term, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            return SettingIssue(
                key: "wald[\(i)]", message: "'\(term)' is not a coefficient of the model\(suggestion); its coefficients: \(names.joined(separator: ", "))")
        }
    }

    /// The library specification this config describes.
    public var specification: ModelSpecification {
        var spec = model.specification(treatment: treatment)
        spec.weights = weights
        spec.clusters = cluster
        spec.dropSingletons = dropSingletons
        spec.fixedEffectCounting = smallSample
        return spec
    }

    public func run(_ context: RunContext) throws -> MethodOutput<RegressionResult> {
        var spec = LinearRegression.Specification(model: specification)
        spec.treatment = treatment
        spec.inference = inference
        spec.wildBootstrap = wild ? bootstrap : nil
        spec.wald = wald
        spec.fixedEffectEstimates = writeFixedEffects
        spec.clusteredByAbsorbedFactor = clusteredByAbsorbedFactor
        (spec.level, spec.seed, spec.threads) = (level, context.seed, context.threads)
        return RegressionPresenter.output(try LinearRegression.estimate(spec, table: context.data.table), name: context.analysis.name)
    }
}

/// The `results.json` entry of a regression analysis.
public typealias RegressionResult = LinearRegression.Result
