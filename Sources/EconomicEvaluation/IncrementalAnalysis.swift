import Foundation

/// The incremental analysis of several strategies: which are dominated, which lie on the
/// cost-effectiveness frontier, and the frontier's incremental cost-effectiveness ratios (ICERs).
///
/// Definitions (as dampack's `calculate_icers`, version 1.0.2.1000 on GitHub):
/// - a strategy is **dominated** (strongly) when another costs no more and yields at least as much
///   effect, one of the two strictly;
/// - of the rest, ordered by cost, a strategy is **extendedly dominated** when its ICER against the
///   strategy before it exceeds the next strategy's ICER (a mix of its neighbours does better); such
///   strategies are removed and the ICERs recomputed until they increase along the frontier;
/// - each **frontier** strategy's ICER is (Cⱼ − Cᵢ)/(Eⱼ − Eᵢ) against the frontier strategy before it;
///   the cheapest frontier strategy is the reference and has none.
///
/// Strategies with equal cost and effect: the one listed later is dominated. Complexity O(s²) for s
/// strategies.
public enum IncrementalAnalysis {
    /// Where a strategy stands.
    public enum Status: String, Sendable, Codable, Equatable {
        /// On the frontier (the reference is its cheapest strategy).
        case frontier
        /// Another strategy costs no more and yields at least as much.
        case dominated
        /// A mix of two frontier strategies would do better.
        case extendedlyDominated = "extendedly-dominated"
    }

    /// One strategy's row of the incremental analysis.
    public struct Row: Sendable, Codable, Equatable {
        public let strategy: String
        public let cost: Double
        public let effect: Double
        public let status: Status
        /// The frontier strategy this one is compared with (nil for the reference and off the frontier).
        public let comparator: String?
        public let incrementalCost: Double?
        public let incrementalEffect: Double?
        /// (incremental cost) / (incremental effect) against `comparator`.
        public let icer: Double?
    }

    /// The rows for strategies `names` with mean `costs` and `effects`: frontier strategies first in
    /// increasing cost, then the extendedly dominated and the dominated, each by increasing cost and
    /// decreasing effect (dampack's order).
    public static func rows(names: [String], costs: [Double], effects: [Double]) -> [Row] {
        precondition(names.count == costs.count && costs.count == effects.count, "IncrementalAnalysis: sizes differ")
        let s = names.count
        func dominates(_ j: Int, _ i: Int) -> Bool {
            guard j != i, costs[j] <= costs[i], effects[j] >= effects[i] else { return false }
            return costs[j] < costs[i] || effects[j] > effects[i] || j < i
        }
        let dominated: [Bool] = (0..<s).map { i in (0..<s).contains { dominates($0, i) } }
        let byCost = (0..<s).sorted { costs[$0] != costs[$1] ? costs[$0] < costs[$1] : effects[$0] < effects[$1] }
        var frontier = byCost.filter { !dominated[$0] }
        var extended: [Int] = []
        func icer(_ k: Int) -> Double {
            (costs[frontier[k]] - costs[frontier[k - 1]]) / (effects[frontier[k]] - effects[frontier[k - 1]])
        }
        while frontier.count > 2 {
            let removed = (1..<(frontier.count - 1)).filter { icer($0) > icer($0 + 1) }
            if removed.isEmpty { break }
            extended += removed.map { frontier[$0] }
            let drop = Set(removed)
            frontier = frontier.indices.filter { !drop.contains($0) }.map { frontier[$0] }
        }
        var rows: [Row] = []
        for (k, i) in frontier.enumerated() {
            let previous = k > 0 ? frontier[k - 1] : nil
            rows.append(
                Row(
                    strategy: names[i], cost: costs[i], effect: effects[i], status: .frontier, comparator: previous.map { names[$0] },
                    incrementalCost: previous.map { costs[i] - costs[$0] }, incrementalEffect: previous.map { effects[i] - effects[$0] },
                    icer: k > 0 ? icer(k) : nil))
        }
        for (status, members) in [(Status.extendedlyDominated, extended), (.dominated, byCost.filter { dominated[$0] })] {
            for i in members.sorted(by: { costs[$0] != costs[$1] ? costs[$0] < costs[$1] : effects[$0] > effects[$1] }) {
                rows.append(
                    Row(
                        strategy: names[i], cost: costs[i], effect: effects[i], status: status, comparator: nil, incrementalCost: nil,
                        incrementalEffect: nil, icer: nil))
            }
        }
        return rows
    }
}
