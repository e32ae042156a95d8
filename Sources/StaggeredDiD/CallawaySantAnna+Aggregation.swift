import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

extension CallawaySantAnna {
    /// How ATT(g,t) are averaged (did's `aggte`).
    public enum Aggregation: String, Sendable, Codable, CaseIterable {
        /// Post-treatment ATT(g,t) weighted by group size.
        case simple
        /// By group: each group's average post-treatment ATT(g,t); overall, their group-size-weighted mean.
        case group
        /// By event time e = t − g: ATT(g, g + e) weighted by group size; overall, the mean over e ≥ 0.
        case dynamic
        /// By calendar period: ATT(g, t) over groups treated by t, weighted by group size; overall, the mean over t.
        case calendar
    }

    /// Options of the dynamic aggregation (did's `balance_e`, `min_e`, `max_e`).
    public struct EventWindow: Sendable, Equatable {
        /// The first and last event times kept (nil: no limit).
        public var minimum: Int? = nil, maximum: Int? = nil
        /// Keep only groups observed for at least this many periods after treatment (balance in event time).
        public var balance: Int? = nil
        public init() {}
    }

    /// An aggregated effect: the overall estimate and, for group/dynamic/calendar, its components.
    public struct Aggregate: Sendable, Codable, Equatable {
        public let aggregation: Aggregation
        public let overall: Estimate
        /// Per group, event time or period (`term` names it).
        public let components: [Estimate]
        /// The component key (group, event time or period).
        public let keys: [Double]
        /// Influence functions: overall first, then one per component (n × (1 + components)); not encoded.
        public let influence: Matrix
        /// The treated and comparison units (and clusters) behind ``overall``: those of every ATT(g,t) it averages.
        public let overallContributors: ComparisonContributors
        /// The same for each component.
        public let componentContributors: [ComparisonContributors]

        enum CodingKeys: String, CodingKey { case aggregation, overall, components, keys, overallContributors, componentContributors }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            aggregation = try c.decode(Aggregation.self, forKey: .aggregation)
            overall = try c.decode(Estimate.self, forKey: .overall)
            components = try c.decode([Estimate].self, forKey: .components)
            keys = try c.decode([Double].self, forKey: .keys)
            overallContributors = try c.decode(ComparisonContributors.self, forKey: .overallContributors)
            componentContributors = try c.decode([ComparisonContributors].self, forKey: .componentContributors)
            influence = Matrix(rows: 0, columns: 0)
        }

