import EstimationCore
import Plotting
import Regression
import Reporting

/// `method: ols` / `method: wls`: linear regression with classical, robust and cluster-robust inference.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `outcome` | outcome column | required |
/// | `treatment` | treatment column (entered first; highlighted in the report) | none |
/// | `covariates` | numeric covariates | `[]` |
/// | `factors` | categorical covariates (treatment contrasts) | `[]` |
/// | `reference` | reference level per factor | first sorted level |
/// | `intercept` | include an intercept | `true` |
/// | `weights` | analytic weights column (required for `wls`) | none |
/// | `cluster` | cluster identifier column | none |
/// | `inference` | any of `classical`, `hc0`–`hc3`, `cr0`, `cr1` | `[cr1]` with a cluster, else `[classical, hc1]` |
/// | `level` | confidence level | `0.95` |
public struct RegressionAnalysis: AnalysisMethod {
    public static let names = ["ols", "wls"]
    public static let summary = "linear regression; classical, HC0–HC3, CR0/CR1"

    public struct Keys: KeySet {
        let outcome = CommonKeys.outcome
        let treatment = OptionalKey<String>("treatment", "treatment column, entered first and highlighted", column: .numeric)
        let covariates = CommonKeys.covariates
        let factors = CommonKeys.factors
        let reference = DefaultedKey<[String: String]>("reference", "reference level per factor, e.g. {region: London}", default: [:])
        let intercept = DefaultedKey<Bool>("intercept", "include an intercept", default: true)
        let weights = OptionalKey<String>("weights", "analytic weights column (required for wls)", column: .numeric)
        let cluster = OptionalKey<String>("cluster", "cluster identifier column", column: .any)
        let inference = OptionalKey<[InferenceName]>(
            "inference", "variance estimators, each reported",
            default: "[cr1] with a cluster, else [classical, hc1]",
            rule: InferenceName.supported([.classical, .hc0, .hc1, .hc2, .hc3, .cr0, .cr1], method: "ols/wls"))
        let level = CommonKeys.level
        public init() {}
    }

    public var outcome: String
    public var treatment: String?
    public var covariates: [String]
    public var factors: [String]
    public var reference: [String: String]
    public var intercept: Bool
    public var weights: String?
    public var cluster: String?
    public var inference: [VarianceEstimator]
    public var level: Double

    public init(_ s: SettingsReader<Keys>, name: String) throws {
        outcome = try s(\.outcome)
        treatment = try s(\.treatment)
        covariates = try s(\.covariates)
        factors = try s(\.factors)
        reference = try s(\.reference)
        intercept = try s(\.intercept)
        weights = try s(\.weights)
        cluster = try s(\.cluster)
        level = try s(\.level)
        if name == "wls" && weights == nil { throw s.issue("method 'wls' needs a 'weights' column") }
        let names = try s(\.inference) ?? (cluster == nil ? [.classical, .hc1] : [.cr1])
        if let clustered = names.first(where: \.isClustered), cluster == nil {
            throw s.issue(\.inference, "'\(clustered.rawValue)' needs a 'cluster' column")
        }
        inference = names.compactMap(\.varianceEstimator)
        for factor in reference.keys.sorted() where !factors.contains(factor) {
            throw s.issue(\.reference, "'\(factor)' has a reference level but is not listed in 'factors'")
        }
    }

    /// The library specification this config describes.
    public var specification: ModelSpecification {
        ModelSpecification(
            outcome: outcome, covariates: (treatment.map { [$0] } ?? []) + covariates,
            factors: factors, referenceLevels: reference, intercept: intercept,
            weights: weights, cluster: cluster)
    }

