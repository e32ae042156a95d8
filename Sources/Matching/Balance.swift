import EstimationCore
import Foundation
import Tabular

/// One variable to assess balance on.
public struct BalanceVariable: Sendable {
    public let name: String
    public let values: [Double]
    /// True when every value is 0 or 1 (variances are then p(1 − p), and eCDF statistics the mean difference).
    public var isBinary: Bool { values.allSatisfy { $0 == 0 || $0 == 1 } }

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }

    /// Numeric covariates as they are and every level of each factor as a 0/1 indicator (`factor_level`),
    /// for the given table rows.
    public static func from(_ table: Table, rows: [Int], covariates: [String], factors: [String]) throws(MatchingError) -> [BalanceVariable] {
        var out: [BalanceVariable] = []
        do {
            for c in covariates {
                let v = try table.numeric(c)
                out.append(BalanceVariable(name: c, values: rows.map { v[$0] }))
            }
            for f in factors {
                let s = try table.strings(f)
                let levels = Array(Set(rows.compactMap { s[$0] })).sorted {
                    if let a = Double($0), let b = Double($1) { return a < b }
                    return $0 < $1
                }
                for level in levels {
                    out.append(BalanceVariable(name: "\(f)_\(level)", values: rows.map { s[$0] == level ? 1 : 0 }))
                }
            }
        } catch { throw .table(error) }
        return out
    }
}

extension BalanceVariable {
    /// `variables` (from `from(_:rows:covariates:factors:)`) with the first level of each factor left
    /// out: the model columns of treatment contrasts, whose levels would otherwise sum to the intercept.
    public static func droppingFirstLevels(_ variables: [BalanceVariable], covariates: [String], factors: [String]) -> [BalanceVariable] {
        var seenFactor = Set<String>()
        return variables.filter { v in
            guard let f = factors.first(where: { v.name.hasPrefix($0 + "_") }), !covariates.contains(v.name) else { return true }
            return !seenFactor.insert(f).inserted
        }
    }
}

/// Balance statistics for one variable.
public struct BalanceRow: Sendable, Codable, Equatable {
    public let variable: String
    public let binary: Bool
    public let meanTreated: Double
    public let meanControl: Double
    /// (mean treated − mean control) / SD; see `Balance` for the SD.
    public let standardizedMeanDifference: Double
    /// Weighted variance ratio treated / control (non-binary variables with a non-zero control variance).
    public let varianceRatio: Double?
    /// Mean and maximum absolute difference of the weighted empirical CDFs.
    public let ecdfMean: Double
    public let ecdfMax: Double
    /// The units with positive weight behind each group's mean (unweighted counts).
    public let contributors: ComparisonContributors
    /// Binary variables: the units with value 1 among them (a percentage's numerator); nil otherwise.
    public let ones: ComparisonContributors?
}

/// A balance table for one weighting of the sample (unadjusted, matched or weighted).
public struct BalanceTable: Sendable, Codable, Equatable {
    public let estimand: Estimand
    public let rows: [BalanceRow]
    /// Units with positive weight.
    public let treatedCount: Int
    public let controlCount: Int
    /// Kish's effective sample size (Σw)²/Σw² in each group.
    public let effectiveTreated: Double
    public let effectiveControl: Double

    public subscript(variable: String) -> BalanceRow? { rows.first { $0.variable == variable } }
}

/// Balance diagnostics with R MatchIt's definitions (`summary.matchit`, standardised):
///
/// - Means are weighted means within each group.
/// - The SMD's denominator is always computed on the **unadjusted** sample: the
///   treated group's SD for the ATT, the controls' for the ATC, and
///   √((s²₁ + s²₀)/2) for the ATE. Variances are Σw(x − x̄)²/(1 − Σw²) with
///   normalised weights (the usual n − 1 form when unweighted), and p(1 − p) for
///   binary variables. A mean difference below √ε is reported unstandardised.
/// - The variance ratio uses the same weighted variances, for non-binary variables;
///   it is undefined (nil, `null` in JSON) when the control variance is zero up to
///   rounding, e.g. for a covariate constant among the (weighted) controls.
/// - eCDF statistics: weights normalised within groups, the absolute difference
///   of the two weighted eCDFs at each distinct value; their mean (over
///   distinct values) and maximum. For binary variables both equal |mean difference|.
/// - Effective sample size: (Σw)²/Σw² per group.
public enum Balance {
    /// The balance table for `variables` with `weights` (nil: unadjusted).
    public static func table(
        _ variables: [BalanceVariable], treated: [Bool], weights: [Double]? = nil,
        estimand: Estimand = .att
    ) -> BalanceTable {
        table(variables, treated: treated, weights: weights, estimand: estimand, orders: orders(variables))
    }

    /// Balance tables of the same variables under several sets of weights (before and after matching,
    /// say), each variable sorted once for the eCDF statistics of all of them.
    ///
    /// Complexity: O(p n log n) for the sorts plus O(p n) per table, for p variables and n units.
    public static func tables(
        _ variables: [BalanceVariable], treated: [Bool], weights: [[Double]?], estimand: Estimand = .att
    ) -> [BalanceTable] {
        let order = orders(variables)
        return weights.map { table(variables, treated: treated, weights: $0, estimand: estimand, orders: order) }
    }

