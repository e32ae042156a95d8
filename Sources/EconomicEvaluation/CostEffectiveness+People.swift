import EstimationCore
import Foundation
import Regression
import Tabular

extension CostEffectiveness {
    /// Person-level data ready for the regression: one complete row per person, the effect and cost
    /// columns, the strategy index of each row, extra adjustment columns, and how it was derived.
    struct PersonData {
        var table: Table
        var effect: String
        var cost: String
        var names: [String]
        var comparator: Int
        var codes: [Int]
        var adjustment: [String]
        var derivation: Derivation?
        var left: Int
        var total: Int
    }

    /// The columns every person needs besides the outcome columns.
    static func neededColumns(_ spec: Specification) -> [String] {
        spec.covariates + spec.factors + spec.absorb + [spec.weights, spec.cluster].compactMap { $0 }
    }

    static func personTable(_ spec: Specification, table: Table) throws(EconomicEvaluationError) -> PersonData {
        if case .waves(let waves) = spec.input { return try waveTable(spec, waves: waves, table: table) }
        let cost = try column(table, spec.cost)
        if let r = cost.firstIndex(where: { $0 < 0 || $0.isInfinite }) {
            throw .invalidValue(field: .cost, column: spec.cost, row: r, value: formatNumber(cost[r]), problem: "a cost must be finite and 0 or more")
        }
        let all = Array(0..<table.rowCount)
        let (names, comparator, codes) = try strategyCodes(spec, table: table, rows: all)
        let inScope = all.filter { codes[$0] >= 0 }
        let complete: [Int]
        do { complete = try table.completeRows(for: [spec.cost, spec.effect] + neededColumns(spec)).filter { codes[$0] >= 0 } } catch { throw .table(error) }
        let kept = table.selectingRows(complete)
        let data = PersonData(
            table: kept, effect: spec.effect, cost: spec.cost, names: names, comparator: comparator, codes: complete.map { codes[$0] }, adjustment: [],
            derivation: nil, left: inScope.count - complete.count, total: inScope.count)
        try requireEveryStrategy(data, column: spec.strategy)
        return data
    }

    static func requireEveryStrategy(_ data: PersonData, column: String) throws(EconomicEvaluationError) {
        var seen = [Bool](repeating: false, count: data.names.count)
        for c in data.codes { seen[c] = true }
        if let s = seen.firstIndex(of: false) { throw .noObservations(strategy: data.names[s], column: column) }
    }