    public func run(_ context: RunContext) throws -> MethodOutput<RegressionResult> {
        let fit = try LinearModel.fit(specification, table: context.data.table)
        let ordered = try inference.map { try fit.coefficientTable($0, level: level) }
        let tables = Dictionary(zip(inference.map(\.rawValue), ordered), uniquingKeysWith: { first, _ in first })
        let result = RegressionResult(
            outcome: outcome, treatment: treatment, observations: fit.observations, droppedRows: fit.droppedRows,
            parameters: fit.parameterCount, residualDegreesOfFreedom: fit.residualDegreesOfFreedom,
            rSquared: fit.rSquared, adjustedRSquared: fit.adjustedRSquared, sigma: fit.sigma,
            weighted: weights != nil, clusters: fit.clusterLabels?.count, coefficients: tables)
        return MethodOutput(
            result: result, blocks: report(result, tables: ordered, name: context.analysis.name),
            attachments: [coefficientsCSV(ordered)])
    }

    func coefficientsCSV(_ tables: [CoefficientTable]) -> ReportTable {
        ReportTable(
            fileName: "coefficients.csv",
            headers: ["term", "variance", "estimate", "std_error", "t", "p_value", "ci_lower", "ci_upper"],
            rows: tables.flatMap { t in
                t.rows.map { r in
                    [
                        .text(r.term ?? ""), .text(t.estimator.rawValue), .number(r.estimate), .number(r.standardError),
                        .number(r.statistic), .pValue(r.pValue), .number(r.lower), .number(r.upper)
                    ]
                }
            })
    }

    func report(_ r: RegressionResult, tables: [CoefficientTable], name: String) -> [ReportBlock] {
        var intro: ReportText = weights.map { "WLS (weights \(code: $0))" } ?? "OLS"
        intro += " of \(code: r.outcome) on \(r.parameters) coefficient(s); \(r.observations) observations"
        if r.droppedRows > 0 { intro += " (\(r.droppedRows) row(s) dropped for missing values or zero weight)" }
        intro += ". R² = \(number: r.rSquared), adjusted R² = \(number: r.adjustedRSquared), σ̂ = \(number: r.sigma)."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let t = treatment {
            blocks.append(
                .bullets(
                    tables.compactMap { table in
                        table[t].map { "\(strong: t) (\(table.estimator.rawValue)): " + ReportText.estimate($0, strong: false, method: false) }
                    }))
        }
        for table in tables {
            let reference = table.degreesOfFreedom.map { "t with \(Int($0)) df" } ?? "a normal reference"
            let df = table.clusterCount.map { "\(reference) (\($0) clusters)" } ?? reference
            blocks.append(
                .table(
                    ReportTable(
                        caption: "Standard errors: \(strong: table.estimator.rawValue); tests use \(df).",
                        columns: [
                            .init("term", .left), .init("estimate"), .init("std. error"), .init("t"), .init("p"),
                            .init("\(ConfidenceLevel.percent(level)) CI", .left)
                        ],
                        rows: table.rows.map {
                            [
                                .text($0.term ?? ""), .number($0.estimate), .number($0.standardError), .number($0.statistic),
                                .pValue($0.pValue), .interval($0.lower, $0.upper)
                            ]
                        })))
        }
        if let main = tables.first {
            let shown = main.rows.filter { $0.term != "(Intercept)" }
            var chart = DotChart(
                title: "\(name): coefficients (\(main.estimator.rawValue.uppercased()), \(ConfidenceLevel.percent(level)) CI)",
                xLabel: "estimate", categories: shown.map { $0.term ?? "" })
            chart.markers = [
                DotChart.Marker(
                    name: "estimate", values: shown.map(\.estimate),
                    low: shown.map { $0.lower ?? $0.estimate }, high: shown.map { $0.upper ?? $0.estimate },
                    color: Palette.color(0))
            ]
            blocks.append(.figure(ReportFigure(fileName: "coefficients.svg", caption: "Coefficients with confidence intervals", svg: chart.render())))
        }
        return blocks
    }
}

/// The `results.json` entry of a regression analysis.
public struct RegressionResult: Encodable, Sendable {
    public let outcome: String
    public let treatment: String?
    public let observations: Int
    public let droppedRows: Int
    public let parameters: Int
    public let residualDegreesOfFreedom: Int
    public let rSquared: Double
    public let adjustedRSquared: Double
    public let sigma: Double
    public let weighted: Bool
    public let clusters: Int?
    /// One coefficient table per requested variance estimator, keyed by its name.
    public let coefficients: [String: CoefficientTable]
}