        init(
            aggregation: Aggregation, overall: Estimate, components: [Estimate], keys: [Double], influence: Matrix,
            contributors: (overall: ComparisonContributors, components: [ComparisonContributors])
        ) {
            self.aggregation = aggregation
            self.overall = overall
            self.components = components
            self.keys = keys
            self.influence = influence
            overallContributors = contributors.overall
            componentContributors = contributors.components
        }
    }

    /// The units and clusters of one ATT(g,t)'s treated and comparison groups.
    static func contributors(_ cell: (treated: UnitSet, comparison: UnitSet), clusters: [Int]?) -> ComparisonContributors {
        ComparisonContributors(treated: cell.treated.contributors(clusterOf: clusters), comparison: cell.comparison.contributors(clusterOf: clusters))
    }

    /// The union of the treated and of the comparison units of the ATT(g,t) in `cells`.
    ///
    /// Complexity: O(cells · n / 64) for the unions, O(n) to count clusters.
    public func contributors(cells: [Int]) -> ComparisonContributors {
        var treated = UnitSet(count: count), comparison = UnitSet(count: count)
        for j in cells {
            treated.formUnion(cellMembers[j].treated)
            comparison.formUnion(cellMembers[j].comparison)
        }
        return Self.contributors((treated, comparison), clusters: clusters)
    }

    /// The influence function of a weighted average Σ_k a_k ATT_k with weights a_k = pg_k / Σ pg over
    /// `keepers`, including the estimation of the group shares (did's `wif`).
    ///
    /// Complexity: O(n · keepers) for the weighted sum, O(n + keepers) for the share terms.
    func averageInfluence(_ keepers: [Int], byGroupShare: Bool) -> (estimate: Double, influence: [Double]) {
        let pgByGroup = groupShares
        let pg = keepers.map { byGroupShare ? pgByGroup[groupTimes[$0].group] ?? 0 : 1 }
        let atts = keepers.map { groupTimes[$0].effect.estimate }
        let total = pg.reduce(0, +)
        let weights = pg.map { $0 / total }
        var inf = [Double](repeating: 0, count: count)
        combine(keepers, weights: weights, into: &inf)
        let estimate = zip(weights, atts).reduce(0) { $0 + $1.0 * $1.1 }
        if byGroupShare { addShareInfluence(keys: keepers.map { groupTimes[$0].group }, pg: pg, values: atts, into: &inf) }
        return (estimate, inf)
    }

    /// inf += Σ_k weights_k · IF(keepers_k).
    func combine(_ keepers: [Int], weights: [Double], into inf: inout [Double]) {
        let n = count
        influence.withUnsafeBufferPointer { ip in
            inf.withUnsafeMutableBufferPointer { op in
                for (k, j) in keepers.enumerated() {
                    let base = j * n, a = weights[k]
                    for i in 0..<n { op[i] += a * ip[base + i] }
                }
            }
        }
    }

    /// did's `wif` applied to `values`: the effect of estimating P(G = g) in the weights pg_k/Σpg.
    /// For unit i, dev_ik = wᵢ·1{Gᵢ = g_k} − pg_k; the term is Σ_k dev_ik v_k/Σpg − (Σ_k dev_ik)(Σ_k pg_k v_k)/(Σpg)².
    func addShareInfluence(keys: [Double], pg: [Double], values: [Double], into inf: inout [Double]) {
        let total = pg.reduce(0, +)
        let pgv = zip(pg, values).reduce(0) { $0 + $1.0 * $1.1 }
        let sumPG = total
        var valueSum: [Double: Double] = [:], keyCount: [Double: Double] = [:]
        for (k, g) in keys.enumerated() {
            valueSum[g, default: 0] += values[k]
            keyCount[g, default: 0] += 1
        }
        let groupIndex = Dictionary(uniqueKeysWithValues: Array(Set(keys)).sorted().enumerated().map { ($1, $0) })
        let sums = groupIndex.keys.sorted().map { valueSum[$0]! }, counts = groupIndex.keys.sorted().map { keyCount[$0]! }
        for i in 0..<count {
            var matchedValue = 0.0, matchedCount = 0.0
            if let gi = groupIndex[groups[i]] {
                matchedValue = unitWeights[i] * sums[gi]
                matchedCount = unitWeights[i] * counts[gi]
            }
            let if1 = (matchedValue - pgv) / total
            let sumDev = matchedCount - sumPG
            inf[i] += if1 - sumDev * pgv / (total * total)
        }
    }

    /// The influence function of the simple mean of several aggregated components (their own IFs given).
    static func meanInfluence(_ parts: [(Double, [Double])]) -> (Double, [Double]) {
        let m = Double(parts.count)
        let n = parts.first?.1.count ?? 0
        var inf = [Double](repeating: 0, count: n)
        for (_, f) in parts { for i in 0..<n { inf[i] += f[i] / m } }
        return (parts.reduce(0) { $0 + $1.0 } / m, inf)
    }

    /// Aggregates the ATT(g,t) as did's `aggte(type:)`, with analytic standard errors.
    public func aggregate(_ type: Aggregation, window: EventWindow = .init()) throws(DiDError) -> Aggregate {
        // Post-treatment as did's aggte defines it: t ≥ g (also with anticipation).
        let post = groupTimes.indices.filter { groupTimes[$0].time >= groupTimes[$0].group }
        var components: [(key: Double, estimate: Double, influence: [Double])] = []
        var overall: (Double, [Double])
        // The ATT(g,t) each component averages.
        var componentCells: [[Int]] = []
        var overallCells: [Int] = []
        switch type {
        case .simple:
            guard !post.isEmpty else { throw .estimation("there are no post-treatment ATT(g,t)") }
            overall = averageInfluence(post, byGroupShare: true)
            overallCells = post
        case .group:
            for g in Array(Set(groupTimes.map(\.group))).sorted() {
                let limit = window.maximum.map(Double.init) ?? .infinity
                let keep = post.filter { j in groupTimes[j].group == g && groupTimes[j].time - g <= limit }
                guard !keep.isEmpty else { continue }
                let (e, f) = averageInfluence(keep, byGroupShare: false)
                components.append((g, e, f))
                componentCells.append(keep)
            }
            overallCells = componentCells.flatMap { $0 }
            // Overall: the group means weighted by group size (with the estimation of the shares).
            let pgByGroup = groupShares
            let pg = components.map { pgByGroup[$0.key] ?? 0 }
            let total = pg.reduce(0, +)
            let estimate = zip(pg, components).reduce(0) { $0 + $1.0 / total * $1.1.estimate }
            var inf = [Double](repeating: 0, count: count)
            for (k, c) in components.enumerated() { for i in 0..<count { inf[i] += pg[k] / total * c.influence[i] } }
            addShareInfluence(keys: components.map(\.key), pg: pg, values: components.map(\.estimate), into: &inf)
            overall = (estimate, inf)
        case .dynamic:
            var eligible = Array(groupTimes.indices)
            if let b = window.balance {
                // Keep groups observed at least b periods after treatment.
                let lastTime = groupTimes.map(\.time).max() ?? 0
                eligible = eligible.filter { lastTime - groupTimes[$0].group >= Double(b) }
                eligible = eligible.filter { groupTimes[$0].time - groupTimes[$0].group <= Double(b) }
            }
            let events = Array(Set(eligible.map { groupTimes[$0].time - groupTimes[$0].group })).sorted().filter { e in
                (window.minimum.map { m in e >= Double(m) } ?? true) && (window.maximum.map { m in e <= Double(m) } ?? true)
            }
            for e in events {
                let keep = eligible.filter { groupTimes[$0].time - groupTimes[$0].group == e }
                let (est, f) = averageInfluence(keep, byGroupShare: true)
                components.append((e, est, f))
                componentCells.append(keep)
            }
            overallCells = zip(components, componentCells).filter { $0.0.key >= 0 }.flatMap(\.1)
            let postParts = components.filter { $0.key >= 0 }.map { ($0.estimate, $0.influence) }
            guard !postParts.isEmpty else { throw .estimation("there are no post-treatment event times in the window") }
            overall = Self.meanInfluence(postParts)
        case .calendar:
            let periods = Array(Set(post.map { groupTimes[$0].time })).sorted()
            for t in periods {
                let keep = post.filter { groupTimes[$0].time == t }
                let (est, f) = averageInfluence(keep, byGroupShare: true)
                components.append((t, est, f))
                componentCells.append(keep)
            }
            overallCells = componentCells.flatMap { $0 }
            guard !components.isEmpty else { throw .estimation("there are no post-treatment periods") }
            overall = Self.meanInfluence(components.map { ($0.estimate, $0.influence) })
        }
        let matrix = Matrix(rows: count, columns: 1 + components.count, columnMajor: overall.1 + components.flatMap(\.influence))
        let ses = Self.standardErrors(matrix, clusters: clusters)
        let inference = Inference(kind: .analytic, type: "influence function", df: .normal, clusters: clusters.map { ($0.max() ?? -1) + 1 })
        let level = specification.level
        func estimate(_ term: String, _ value: Double, _ se: Double) -> Estimate {
            .wald(term: term, estimate: value, standardError: se, degreesOfFreedom: nil, level: level, inference: inference)
        }
        let prefix: String
        switch type {
        case .simple: prefix = ""
        case .group: prefix = "group "
        case .dynamic: prefix = "event time "
        case .calendar: prefix = "period "
        }
        return Aggregate(
            aggregation: type, overall: estimate("overall", overall.0, ses[0]),
            components: components.enumerated().map { k, c in estimate(prefix + formatNumber(c.key), c.estimate, ses[k + 1]) },
            keys: components.map(\.key), influence: matrix,
            contributors: (contributors(cells: overallCells), componentCells.map { contributors(cells: $0) }))
    }
}
