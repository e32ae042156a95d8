import Foundation
import Tabular

extension CostEffectiveness {
    /// Each strategy's effects and costs by draw from a long table (one row per draw and strategy).
    static func drawMatrix(_ spec: Specification, draw: String, table: Table) throws(EconomicEvaluationError) -> (
        names: [String], comparator: Int, effects: [[Double]], costs: [[Double]]
    ) {
        let rows = Array(0..<table.rowCount)
        let (names, comparator, codes) = try strategyCodes(spec, table: table, rows: rows)
        let draws = try column(table, draw), effect = try column(table, spec.effect), cost = try column(table, spec.cost)
        var index: [Double: Int] = [:]
        for r in rows where codes[r] >= 0 {
            guard !draws[r].isNaN else {
                throw .invalidValue(field: .draw, column: draw, row: r, value: "a missing value", problem: "every row needs its draw number")
            }
            if index[draws[r]] == nil { index[draws[r]] = index.count }
        }
        let d = index.count
        var effects = [[Double]](repeating: [Double](repeating: .nan, count: d), count: names.count)
        var costs = effects
        for r in rows where codes[r] >= 0 {
            let s = codes[r], k = index[draws[r]]!
            guard effects[s][k].isNaN else {
                throw .invalidValue(
                    field: .draw, column: draw, row: r, value: formatNumber(draws[r]),
                    problem: "draw repeated for strategy '\(names[s])' (one row per draw and strategy)")
            }
            for (field, column, value) in [(Field.effect, spec.effect, effect[r]), (.cost, spec.cost, cost[r])] where !value.isFinite {
                throw .invalidValue(
                    field: field, column: column, row: r, value: value.isNaN ? "a missing value" : formatNumber(value),
                    problem: "every draw needs a finite value")
            }
            effects[s][k] = effect[r]
            costs[s][k] = cost[r]
        }
        for s in names.indices {
            if let k = effects[s].firstIndex(where: \.isNaN) {
                let missing = index.first { $0.value == k }!.key
                throw .invalidSetting(
                    field: .draw, problem: "strategy '\(names[s])' has no row for draw \(formatNumber(missing)) (every strategy needs every draw)")
            }
        }
        return (names, comparator, effects, costs)
    }

    static func fromDraws(_ spec: Specification, draw: String, table: Table) throws(EconomicEvaluationError) -> Result {
        let (names, comparator, effects, costs) = try drawMatrix(spec, draw: draw, table: table)
        let d = effects[0].count
        let all = Array(0..<d)
        let summaries = names.indices.map { s in
            let e = moments(effects[s], rows: all), c = moments(costs[s], rows: all)
            return StrategySummary(
                strategy: names[s], units: d, clusters: nil, meanCost: c.mean, meanEffect: e.mean, costStandardDeviation: c.sd, effectStandardDeviation: e.sd)
        }
        let (increments, rows) = ProbabilisticSensitivity.summarise(
            names: names, effects: effects, costs: costs, comparator: comparator, willingnessToPay: spec.willingnessToPay)
        var warnings: [Warning] = d < 1000 ? [.fewDraws(draws: d)] : []
        warnings += increments.compactMap { i in i.icer.flatMap { $0 < 0 ? .negativeICER(strategy: i.strategy, icer: $0) : nil } }
        return Result(
            input: "draws", strategyColumn: spec.strategy, comparator: names[comparator], strategies: summaries,
            incremental: IncrementalAnalysis.rows(names: names, costs: summaries.map(\.meanCost), effects: summaries.map(\.meanEffect)),
            netBenefit: nil, sensitivity: Sensitivity(draws: d, increments: increments, byWillingnessToPay: rows), derivation: nil,
            willingnessToPay: spec.willingnessToPay, level: spec.level, perspective: spec.perspective, priceYear: spec.priceYear, warnings: warnings)
    }

    /// One row per strategy: its mean cost and effect.
    static func summaryRows(_ spec: Specification, table: Table) throws(EconomicEvaluationError) -> (
        names: [String], comparator: Int, costs: [Double], effects: [Double]
    ) {
        let rows = Array(0..<table.rowCount)
        let (names, comparator, codes) = try strategyCodes(spec, table: table, rows: rows)
        let effect = try column(table, spec.effect), cost = try column(table, spec.cost)
        var costs = [Double](repeating: .nan, count: names.count), effects = costs
        for r in rows where codes[r] >= 0 {
            guard costs[codes[r]].isNaN else {
                throw .invalidValue(
                    field: .strategy, column: spec.strategy, row: r, value: "'\(names[codes[r]])'", problem: "summary input has one row per strategy")
            }
            for (field, column, value) in [(Field.effect, spec.effect, effect[r]), (.cost, spec.cost, cost[r])] where !value.isFinite {
                throw .invalidValue(
                    field: field, column: column, row: r, value: value.isNaN ? "a missing value" : formatNumber(value),
                    problem: "each strategy needs a finite mean")
            }
            costs[codes[r]] = cost[r]
            effects[codes[r]] = effect[r]
        }
        return (names, comparator, costs, effects)
    }

    static func fromSummary(_ spec: Specification, table: Table) throws(EconomicEvaluationError) -> Result {
        let (names, comparator, costs, effects) = try summaryRows(spec, table: table)
        let summaries = names.indices.map {
            StrategySummary(
                strategy: names[$0], units: 1, clusters: nil, meanCost: costs[$0], meanEffect: effects[$0], costStandardDeviation: nil,
                effectStandardDeviation: nil)
        }
        return Result(
            input: "summary", strategyColumn: spec.strategy, comparator: names[comparator], strategies: summaries,
            incremental: IncrementalAnalysis.rows(names: names, costs: costs, effects: effects), netBenefit: nil, sensitivity: nil, derivation: nil,
            willingnessToPay: spec.willingnessToPay, level: spec.level, perspective: spec.perspective, priceYear: spec.priceYear, warnings: [])
    }
}
