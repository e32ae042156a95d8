import Foundation
import Tabular

extension CostEffectiveness {
    /// Person-level QALYs and costs from long data observed at waves.
    ///
    /// With waves at times t₀ < t₁ < … < t_K (years) and utilities u₀ … u_K, the QALYs are the area under
    /// the utility curve by trapezoids, Σ_k (t_k − t_{k−1})(u_{k−1} + u_k)/2, each segment discounted by
    /// (1 + r_E)^−⌊t_{k−1} − t₀⌋; a wave's cost covers the period since the wave before it and is discounted
    /// by (1 + r_C)^−⌊start of that period − t₀⌋ (so nothing is discounted in the first year, as NICE's
    /// reference case). The utility at t₀ becomes the adjustment column `baseline utility` (Manca, Hawkins &
    /// Sculpher 2005). A person needs a utility at every wave and a cost at every cost wave; others are left
    /// out and counted. The strategy, the covariates and the cluster are read at the first wave and must
    /// not change within a person. Complexity O(rows).
    static func waveTable(_ spec: Specification, waves: Waves, table: Table) throws(EconomicEvaluationError) -> PersonData {
        let (times, costWaves) = try checkWaves(waves)
        let unitColumn: Column, strategyText: [String?]
        do {
            unitColumn = try table.column(waves.unit)
            strategyText = try table.strings(spec.strategy)
        } catch { throw .table(error) }
        let waveValues = try column(table, waves.wave), utility = try column(table, spec.effect), cost = try column(table, spec.cost)
        let rows = (0..<table.rowCount).filter { !unitColumn.isMissing($0) }
        let units = unitColumn.groups(rows: rows)
        let position = Dictionary(uniqueKeysWithValues: waves.waves.enumerated().map { ($1, $0) })
        let k = waves.waves.count
        var rowAt = [[Int]](repeating: [Int](repeating: -1, count: k), count: units.labels.count)
        for (i, r) in rows.enumerated() {
            guard let w = position[waveValues[r]] else {
                throw .invalidValue(
                    field: .wave, column: waves.wave, row: r, value: waveValues[r].isNaN ? "a missing value" : formatNumber(waveValues[r]),
                    problem: "not one of the waves listed (\(waves.waves.map(formatNumber).joined(separator: ", ")))")
            }
            let u = units.codes[i]
            guard rowAt[u][w] < 0 else {
                throw .invalidValue(
                    field: .wave, column: waves.wave, row: r, value: formatNumber(waveValues[r]),
                    problem: "a second row for unit '\(units.labels[u])' at this wave")
            }
            rowAt[u][w] = r
            if utility[r] > 1 || utility[r] < waves.utilityMinimum {
                throw .invalidValue(
                    field: .utility, column: spec.effect, row: r, value: formatNumber(utility[r]),
                    problem: "a utility must lie between the tariff's minimum (\(formatNumber(waves.utilityMinimum)), key utility_minimum) and 1")
            }
            if cost[r] < 0 || cost[r].isInfinite {
                throw .invalidValue(field: .cost, column: spec.cost, row: r, value: formatNumber(cost[r]), problem: "a cost must be finite and 0 or more")
            }
            if let first = rowAt[u].first(where: { $0 >= 0 }), strategyText[first] != strategyText[r] {
                throw .invalidValue(
                    field: .strategy, column: spec.strategy, row: r, value: "'\(strategyText[r] ?? "")'",
                    problem: "unit '\(units.labels[u])' has strategy '\(strategyText[first] ?? "")' in another row; a strategy must not change within a unit")
            }
        }
        let (names, comparator, codes) = try strategyCodes(spec, table: table, rows: rows)
        var needed: [Column] = []
        do { needed = try neededColumns(spec).map { name throws(TableError) in try table.column(name) } } catch { throw .table(error) }
        var baseline: [Int] = [], qalys: [Double] = [], costs: [Double] = [], start: [Double] = []
        var inScope = 0
        for u in rowAt.indices {
            let r0 = rowAt[u][0]
            let anyRow = rowAt[u].first { $0 >= 0 } ?? -1
            guard anyRow >= 0, codes[anyRow] >= 0 else { continue }
            inScope += 1
            guard r0 >= 0, rowAt[u].allSatisfy({ $0 >= 0 && !utility[$0].isNaN }),
                costWaves.allSatisfy({ !cost[rowAt[u][$0]].isNaN }), !needed.contains(where: { $0.isMissing(r0) })
            else { continue }
            var q = 0.0
            for j in 1..<k {
                let factor = pow(1 + spec.effectDiscountRate, -(times[j - 1] - times[0]).rounded(.down))
                q += factor * (times[j] - times[j - 1]) * (utility[rowAt[u][j - 1]] + utility[rowAt[u][j]]) / 2
            }
            var c = 0.0
            for j in costWaves {
                let periodStart = times[max(j - 1, 0)] - times[0]
                c += pow(1 + spec.costDiscountRate, -periodStart.rounded(.down)) * cost[rowAt[u][j]]
            }
            baseline.append(r0)
            qalys.append(q)
            costs.append(c)
            start.append(utility[r0])
        }
        var kept = table.selectingRows(baseline)
        func fresh(_ name: String) -> String {
            var n = name
            while kept.hasColumn(n) { n += "_" }
            return n
        }
        let effectName = fresh("QALYs"), costName = fresh("total cost"), baselineName = fresh("baseline utility")
        do {
            try kept.addColumn(effectName, .numeric(qalys))
            try kept.addColumn(costName, .numeric(costs))
            if waves.adjustForBaselineUtility { try kept.addColumn(baselineName, .numeric(start)) }
        } catch { throw .table(error) }
        let data = PersonData(
            table: kept, effect: effectName, cost: costName, names: names, comparator: comparator, codes: baseline.map { codes[$0] },
            adjustment: waves.adjustForBaselineUtility ? [baselineName] : [],
            derivation: Derivation(
                waves: waves.waves, years: waves.years, costWaves: costWaves.map { waves.waves[$0] }, costDiscountRate: spec.costDiscountRate,
                effectDiscountRate: spec.effectDiscountRate, adjustedForBaselineUtility: waves.adjustForBaselineUtility, completeUnits: baseline.count,
                incompleteUnits: inScope - baseline.count),
            left: inScope - baseline.count, total: inScope)
        try requireEveryStrategy(data, column: spec.strategy)
        return data
    }

