import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

extension CallawaySantAnna {
    /// The stored parts of an estimate, built row by row.
    struct Parts {
        let groupTimes: [GroupTime]
        let influence: Matrix
        let units: [String]
        let groups: [Double]
        let weights: [Double]
        let clusters: [Int]?
        let droppedGroups: [Double]
        let groupShares: [Double: Double]
        let cellMembers: [(treated: UnitSet, comparison: UnitSet)]
    }

    /// ATT(g,t) for unbalanced panels and repeated cross-sections, as R did with
    /// `allow_unbalanced_panel = TRUE` or `panel = FALSE`.
    ///
    /// Each ATT(g,t) takes the rows observed in t or its base period b whose group is g or a
    /// comparison group, and estimates it with `TwoPeriodDiD.estimateRepeatedCrossSections`
    /// (covariates are each row's own values). The influence function over those n_gt rows is
    /// scaled by N/n_gt; with repeated cross-sections N is the number of rows and each row is a
    /// unit, in an unbalanced panel N is the number of units and a unit's rows are summed. Group
    /// shares P(G = g) come from the units (rows for cross-sections). Rows with a missing outcome,
    /// time or covariate are left out.
    ///
    /// Complexity: O(G T N p²).
    static func rowwise(_ spec: Specification, table: Table) throws(DiDError) -> Parts {
        let rowsTotal = table.rowCount
        func numeric(_ name: String) throws(DiDError) -> [Double] {
            do { return try table.numeric(name) } catch { throw .data("\(error)") }
        }
        let time = try numeric(spec.time), outcome = try numeric(spec.outcome)
        let adoption = try numeric(spec.adoption).map { $0.isNaN ? 0 : $0 }
        let covariateColumns = try spec.covariates.map { c throws(DiDError) in try numeric(c) }
        let weightColumn = try spec.weights.map { c throws(DiDError) in try numeric(c) }
        let rows = (0..<rowsTotal).filter { r in
            !time[r].isNaN && !outcome[r].isNaN && covariateColumns.allSatisfy { !$0[r].isNaN }
        }
        guard !rows.isEmpty else { throw .data("no row has the time, the outcome and every covariate") }
        if let w = weightColumn, let bad = rows.first(where: { !(w[$0].isFinite && w[$0] > 0) }) {
            throw .data("weights '\(spec.weights!)' must be positive; row \(bad + 1) has \(formatNumber(w[bad]))")
        }
        // Units: rows themselves for cross-sections; the unit column's levels for an unbalanced panel.
        let unitOfRow: [Int], unitNames: [String]
        if spec.sampling == .repeatedCrossSections {
            unitOfRow = Array(rows.indices)
            unitNames = rows.map { "row \($0 + 1)" }
        } else {
            let column: Column
            do { column = try table.column(spec.unit) } catch { throw .data("\(error)") }
            (unitOfRow, unitNames) = column.groups(rows: rows)
        }
        let nUnits = unitNames.count
        // Unit-level group and weight (constant within unit).
        var unitGroup = [Double](repeating: .nan, count: nUnits), unitWeight = [Double](repeating: .nan, count: nUnits)
        for (k, r) in rows.enumerated() {
            let u = unitOfRow[k]
            if unitGroup[u].isNaN {
                unitGroup[u] = adoption[r]
            } else if unitGroup[u] != adoption[r] {
                throw .data(
                    "'\(spec.adoption)' must be constant within a unit; unit '\(unitNames[u])' has \(formatNumber(unitGroup[u])) and \(formatNumber(adoption[r]))"
                )
            }
            let w = weightColumn?[r] ?? 1
            if unitWeight[u].isNaN {
                unitWeight[u] = w
            } else if unitWeight[u] != w {
                throw .data(
                    "weights '\(spec.weights ?? "")' must be constant within a unit; unit '\(unitNames[u])' has \(formatNumber(unitWeight[u])) and \(formatNumber(w))"
                )
            }
        }
        let meanWeight = unitWeight.reduce(0, +) / Double(nUnits)
        let normalisedWeights = unitWeight.map { $0 / meanWeight }
        var clusterCodes: [Int]? = nil
        if let name = spec.cluster {
            let column: Column
            do { column = try table.column(name) } catch { throw .data("\(error)") }
            var firstRow = [Int](repeating: -1, count: nUnits)
            for (k, r) in rows.enumerated() where firstRow[unitOfRow[k]] < 0 { firstRow[unitOfRow[k]] = r }
            clusterCodes = column.groups(rows: firstRow).codes
        }
        let times = Array(Set(rows.map { time[$0] })).sorted()
        guard times.count >= 2 else { throw .data("the data have only one period") }
        let (tasks, droppedGroups) = try cells(times: times, unitGroups: unitGroup, spec: spec)
        let method = TwoPeriodDiD.Method(rawValue: spec.method.rawValue)!
        let cells = tasks, rowGroup = rows.map { adoption[$0] }, rowTime = rows.map { time[$0] }
        let estimates: [Result<(TwoPeriodDiD.Estimate, [Int]), DiDError>] = ParallelMap.map(tasks.count, threads: spec.threads) { k in
            let task = cells[k]
            if task.isBase { return .success((TwoPeriodDiD.Estimate(att: 0, influence: []), [])) }
            let t = times[task.ti], b = times[task.bi]
            let sample = rows.indices.filter { i in
                (rowTime[i] == t || rowTime[i] == b) && inCell(group: rowGroup[i], task: task, threshold: max(t, b), spec: spec)
            }
            var x = Matrix(rows: sample.count, columns: 1 + covariateColumns.count, repeating: 1)
            for (j, c) in covariateColumns.enumerated() { for (r, i) in sample.enumerated() { x[r, j + 1] = c[rows[i]] } }
            do {
                let e = try TwoPeriodDiD.estimateRepeatedCrossSections(
                    method, y: sample.map { outcome[rows[$0]] }, post: sample.map { rowTime[$0] == t }, treated: sample.map { rowGroup[$0] == task.group },
                    x: x, weights: weightColumn == nil ? nil : sample.map { weightColumn![rows[$0]] })
                return .success((e, sample))
            } catch {
                return .failure(.estimation("ATT(\(formatNumber(task.group)), \(formatNumber(t))): \(error)"))
            }
        }
        var results: [GroupTime] = []
        var members: [(treated: UnitSet, comparison: UnitSet)] = []
        var storage = [Double](repeating: 0, count: nUnits * tasks.count)
        for (k, (task, outcome)) in zip(tasks, estimates).enumerated() {
            let t = times[task.ti], b = times[task.bi]
            let (estimate, sample): (TwoPeriodDiD.Estimate, [Int])
            switch outcome {
            case .success(let value): (estimate, sample) = value
            case .failure(let error): throw error
            }
            let scale = Double(nUnits) / Double(max(sample.count, 1))
            for (r, i) in sample.enumerated() { storage[k * nUnits + unitOfRow[i]] += estimate.influence[r] * scale }
            // A universal base period's own cell (ATT = 0 by construction) has no sample: its units are
            // the group's and the comparison units observed in that period.
            let cellUnits =
                task.isBase ? rows.indices.filter { rowTime[$0] == b && inCell(group: rowGroup[$0], task: task, threshold: b, spec: spec) } : sample
            let cell = (
                treated: UnitSet(count: nUnits, members: cellUnits.filter { rowGroup[$0] == task.group }.map { unitOfRow[$0] }),
                comparison: UnitSet(count: nUnits, members: cellUnits.filter { rowGroup[$0] != task.group }.map { unitOfRow[$0] })
            )
            members.append(cell)
            results.append(
                GroupTime(
                    group: task.group, time: t, basePeriod: b, pre: task.pre || task.isBase,
                    effect: .point(term: "ATT(\(formatNumber(task.group)),\(formatNumber(t)))", estimate.att, level: spec.level),
                    contributors: contributors(cell, clusters: clusterCodes)))
        }
        let influence = Matrix(rows: nUnits, columns: tasks.count, columnMajor: storage)
        var shares: [Double: Double] = [:]
        for (u, group) in unitGroup.enumerated() where group > 0 { shares[group, default: 0] += normalisedWeights[u] / Double(nUnits) }
        let groupTimes = withStandardErrors(results, influence: influence, clusters: clusterCodes, level: spec.level)
        return Parts(
            groupTimes: groupTimes, influence: influence, units: unitNames, groups: unitGroup, weights: normalisedWeights, clusters: clusterCodes,
            droppedGroups: droppedGroups, groupShares: shares, cellMembers: members)
    }

