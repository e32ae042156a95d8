import EstimationCore
import Plotting
import Regression
import Reporting
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
/// | `fixed_effects` | write the absorbed fixed effects' estimates (fixest's `fixef()` normalisation) to `fixed_effects.csv` | `false` |
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
        let fixedEffects = DefaultedKey<Bool>("fixed_effects", "write the absorbed fixed effects' estimates to fixed_effects.csv", default: false)
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
        let design = try DesignMatrix(specification, table: context.data.table)
        let fit = try LinearModel.fit(design, counting: smallSample)
        var attachments: [ReportTable] = []
        if writeFixedEffects {
            let effects = try design.fixedEffectEstimates(fit)
            attachments.append(
                ReportTable(
                    fileName: "fixed_effects.csv", headers: ["factor", "level", "estimate"],
                    rows: effects.flatMap { e in zip(e.levels, e.estimates).map { [.text(e.factor), .text($0), .number($1)] } }))
        }
        let ordered = try inference.map { try fit.coefficientTable($0, level: level) }
        let tables = Dictionary(zip(inference.map(\.rawValue), ordered), uniquingKeysWith: { first, _ in first })
        var spec = bootstrap
        spec.seed = context.seed
        spec.threads = context.threads
        let bootstrapped = wild ? try fit.names.filter { $0 != "(Intercept)" }.map { try fit.wildClusterBootstrap($0, spec) } : []
        let waldTest = wald.isEmpty ? nil : try fit.waldTest(zero: wald)
        let result = RegressionResult(
            outcome: outcome, treatment: treatment, observations: fit.observations, droppedRows: fit.droppedRows,
            parameters: fit.parameterCount, residualDegreesOfFreedom: fit.residualDegreesOfFreedom,
            rSquared: fit.rSquared, withinRSquared: fit.absorption == nil ? nil : fit.withinRSquared,
            adjustedRSquared: fit.adjustedRSquared, sigma: fit.sigma,
            weighted: weights != nil, weights: weights, clusterColumns: cluster,
            clusters: ordered.first(where: { $0.clusterCount != nil })?.clusterCount ?? fit.clusterLabels?.count,
            absorbed: fit.absorption.map { AbsorbedEffects($0) }, clusteredByAbsorbedFactor: clusteredByAbsorbedFactor, coefficients: tables,
            wildBootstrap: bootstrapped.isEmpty ? nil : bootstrapped, waldTest: waldTest, inferenceOrder: inference.map(\.rawValue))
        return MethodOutput(
            result: result, blocks: report(result, tables: ordered, bootstrap: bootstrapped, name: context.analysis.name),
            attachments: [coefficientsCSV(ordered, bootstrap: bootstrapped)] + attachments, warnings: warnings(fit, result),
            // The treatment's coefficient under each requested inference, then the wild bootstrap's.
            keyEstimates: treatment.map { t in
                ordered.compactMap { table in table[t].map { KeyEstimate("coefficient of \(t) (\(table.estimator.rawValue))", $0) } }
                    + bootstrapped.filter { $0.effect.term == t }.map { KeyEstimate("coefficient of \(t) (wild bootstrap)", $0.effect) }
            } ?? [])
    }

    /// Few clusters, and coefficients of factors nested in the cluster column (their cluster-robust SEs are degenerate).
    func warnings(_ fit: LinearFit, _ r: RegressionResult) -> [String] {
        // The bootstrap's own warnings, each distinct one once (most are the same for every coefficient).
        var bootstrapWarnings: [WildClusterBootstrap.Warning] = []
        for w in (r.wildBootstrap ?? []).flatMap(\.warnings) where !bootstrapWarnings.contains(w) { bootstrapWarnings.append(w) }
        var out = bootstrapWarnings.map(\.message)
        let clustered = inference.contains { $0 == .cr0 || $0 == .cr1 }
        if clustered, let g = r.clusters, g < 42 {
            out.append(
                "Only \(g) clusters: CR1 tests can reject a true null far more often than their level with fewer than about 42 clusters; "
                    + "compare `inference: [cr2]` (Satterthwaite df) or `[wild]` (wild cluster bootstrap).")
        }
        if clustered || inference.contains(.cr2), let codes = fit.clusters {
            for f in factors {
                let dummies = fit.names.indices.filter { fit.names[$0].hasPrefix("\(f)[T.") }
                // A dummy is degenerate when it is constant within every cluster and nonzero in only one.
                let nested = dummies.filter { j in
                    var owner: Int? = nil
                    for i in 0..<fit.observations where fit.x[i, j] != 0 {
                        if owner == nil { owner = codes[i] } else if owner != codes[i] { return false }
                    }
                    return true
                }
                if !nested.isEmpty {
                    out.append(
                        "The factor '\(f)' is nested in the cluster column: its \(nested.count) coefficient(s) each rest on one cluster, "
                            + "so their cluster-robust standard errors are degenerate (near zero) and their tests meaningless. Absorb it instead (`absorb: [\(f)]`)."
                    )
                }
            }
        }
        return out
    }

    func coefficientsCSV(_ tables: [CoefficientTable], bootstrap: [WildClusterBootstrap.Result]) -> ReportTable {
        let rows: [[ReportTable.Cell]] = tables.flatMap { t in
            t.rows.map { r in
                [.text(r.term ?? ""), .text(t.estimator.rawValue)] + CoefficientPresenter.csvCells(r)
            }
        }
        let wildRows: [[ReportTable.Cell]] = bootstrap.map { b in
            let r = b.effect
            return [
                .text(r.term ?? ""), .text("wild"), .number(r.estimate), .number(r.standardError), .empty, .number(r.statistic),
                .pValue(r.pValue), .number(b.unboundedBelow ? -.infinity : r.lower), .number(b.unboundedAbove ? .infinity : r.upper)
            ]
        }
        return ReportTable(
            fileName: "coefficients.csv",
            headers: ["term", "variance"] + CoefficientPresenter.csvHeaders,
            rows: rows + wildRows)
    }

    func report(_ r: RegressionResult, tables: [CoefficientTable], bootstrap: [WildClusterBootstrap.Result], name: String) -> [ReportBlock] {
        var intro: ReportText = weights.map { "WLS (weights \(code: $0))" } ?? "OLS"
        intro += " of \(code: r.outcome) on \(r.parameters) coefficient(s)"
        if let a = r.absorbed {
            let parts: [ReportText] = a.factors.map { "\(code: $0.name) (\($0.levels) levels)" }
            intro += " with absorbed fixed effects for " + ReportText.joined(parts)
        }
        intro += "; \(r.observations) observations"
        if r.droppedRows > 0 { intro += " (\(r.droppedRows) row(s) dropped for missing values, zero weight or singletons)" }
        intro += ". R² = \(number: r.rSquared)"
        if let within = r.withinRSquared { intro += ", within R² = \(number: within)" }
        intro += ", adjusted R² = \(number: r.adjustedRSquared), σ̂ = \(number: r.sigma)."
        var blocks: [ReportBlock] = [.paragraph(intro)]
        if let f = r.clusteredByAbsorbedFactor {
            blocks.append(
                .note(
                    "Standard errors are clustered by \(code: f), the first absorbed factor, since no `cluster` was given (the default of pyfixest and of fixest before 1.0; fixest 1.0 reports iid errors). Give `cluster` or `inference` to choose."
                ))
        }
        if let a = r.absorbed, a.singletons > 0 {
            blocks.append(.note("\(a.singletons) observation(s) alone in a level of an absorbed factor were dropped (they are fitted exactly)."))
        }
        if let t = treatment {
            var lines: [ReportText] = tables.compactMap { table in
                table[t].map { "\(strong: t) (\(table.estimator.rawValue)): " + ReportText.estimate($0, strong: false, method: false) }
            }
            lines += bootstrap.filter { $0.effect.term == t }.map {
                "\(strong: t) (wild bootstrap): " + ReportText.estimate($0.effect, strong: false, method: false)
            }
            blocks.append(.bullets(lines))
        }
        for table in tables {
            let reference: String
            switch table.rows.first?.inference.df {
            case .satterthwaite?: reference = "t with Satterthwaite df (per coefficient)"
            default: reference = table.degreesOfFreedom.map { "t with \(ReportFormat.period($0)) df" } ?? "a normal reference"
            }
            let clusters =
                cluster.count > 1
                ? "clustered by \(cluster.joined(separator: " and ")), fewest clusters \(table.clusterCount ?? 0)" : "\(table.clusterCount ?? 0) clusters"
            let df = table.clusterCount == nil ? reference : "\(reference) (\(clusters))"
            blocks.append(
                .table(CoefficientPresenter.table(table.rows, caption: "Standard errors: \(strong: table.estimator.rawValue); tests use \(df).", level: level)))
        }
        if let first = bootstrap.first {
            let kind = first.imposeNull ? "restricted (WCR, null imposed)" : "unrestricted (WCU)"
            let draws = first.fullEnumeration ? "all \(first.draws) sign vectors (full enumeration)" : "\(first.draws) draws"
            blocks.append(
                .table(
                    ReportTable(
                        caption:
                            "Wild cluster bootstrap, \(kind), \(first.weights.rawValue) weights, \(draws), \(first.clusters) clusters: t is the CR1 t; p and the interval come from the bootstrap (the interval by test inversion).",
                        columns: [
                            .init("term", .left), .init("estimate"), .init("t (CR1)"), .init("bootstrap p"),
                            .init("\(ConfidenceLevel.percent(level)) CI", .left)
                        ],
                        rows: bootstrap.map { b -> [ReportTable.Cell] in
                            let e = b.effect
                            return [
                                .text(e.term ?? ""), .number(e.estimate), .number(e.statistic), .pValue(e.pValue),
                                .interval(b.unboundedBelow ? -.infinity : e.lower, b.unboundedAbove ? .infinity : e.upper)
                            ]
                        })))
        }
        if let w = r.waldTest {
            let terms: [ReportText] = wald.map { "\(code: $0)" }
            var text: ReportText = "HTZ Wald test (CR2) that " + ReportText.joined(terms)
            text +=
                " are all zero: F = \(number: w.statistic) on \(Int(w.numeratorDegreesOfFreedom)) and \(number: w.denominatorDegreesOfFreedom) df, \(pClause: w.pValue)."
            blocks.append(.paragraph(text))
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

/// The absorbed fixed effects of a fit, for `results.json`.
public struct AbsorbedEffects: Encodable, Sendable {
    public struct Factor: Encodable, Sendable {
        public let name: String
        public let levels: Int
    }
    public let factors: [Factor]
    public let singletons: Int
    /// Sweeps of the alternating projections.
    public let iterations: Int
    /// The small-sample counting rule.
    public let smallSample: String

    init(_ a: Absorption) {
        factors = zip(a.fixedEffects.names, a.fixedEffects.levels).map { Factor(name: $0, levels: $1.count) }
        singletons = a.singletons
        iterations = a.iterations
        smallSample = a.counting.rawValue
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
    /// R² of the demeaned model, with absorbed fixed effects.
    public let withinRSquared: Double?
    public let adjustedRSquared: Double
    public let sigma: Double
    public let weighted: Bool
    /// The weights column (WLS).
    public let weights: String?
    /// The cluster columns (several: multiway clustering).
    public let clusterColumns: [String]
    public let clusters: Int?
    public let absorbed: AbsorbedEffects?
    /// The absorbed factor clustered by default (no `cluster` given), as pyfixest and fixest < 1.0 do.
    public let clusteredByAbsorbedFactor: String?
    /// One coefficient table per requested variance estimator, keyed by its name.
    public let coefficients: [String: CoefficientTable]
    /// Wild cluster bootstrap tests, one per coefficient, with `inference: [wild]`.
    public let wildBootstrap: [WildClusterBootstrap.Result]?
    /// The HTZ test of `wald`.
    public let waldTest: WaldTest?
    /// The estimators in the order the config lists them (not written to `results.json`).
    var inferenceOrder: [String] = []

    enum CodingKeys: String, CodingKey {
        case outcome, treatment, observations, droppedRows, parameters, residualDegreesOfFreedom, rSquared, withinRSquared
        case adjustedRSquared, sigma, weighted, weights, clusterColumns, clusters, absorbed, clusteredByAbsorbedFactor, coefficients, wildBootstrap
        case waldTest
    }
}