    /// The waves' times and the positions of the cost waves, after checking their order.
    public static func checkWaves(_ waves: Waves) throws(EconomicEvaluationError) -> (times: [Double], costWaves: [Int]) {
        guard waves.waves.count >= 2 else { throw .invalidSetting(field: .waves, problem: "list at least two waves (areas under the curve need two)") }
        guard waves.years.count == waves.waves.count else {
            throw .invalidSetting(
                field: .waveYears, problem: "give one time in years per wave: \(waves.waves.count) waves but \(waves.years.count) times")
        }
        if let j = waves.years.indices.dropFirst().first(where: { !(waves.years[$0] > waves.years[$0 - 1]) }) {
            throw .invalidSetting(
                field: .waveYears,
                problem:
                    "waves out of order: the time of wave \(formatNumber(waves.waves[j])) (\(formatNumber(waves.years[j])) years) does not follow that of wave \(formatNumber(waves.waves[j - 1])) (\(formatNumber(waves.years[j - 1])))"
            )
        }
        if Set(waves.waves).count != waves.waves.count { throw .invalidSetting(field: .waves, problem: "a wave is listed twice") }
        let listed = waves.costWaves ?? Array(waves.waves.dropFirst())
        let positions = try listed.map { w throws(EconomicEvaluationError) -> Int in
            guard let j = waves.waves.firstIndex(of: w) else {
                throw .invalidSetting(
                    field: .costWaves,
                    problem: "cost wave \(formatNumber(w)) is not one of the waves (\(waves.waves.map(formatNumber).joined(separator: ", ")))")
            }
            return j
        }
        guard !positions.isEmpty else { throw .invalidSetting(field: .costWaves, problem: "list at least one cost wave") }
        return (waves.years, positions)
    }
}
