/// The result of matching: who was matched to whom, and the weights and subclasses MatchIt would give.
public struct MatchedSample: Sendable {
    /// Table rows of the analysis sample (complete on every column used), in table order.
    public let rows: [Int]
    /// Treatment indicator for each unit of the analysis sample.
    public let treated: [Bool]
    /// Rows dropped for missing values.
    public let droppedRows: Int
    /// The propensity-score model, when one was estimated.
    public let propensityScores: PropensityScores?
    /// For each treated unit (position in the analysis sample), its matched controls in match order.
    public let matches: [Int: [Int]]
    /// Matching weights per unit (0: unmatched). See `MatchingSpecification` for the definition.
    public let weights: [Double]
    /// Subclass (matched set) per unit, numbered from 1 in treated data order; nil when unmatched
    /// or when matching with replacement (a control may then belong to several sets).
    public let subclass: [Int?]
    /// A description of the method, for reports.
    public let method: String

    /// The number of treated and control units with positive weight.
    public var matchedTreatedCount: Int { treated.indices.filter { treated[$0] && weights[$0] > 0 }.count }
    public var matchedControlCount: Int { treated.indices.filter { !treated[$0] && weights[$0] > 0 }.count }
    public var treatedCount: Int { treated.filter { $0 }.count }
    public var controlCount: Int { treated.count - treatedCount }

    /// Builds MatchIt's weights and subclasses from pair lists (ATT).
    init(
        rows: [Int], treated: [Bool], droppedRows: Int, propensityScores: PropensityScores?,
        matches: [Int: [Int]], replace: Bool, method: String
    ) {
        self.rows = rows
        self.treated = treated
        self.droppedRows = droppedRows
        self.propensityScores = propensityScores
        self.matches = matches
        self.method = method
        var w = [Double](repeating: 0, count: treated.count)
        var sub = [Int?](repeating: nil, count: treated.count)
        var next = 1
        for t in treated.indices where treated[t] {
            guard let controls = matches[t], !controls.isEmpty else { continue }
            w[t] = 1
            for c in controls { w[c] += 1 / Double(controls.count) }
            if !replace {
                sub[t] = next
                for c in controls { sub[c] = next }
                next += 1
            }
        }
        MatchedSample.normalizeControlWeights(&w, treated: treated)
        weights = w
        subclass = sub
    }

    /// Stratum-based constructor (CEM): weights n₁ₛ/n₀ₛ for controls, 1 for treated, in strata with both groups.
    init(rows: [Int], treated: [Bool], droppedRows: Int, strata: [Int], method: String) {
        self.rows = rows
        self.treated = treated
        self.droppedRows = droppedRows
        self.propensityScores = nil
        self.matches = [:]
        self.method = method
        var nt: [Int: Int] = [:], nc: [Int: Int] = [:]
        for i in treated.indices { if treated[i] { nt[strata[i], default: 0] += 1 } else { nc[strata[i], default: 0] += 1 } }
        // Subclasses numbered by first appearance in the data, as MatchIt's match() on the strata.
        var number: [Int: Int] = [:]
        var w = [Double](repeating: 0, count: treated.count)
        var sub = [Int?](repeating: nil, count: treated.count)
        for i in treated.indices {
            let s = strata[i]
            guard let t = nt[s], let c = nc[s] else { continue }
            if number[s] == nil { number[s] = number.count + 1 }
            sub[i] = number[s]
            w[i] = treated[i] ? 1 : Double(t) / Double(c)
        }
        MatchedSample.normalizeControlWeights(&w, treated: treated)
        weights = w
        subclass = sub
    }

    /// Scales control weights to sum to the number of matched controls (MatchIt's convention).
    static func normalizeControlWeights(_ w: inout [Double], treated: [Bool]) {
        let controls = treated.indices.filter { !treated[$0] && w[$0] > 0 }
        let total = controls.reduce(0) { $0 + w[$1] }
        guard total > 0 else { return }
        let scale = Double(controls.count) / total
        for c in controls { w[c] *= scale }
    }
}