    /// Whether a unit of `group` belongs to the cell's sample: the cell's group, or a comparison unit
    /// (never treated; or, with not-yet-treated comparisons, first treated after `threshold` plus anticipation).
    static func inCell(group: Double, task: Cell, threshold: Double, spec: Specification) -> Bool {
        let limit = threshold + Double(spec.anticipation)
        return group == task.group || (spec.controlGroup == .never ? group == 0 : (group == 0 || group > limit))
    }

    /// One ATT(g,t) to estimate: group g, period index `ti`, base-period index `bi`.
    struct Cell: Sendable {
        let group: Double, ti: Int, bi: Int, pre: Bool, isBase: Bool
    }

    /// The (g, t) cells of did's `att_gt` and the groups dropped for being treated in the first
    /// period. Base period: `varying` uses t − 1 before treatment and the last period with
    /// time + anticipation < g after it; `universal` always the latter (its own cell is ATT = 0).
    static func cells(times: [Double], unitGroups: [Double], spec: Specification) throws(DiDError) -> (cells: [Cell], dropped: [Double]) {
        let first = times[0]
        let allGroups = Array(Set(unitGroups.filter { $0 > 0 })).sorted()
        let dropped = allGroups.filter { $0 <= first + Double(spec.anticipation) }
        let groupList = allGroups.filter { $0 > first + Double(spec.anticipation) }
        guard !groupList.isEmpty else { throw .data("no group is first treated after the first period \(formatNumber(first))") }
        if spec.controlGroup == .never && !unitGroups.contains(0) {
            throw .data("there are no never-treated units (0 or missing in '\(spec.adoption)'); use control_group: not-yet")
        }
        var cells: [Cell] = []
        for group in groupList {
            guard let preIndex = times.lastIndex(where: { $0 + Double(spec.anticipation) < group }) else { continue }
            let periods = spec.basePeriod == .varying ? Array(1..<times.count) : Array(0..<times.count)
            for ti in periods {
                let isPre = times[ti] + Double(spec.anticipation) < group
                let bi = (spec.basePeriod == .varying && isPre) ? ti - 1 : preIndex
                cells.append(Cell(group: group, ti: ti, bi: bi, pre: isPre, isBase: spec.basePeriod == .universal && ti == preIndex))
            }
        }
        return (cells, dropped)
    }

    /// The ATT(g,t) with analytic standard errors √(Σ_c ψ_c²)/n and normal pointwise intervals
    /// (cells with no variation, such as a universal base period's, keep no standard error).
    static func withStandardErrors(_ results: [GroupTime], influence: Matrix, clusters: [Int]?, level: Double) -> [GroupTime] {
        let ses = standardErrors(influence, clusters: clusters)
        let inference = Inference(kind: .analytic, type: "influence function", df: .normal, clusters: clusters.map { ($0.max() ?? -1) + 1 })
        return results.enumerated().map { j, r in
            guard r.effect.standardError == nil, ses[j] > 0 else { return r }
            let e = Estimate.wald(
                term: r.effect.term, estimate: r.effect.estimate, standardError: ses[j], degreesOfFreedom: nil, level: level, inference: inference)
            return GroupTime(group: r.group, time: r.time, basePeriod: r.basePeriod, pre: r.pre, effect: e, contributors: r.contributors)
        }
    }
}