    /// Each non-binary variable's units in ascending order of value, ties in unit order (nil for binary ones).
    static func orders(_ variables: [BalanceVariable]) -> [[Int]?] {
        variables.map { v in
            v.isBinary ? nil : v.values.enumerated().map { ($0.element, $0.offset) }.sorted { $0 < $1 }.map(\.1)
        }
    }

    static func table(
        _ variables: [BalanceVariable], treated: [Bool], weights: [Double]?, estimand: Estimand, orders: [[Int]?]
    ) -> BalanceTable {
        let w = weights ?? [Double](repeating: 1, count: treated.count)
        let t = treated.indices.filter { treated[$0] }, c = treated.indices.filter { !treated[$0] }
        let usedT = t.filter { w[$0] > 0 }, usedC = c.filter { w[$0] > 0 }
        let contributors = ComparisonContributors(treated: Contributors(units: usedT.count), comparison: Contributors(units: usedC.count))
        func ones(_ x: [Double]) -> ComparisonContributors {
            ComparisonContributors(
                treated: Contributors(units: usedT.filter { x[$0] == 1 }.count), comparison: Contributors(units: usedC.filter { x[$0] == 1 }.count))
        }
        let rows = variables.indices.map { k -> BalanceRow in
            let v = variables[k]
            let x = v.values, binary = orders[k] == nil
            let mt = WeightedStatistics.mean(t.map { x[$0] }, weights: t.map { w[$0] })
            let mc = WeightedStatistics.mean(c.map { x[$0] }, weights: c.map { w[$0] })
            let diff = mt - mc
            var smd = diff
            if abs(diff) > Double.ulpOfOne.squareRoot() {
                let vt = weightedVariance(t.map { x[$0] }, nil, binary: binary)
                let vc = weightedVariance(c.map { x[$0] }, nil, binary: binary)
                var sd: Double
                switch estimand {
                case .att: sd = vt.squareRoot()
                case .atc: sd = vc.squareRoot()
                case .ate: sd = ((vt + vc) / 2).squareRoot()
                }
                if !sd.isFinite || sd < Double.ulpOfOne.squareRoot() {
                    // MatchIt's fallback: the pooled SD with contributions proportional to group size.
                    sd = ((Double(t.count - 1) * vt + Double(c.count - 1) * vc) / Double(t.count + c.count - 2)).squareRoot()
                }
                smd = diff / sd
            }
            var ratio: Double?
            var ecdf = (mean: abs(diff), max: abs(diff))
            if !binary {
                let vt = weightedVariance(t.map { x[$0] }, t.map { w[$0] }, binary: false)
                let vc = weightedVariance(c.map { x[$0] }, c.map { w[$0] }, binary: false)
                // A control variance that is zero up to rounding (a constant column) leaves the ratio undefined.
                let scale = x.reduce(0) { max($0, abs($1)) }
                ratio = vc > Double.ulpOfOne * max(scale * scale, Double.leastNormalMagnitude) ? vt / vc : nil
                ecdf = ecdfDifferences(x, treated: treated, weights: w, order: orders[k]!)
            }
            return BalanceRow(
                variable: v.name, binary: binary, meanTreated: mt, meanControl: mc,
                standardizedMeanDifference: smd, varianceRatio: ratio, ecdfMean: ecdf.mean, ecdfMax: ecdf.max, contributors: contributors,
                ones: binary ? ones(x) : nil)
        }
        func ess(_ idx: [Int]) -> Double { WeightedStatistics.effectiveSampleSize(idx.map { w[$0] }) }
        return BalanceTable(
            estimand: estimand, rows: rows,
            treatedCount: usedT.count, controlCount: usedC.count,
            effectiveTreated: ess(t), effectiveControl: ess(c))
    }

    /// MatchIt's `wvar`: p(1 − p) for binary, else the reliability-weighted variance (see `WeightedStatistics`).
    static func weightedVariance(_ x: [Double], _ weights: [Double]?, binary: Bool) -> Double {
        binary
            ? WeightedStatistics.binaryVariance(x, weights: weights)
            : WeightedStatistics.variance(x, weights: weights ?? [Double](repeating: 1, count: x.count))
    }

    /// Mean and maximum |F₁(x) − F₀(x)| over the distinct values of x, with weighted eCDFs.
    /// `order` lists the units by ascending x (ties in unit order).
    static func ecdfDifferences(_ x: [Double], treated: [Bool], weights: [Double], order: [Int]) -> (mean: Double, max: Double) {
        var st = 0.0, sc = 0.0
        for i in treated.indices { if treated[i] { st += weights[i] } else { sc += weights[i] } }
        var cumulative = 0.0
        var diffs: [Double] = []
        for (k, i) in order.enumerated() {
            cumulative += treated[i] ? weights[i] / st : -weights[i] / sc
            if k == order.count - 1 || x[order[k + 1]] != x[i] { diffs.append(abs(cumulative)) }
        }
        return (diffs.reduce(0, +) / Double(diffs.count), diffs.max() ?? 0)
    }
}
