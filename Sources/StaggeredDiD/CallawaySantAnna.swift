import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Group-time average treatment effects ATT(g,t) for staggered adoption (Callaway & Sant'Anna 2021),
/// as R's `did::att_gt` computes them for balanced panels.
///
/// Units are grouped by the period they are first treated (g; 0 or missing = never treated). For
/// each group g and period t, ATT(g,t) compares the change in the outcome from the base period b
/// to t of group g with that of the comparison units, by the two-period estimator of
/// `TwoPeriodDiD` (regression, IPW or doubly robust, with covariates measured in the base period):
///
/// - base period: `varying` (did's default) uses b = t − 1 before treatment and b = g − 1 −
///   anticipation after; `universal` uses b = g − 1 − anticipation throughout (ATT(g, b) = 0 is reported);
/// - comparison units: `never` treated, or `not-yet` treated by max(t, b) + anticipation (never-treated
///   included), in both cases outside group g;
/// - groups first treated in the first period (no pre-period) are dropped, as did does.
///
/// Each ATT(g,t)'s influence function is kept for every unit (scaled by n/n_gt, zero outside the
/// two-period sample), so that aggregations, the pre-test and the multiplier bootstrap all follow
/// from it. Analytic standard errors are √(mean(IF²)/n) (did's `bstrap = FALSE`); with a cluster
/// column, IFs are summed within clusters first (an extension: did clusters only in its bootstrap).
///
/// Complexity: O(G T n p²) for G groups, T periods, n units and p covariates.
public struct CallawaySantAnna: Sendable {
    public enum ControlGroup: String, Sendable, Codable, CaseIterable {
        case never
        case notYet = "not-yet"
    }
    public enum BasePeriod: String, Sendable, Codable, CaseIterable {
        case varying, universal
    }
    public enum Method: String, Sendable, Codable, CaseIterable {
        case dr, ipw, reg
    }
    /// How the rows relate over time.
    public enum Sampling: String, Sendable, Codable, CaseIterable {
        /// Every unit observed in every period (did's default `panel = TRUE`).
        case panel
        /// Units observed in some periods only (did's `allow_unbalanced_panel = TRUE`): each ATT(g,t)
        /// uses the repeated-cross-section estimators on the rows of t and b, and influence functions
        /// are summed within unit.
        case unbalancedPanel = "unbalanced-panel"
        /// Different units in each period (did's `panel = FALSE`): every row is its own unit.
        case repeatedCrossSections = "repeated-cross-sections"
    }

    public struct Specification: Sendable {
        public var outcome: String
        public var unit: String
        public var time: String
        /// Each unit's first treated period (0 or missing: never treated).
        public var adoption: String
        public var controlGroup = ControlGroup.never
        public var method = Method.dr
        /// Covariates, taken at the base period.
        public var covariates: [String] = []
        public var anticipation = 0
        public var basePeriod = BasePeriod.varying
        /// Sampling weights (constant within unit; normalised to mean 1).
        public var weights: String? = nil
        /// A cluster column coarser than the unit (constant within unit).
        public var cluster: String? = nil
        public var level = 0.95
        /// Worker threads for the ATT(g,t) (results do not depend on it).
        public var threads = 1
        /// Balanced panel, unbalanced panel or repeated cross-sections.
        public var sampling = Sampling.panel

        public init(outcome: String, unit: String, time: String, adoption: String) {
            self.outcome = outcome
            self.unit = unit
            self.time = time
            self.adoption = adoption
        }
    }

    /// One ATT(g,t).
    public struct GroupTime: Sendable, Codable, Equatable {
        public let group: Double
        public let time: Double
        public let basePeriod: Double
        /// Whether t is a pre-treatment period (t < g − anticipation).
        public let pre: Bool
        public let effect: Estimate
        /// The units (and clusters) of group g and of the comparison group behind this ATT(g,t)
        /// (with unbalanced panels and repeated cross-sections, those observed in t or the base period).
        public let contributors: ComparisonContributors
    }

    public let specification: Specification
    public let groupTimes: [GroupTime]
    /// n × (number of ATT(g,t)) influence functions, column-major (one column per `groupTimes` entry).
    public let influence: Matrix
    /// Units (in panel order), their groups (0: never treated), sampling weights (mean 1) and cluster codes.
    public let units: [String]
    public let groups: [Double]
    public let unitWeights: [Double]
    public let clusters: [Int]?
    /// Groups dropped because they were treated in the first period.
    public let droppedGroups: [Double]
    /// P(G = g): the weighted share of units first treated in g.
    let groupShares: [Double: Double]
    /// Per ATT(g,t): the treated and the comparison units in its sample (unit indices).
    let cellMembers: [(treated: UnitSet, comparison: UnitSet)]

    public var count: Int { units.count }

    public init(_ spec: Specification, table: Table) throws(DiDError) {
        specification = spec
        if spec.sampling != .panel {
            let parts = try Self.rowwise(spec, table: table)
            (groupTimes, influence, units, groups, unitWeights, clusters, droppedGroups, groupShares, cellMembers) = (
                parts.groupTimes, parts.influence, parts.units, parts.groups, parts.weights, parts.clusters, parts.droppedGroups, parts.groupShares,
                parts.cellMembers
            )
            return
        }
        let panel: Panel
        do { panel = try Panel(table, unit: spec.unit, time: spec.time) } catch { throw .data("\(error)") }
        let nUnits = panel.units.count, times = panel.times
        // Balanced panel of the outcome (and covariates) required.
        let y: Matrix
        do { y = try panel.wideComplete(spec.outcome) } catch {
            throw .data("\(error); Callaway–Sant'Anna here needs a balanced panel (every unit observed with the outcome in every period)")
        }
        var covariateMatrices: [Matrix] = []
        for c in spec.covariates {
            do { covariateMatrices.append(try panel.wideComplete(c)) } catch { throw .data("covariate '\(c)': \(error)") }
        }
        func unitConstant(_ column: String, what: String) throws(DiDError) -> [Double] {
            do { return try panel.unitConstant(column, what: what) } catch { throw .data("\(error)") }
        }
        let g = try unitConstant(spec.adoption, what: "the first treated period").map { $0.isNaN ? 0 : $0 }
        var w = [Double](repeating: 1, count: nUnits)
        if let name = spec.weights {
            w = try unitConstant(name, what: "sampling weights")
            if let bad = w.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw .data("weights '\(name)' must be positive; unit '\(panel.units[bad])' has \(formatNumber(w[bad]))")
            }
            let m = w.reduce(0, +) / Double(nUnits)
            w = w.map { $0 / m }
        }
        var clusterCodes: [Int]? = nil
        if let name = spec.cluster {
            let column: Column
            do { column = try table.column(name) } catch { throw .data("\(error)") }
            var firstRow = [Int](repeating: -1, count: nUnits)
            for r in 0..<table.rowCount where firstRow[panel.unitOfRow[r]] < 0 { firstRow[panel.unitOfRow[r]] = r }
            clusterCodes = column.groups(rows: firstRow).codes
        }
        let (tasks, dropped) = try Self.cells(times: times, unitGroups: g, spec: spec)
        droppedGroups = dropped
        let weightsGiven = spec.weights != nil
        let outcomes = y, covariates = covariateMatrices, unitGroups = g, sampling = w, cells = tasks
        let estimates: [Result<(TwoPeriodDiD.Estimate, [Int]), DiDError>] = ParallelMap.map(tasks.count, threads: spec.threads) { k in
            let task = cells[k]
            if task.isBase { return .success((TwoPeriodDiD.Estimate(att: 0, influence: []), [])) }
            let t = times[task.ti], b = times[task.bi]
            let sample = (0..<nUnits).filter { Self.inCell(group: unitGroups[$0], task: task, threshold: max(t, b), spec: spec) }
            let treated = sample.map { unitGroups[$0] == task.group }
            guard treated.contains(false) else {
                return .failure(.data("ATT(\(formatNumber(task.group)), \(formatNumber(t))) has no comparison units"))
            }
            let deltaY = sample.map { outcomes[$0, task.ti] - outcomes[$0, task.bi] }
            var x = Matrix(rows: sample.count, columns: 1 + covariates.count, repeating: 1)
            for (j, m) in covariates.enumerated() { for (r, u) in sample.enumerated() { x[r, j + 1] = m[u, task.bi] } }
            do {
                let e = try TwoPeriodDiD.estimate(
                    TwoPeriodDiD.Method(rawValue: spec.method.rawValue)!, deltaY: deltaY, treated: treated, x: x,
                    weights: weightsGiven ? sample.map { sampling[$0] } : nil)
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
            let term = "ATT(\(formatNumber(task.group)),\(formatNumber(t)))"
            let (estimate, sample): (TwoPeriodDiD.Estimate, [Int])
            switch outcome {
            case .success(let value): (estimate, sample) = value
            case .failure(let error): throw error
            }
            let scale = Double(nUnits) / Double(max(sample.count, 1))
            for (r, u) in sample.enumerated() { storage[k * nUnits + u] = estimate.influence[r] * scale }
            // A universal base period's own cell (ATT = 0 by construction) has no sample: its units are
            // the group's and the comparison units of that period.
            let cellUnits = task.isBase ? (0..<nUnits).filter { Self.inCell(group: unitGroups[$0], task: task, threshold: b, spec: spec) } : sample
            let cell = (
                treated: UnitSet(count: nUnits, members: cellUnits.filter { unitGroups[$0] == task.group }),
                comparison: UnitSet(count: nUnits, members: cellUnits.filter { unitGroups[$0] != task.group })
            )
            members.append(cell)
            results.append(
                GroupTime(
                    group: task.group, time: t, basePeriod: b, pre: task.pre || task.isBase,
                    effect: .point(term: term, estimate.att, level: spec.level),
                    contributors: Self.contributors(cell, clusters: clusterCodes)))
        }
        cellMembers = members
        influence = Matrix(rows: nUnits, columns: tasks.count, columnMajor: storage)
        units = panel.units
        groups = g
        unitWeights = w
        var shares: [Double: Double] = [:]
        for (u, group) in g.enumerated() where group > 0 { shares[group, default: 0] += w[u] / Double(nUnits) }
        groupShares = shares
        clusters = clusterCodes
        groupTimes = Self.withStandardErrors(results, influence: influence, clusters: clusterCodes, level: spec.level)
    }

    /// The covariance `Σ_c ψ_c ψ_cᵀ / n²` of the columns of `influence`, with `ψ_c` the influence
    /// functions summed within cluster c (or each unit's own); its diagonal gives ``standardErrors(_:clusters:)``.
    public static func covariance(_ influence: Matrix, clusters: [Int]?) -> Matrix {
        let n = influence.rows
        var summed = influence
        if let clusters {
            let g = (clusters.max() ?? -1) + 1
            summed = Matrix(rows: g, columns: influence.columns)
            for j in 0..<influence.columns { for i in 0..<n { summed[clusters[i], j] += influence[i, j] } }
        }
        let scale = 1 / (Double(n) * Double(n))
        return scale * summed.gram()
    }

    /// √(Σ_c (Σ_{i∈c} IFᵢ)²)/n per column (c: units, or clusters).
    static func standardErrors(_ influence: Matrix, clusters: [Int]?) -> [Double] {
        let n = influence.rows
        return (0..<influence.columns).map { j in
            let column = influence.column(j)
            var total = 0.0
            if let clusters {
                var sums = [Double](repeating: 0, count: (clusters.max() ?? -1) + 1)
                for i in 0..<n { sums[clusters[i]] += column[i] }
                total = sums.reduce(0) { $0 + $1 * $1 }
            } else {
                total = column.reduce(0) { $0 + $1 * $1 }
            }
            return total.squareRoot() / Double(n)
        }
    }
}

/// Errors of the staggered difference-in-differences estimators.
public enum DiDError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The specification's inputs, by name, for errors about one of them.
    public enum Field: String, Sendable, Equatable {
        case sensitivity, sampling, controlGroup, replications, bootstrapWeights
    }
    case data(String)
    case estimation(String)
    /// A setting that cannot be used as given (found before any data are read).
    case setting(Field, String)

    public var description: String {
        switch self {
        case .data(let s), .estimation(let s), .setting(_, let s): return s
        }
    }
}