    static func fromPeople(_ spec: Specification, table: Table) throws(EconomicEvaluationError) -> Result {
        var data = try personTable(spec, table: table)
        let effect = try column(data.table, data.effect), cost = try column(data.table, data.cost)
        let weights = try spec.weights.map { name throws(EconomicEvaluationError) in try column(data.table, name) }
        var clusterCodes: [Int]? = nil
        if let cluster = spec.cluster {
            do { clusterCodes = try data.table.column(cluster).groups(rows: Array(0..<data.table.rowCount)).codes } catch { throw .table(error) }
        }
        let summaries = data.names.indices.map { s -> StrategySummary in
            let rows = data.codes.indices.filter { data.codes[$0] == s }
            let clusters = clusterCodes.map { codes in Set(rows.map { codes[$0] }).count }
            if let w = weights {
                let rowWeights = rows.map { w[$0] }
                return StrategySummary(
                    strategy: data.names[s], units: rows.count, clusters: clusters,
                    meanCost: WeightedStatistics.mean(rows.map { cost[$0] }, weights: rowWeights),
                    meanEffect: WeightedStatistics.mean(rows.map { effect[$0] }, weights: rowWeights), costStandardDeviation: nil,
                    effectStandardDeviation: nil)
            }
            let c = moments(cost, rows: rows), e = moments(effect, rows: rows)
            return StrategySummary(
                strategy: data.names[s], units: rows.count, clusters: clusters, meanCost: c.mean, meanEffect: e.mean, costStandardDeviation: c.sd,
                effectStandardDeviation: e.sd)
        }
        // Indicators of each strategy other than the comparator, named as R names them (column then level).
        var treatments: [(column: String, strategy: String)] = []
        for s in data.names.indices where s != data.comparator {
            var name = spec.strategy + data.names[s]
            while data.table.hasColumn(name) { name += "_" }
            do { try data.table.addColumn(name, .numeric(data.codes.map { $0 == s ? 1 : 0 })) } catch { throw .table(error) }
            treatments.append((name, data.names[s]))
        }
        let adjustment = spec.covariates + data.adjustment
        var model = ModelSpecification(
            outcome: data.effect, covariates: treatments.map(\.column) + adjustment, factors: spec.factors, weights: spec.weights,
            cluster: spec.cluster, absorb: spec.absorb)
        model.dropSingletons = false
        let fitted: (comparisons: [NetBenefitRegression.Comparison], effectFit: LinearFit, costFit: LinearFit)
        do {
            fitted = try NetBenefitRegression.compare(
                effect: data.effect, cost: data.cost, model: model, treatments: treatments, comparator: data.names[data.comparator],
                variance: spec.variance, level: spec.level, willingnessToPay: spec.willingnessToPay, table: data.table)
        } catch { throw .regression(error) }
        let inference = fitted.comparisons.first?.incrementalEffect.inference ?? Inference(kind: .none)
        var warnings: [Warning] = data.left > 0 ? [.incomplete(left: data.left, of: data.total)] : []
        if let g = inference.clusters, spec.variance == .cr0 || spec.variance == .cr1, g < 40 { warnings.append(.fewClusters(clusters: g)) }
        for c in fitted.comparisons {
            if c.icerInterval?.unbounded == true { warnings.append(.icerUnbounded(strategy: c.strategy)) }
            if let icer = c.icer, icer < 0 { warnings.append(.negativeICER(strategy: c.strategy, icer: icer)) }
        }
        var bootstrap: NetBenefitBootstrap.Result? = nil
        if let settings = spec.bootstrap {
            if settings.scheme == .individuals && spec.cluster != nil { warnings.append(.bootstrapIgnoresClusters) }
            guard settings.scheme == .individuals || clusterCodes != nil else {
                throw .invalidSetting(field: .cluster, problem: "the \(settings.scheme.rawValue) bootstrap resamples clusters; name the cluster column")
            }
            bootstrap = try NetBenefitBootstrap.run(
                effect: data.effect, cost: data.cost, model: model, treatments: treatments, comparator: data.names[data.comparator],
                clusters: clusterCodes ?? Array(data.codes.indices), strategies: data.codes, settings: settings,
                willingnessToPay: spec.willingnessToPay, level: spec.level, table: data.table,
                pointEstimates: (fitted.comparisons.map(\.incrementalEffect.estimate), fitted.comparisons.map(\.incrementalCost.estimate)))
            if let b = bootstrap, b.failedDraws > 0 { warnings.append(.failedDraws(failed: b.failedDraws, of: b.draws)) }
            if settings.scheme != .individuals, let fewest = summaries.compactMap(\.clusters).min(), fewest < 24, bootstrap?.stratified == true {
                warnings.append(.fewClustersForBootstrap(clusters: fewest))
            }
        }
        let regression = NetBenefit(
            observations: fitted.effectFit.observations, clusters: inference.clusters, adjustment: adjustment + spec.factors, inference: inference,
            comparisons: fitted.comparisons, bootstrap: bootstrap)
        return Result(
            input: data.derivation == nil ? "people" : "waves", strategyColumn: spec.strategy, comparator: data.names[data.comparator],
            strategies: summaries,
            incremental: IncrementalAnalysis.rows(names: data.names, costs: summaries.map(\.meanCost), effects: summaries.map(\.meanEffect)),
            netBenefit: regression, sensitivity: nil, derivation: data.derivation, willingnessToPay: spec.willingnessToPay, level: spec.level,
            perspective: spec.perspective, priceYear: spec.priceYear, warnings: warnings)
    }
}
