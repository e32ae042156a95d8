import Foundation

/// Decision-analytic summaries of probabilistic-sensitivity draws: S strategies' effects and costs in
/// each of D draws (the output of a decision model, BCEA's input).
///
/// Definitions (as R's BCEA, version 2.4.84 on GitHub): with NB_sd(λ) = λ·e_sd − c_sd,
/// - the incremental effect and cost of strategy s over the comparator r are the draws' means of
///   e_sd − e_rd and c_sd − c_rd, and the ICER their ratio;
/// - the expected incremental benefit EIB_s(λ) = λ·ΔĒ_s − ΔC̄_s (BCEA's `eib`);
/// - the acceptability curve CEAC_s(λ) = (1/D)·#{d : NB_sd(λ) > NB_rd(λ)} (BCEA's `ceac`, pairwise);
/// - the probability that s is the most cost-effective, (1/D)·#{d : NB_sd = max_j NB_jd} (BCEA's
///   `mce`/`p_best_interv`, the multi-strategy acceptability curve; ties go to the first strategy), and
///   the acceptability frontier (Fenwick, Claxton & Sculpher 2001): that probability for the strategy with
///   the highest expected net benefit (BCEA's `p_optimal_best`; BCEA's `ceaf` is instead the largest
///   probability of any strategy, which can belong to a strategy that is not optimal);
/// - the expected value of perfect information per person
///   EVPI(λ) = (1/D)·Σ_d max_s NB_sd − max_s (1/D)·Σ_d NB_sd (BCEA's `evi`).
///
/// Complexity: O(D·S) per λ, in one pass over the draws.
public enum ProbabilisticSensitivity {
    /// One strategy against the comparator.
    public struct Increment: Sendable, Codable, Equatable {
        public let strategy: String
        public let comparator: String
        public let incrementalEffect: Double
        public let incrementalCost: Double
        /// incrementalCost / incrementalEffect (nil when the effect difference is 0).
        public let icer: Double?
        /// Share of draws in each quadrant of the cost-effectiveness plane: more effective and costlier
        /// (NE), more effective and cheaper (SE), less effective and costlier (NW), less effective and
        /// cheaper (SW). Draws on an axis count in none.
        public let quadrants: Quadrants
    }

    /// Shares of draws by quadrant of the cost-effectiveness plane.
    public struct Quadrants: Sendable, Codable, Equatable {
        public let northEast: Double
        public let southEast: Double
        public let northWest: Double
        public let southWest: Double
    }

    /// Everything at one willingness to pay.
    public struct AtWillingnessToPay: Sendable, Codable, Equatable {
        public let willingnessToPay: Double
        /// Expected net benefit per strategy, in strategy order.
        public let expectedNetBenefit: [Double]
        /// EIB of each non-comparator strategy over the comparator, in the order of `increments`.
        public let expectedIncrementalBenefit: [Double]
        /// The pairwise acceptability curve of each non-comparator strategy, in the order of `increments`.
        public let probabilityCostEffective: [Double]
        /// Probability that each strategy has the highest net benefit, in strategy order.
        public let probabilityMostCostEffective: [Double]
        /// The strategy with the highest expected net benefit, and the probability that it is the most
        /// cost-effective (the acceptability frontier).
        public let optimal: String
        public let frontierProbability: Double
        public let expectedValueOfPerfectInformation: Double
    }

    /// The summaries of `effects[s][d]` and `costs[s][d]` for strategies `names` (comparator at index
    /// `comparator`) over `willingnessToPay`.
    public static func summarise(
        names: [String], effects: [[Double]], costs: [[Double]], comparator: Int, willingnessToPay: [Double]
    ) -> (increments: [Increment], byWillingnessToPay: [AtWillingnessToPay]) {
        let s = names.count, d = effects.first?.count ?? 0
        precondition(effects.count == s && costs.count == s && effects.allSatisfy { $0.count == d } && costs.allSatisfy { $0.count == d } && d > 0)
        let others = (0..<s).filter { $0 != comparator }
        let increments = others.map { j -> Increment in
            var de = 0.0, dc = 0.0
            var ne = 0, se = 0, nw = 0, sw = 0
            for k in 0..<d {
                let x = effects[j][k] - effects[comparator][k], y = costs[j][k] - costs[comparator][k]
                de += x
                dc += y
                if x > 0 && y > 0 { ne += 1 } else if x > 0 && y < 0 { se += 1 } else if x < 0 && y > 0 { nw += 1 } else if x < 0 && y < 0 { sw += 1 }
            }
            let n = Double(d)
            de /= n
            dc /= n
            return Increment(
                strategy: names[j], comparator: names[comparator], incrementalEffect: de, incrementalCost: dc, icer: de != 0 ? dc / de : nil,
                quadrants: Quadrants(northEast: Double(ne) / n, southEast: Double(se) / n, northWest: Double(nw) / n, southWest: Double(sw) / n))
        }
        let rows = willingnessToPay.map { lambda -> AtWillingnessToPay in
            var total = [Double](repeating: 0, count: s)
            var best = [Int](repeating: 0, count: s)
            var beats = [Int](repeating: 0, count: others.count)
            var sumMax = 0.0
            var nb = [Double](repeating: 0, count: s)
            for k in 0..<d {
                var top = 0
                for j in 0..<s {
                    nb[j] = lambda * effects[j][k] - costs[j][k]
                    total[j] += nb[j]
                    if nb[j] > nb[top] { top = j }
                }
                best[top] += 1
                sumMax += nb[top]
                for (m, j) in others.enumerated() where nb[j] > nb[comparator] { beats[m] += 1 }
            }
            let n = Double(d)
            let expected = total.map { $0 / n }
            let optimal = expected.indices.max { expected[$0] < expected[$1] || (expected[$0] == expected[$1] && $0 > $1) } ?? 0
            return AtWillingnessToPay(
                willingnessToPay: lambda, expectedNetBenefit: expected,
                expectedIncrementalBenefit: zip(others, increments).map { _, inc in lambda * inc.incrementalEffect - inc.incrementalCost },
                probabilityCostEffective: beats.map { Double($0) / n }, probabilityMostCostEffective: best.map { Double($0) / n },
                optimal: names[optimal], frontierProbability: Double(best[optimal]) / n,
                expectedValueOfPerfectInformation: max(sumMax / n - expected[optimal], 0))
        }
        return (increments, rows)
    }
}
