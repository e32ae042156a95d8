import EstimationCore
import Regression
import Reporting

/// `method: quantile`: linear quantile regression at one or several quantiles (`QuantileModel`), with
/// statsmodels' kernel-sandwich standard errors or a (cluster) bootstrap.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `formula` or `outcome`, `covariates`, `factors`, `reference`, `intercept` | the model (`ModelKeys`; no absorbed factors) | required |
/// | `quantiles` | the quantiles, each strictly between 0 and 1 | `[0.5]` |
/// | `cluster` | the bootstrap's resampling unit | none (observations) |
/// | `inference` | `hall-sheather` (statsmodels' default) or `bootstrap` | `hall-sheather` |
/// | `replications` | bootstrap draws | `500` |
/// | `level` | confidence level | `0.95` |
public struct QuantileAnalysis: AnalysisMethod {
    public static let names = ["quantile"]
    public static let summary = "quantile regression at several quantiles; Hall–Sheather SEs or a cluster bootstrap"

    public struct Keys: KeySet {
        let model = ModelKeys()
        let quantiles = DefaultedKey<[Double]>(
            "quantiles", "the quantiles fitted, e.g. [0.1, 0.5, 0.9]", default: [0.5],
            rule: { q in q.isEmpty ? "list at least one quantile" : q.first { !($0 > 0 && $0 < 1) }.map { "\($0) is not strictly between 0 and 1" } })
        let cluster = OptionalKey<String>("cluster", "cluster column: the bootstrap resamples whole clusters", column: .any)
        let inference = InferenceName.key(
            "hall-sheather (kernel sandwich, statsmodels' default) or bootstrap (pairs; clusters with 'cluster')", default: .hallSheather,
            supported: [.hallSheather, .bootstrap], method: "quantile")
        let replications = DefaultedKey<Int>("replications", "bootstrap draws", default: 500, rule: { $0 >= 50 ? nil : "use at least 50 bootstrap draws" })
        let level = CommonKeys.level
        public init() {}
    }

    /// The library specification, seed and threads filled in at run time.
    public var specification: QuantileModel.Specification

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        var model = try s.model(\.model, treatment: nil, absorb: nil, method: name).specification(treatment: nil)
        let cluster = try s(\.cluster)
        model.clusters = cluster.map { [$0] } ?? []
        specification = QuantileModel.Specification(model: model, quantiles: try s(\.quantiles))
        specification.inference = try s(\.inference) == .bootstrap ? .bootstrap : .hallSheather
        specification.replications = try s(\.replications)
        specification.level = try s(\.level)
        if cluster != nil && specification.inference != .bootstrap {
            throw s.issue(\.cluster, "clusters are used by 'inference: bootstrap'; the Hall–Sheather sandwich assumes independent observations")
        }
        if s.has(\.replications) && specification.inference != .bootstrap { throw s.issue(\.replications, "'replications' applies to 'inference: bootstrap'") }
    }

    public func check(_ data: LoadedData) -> [SettingIssue] {
        DataChecks.factorLevels(data, factors: specification.model.factors, usedColumns: specification.model.columnsUsed, key: "factors")
            + DataChecks.referenceLevels(data, specification.model.referenceLevels, key: "reference")
            + (specification.model.cluster.map { DataChecks.clusters(data, columns: [$0], key: "cluster") } ?? [])
            + (specification.inference == .bootstrap
                ? DataChecks.drawMemory(
                    key: "replications", count: specification.replications, bytesPerDraw: 8 * Double(specification.model.terms.count + 8),
                    what: "bootstrap draws") : [])
    }

    public func run(_ context: RunContext) throws -> MethodOutput<QuantileModel.Result> {
        var spec = specification
        spec.seed = context.seed
        spec.threads = context.threads
        let result = try QuantileModel.estimate(spec, table: context.data.table)
        return QuantilePresenter.output(result, name: context.analysis.name)
    }
}
