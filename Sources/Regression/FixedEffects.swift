import EstimationCore
import Foundation
import LinearAlgebra

/// Absorbed fixed effects: one or more factors swept out of every model column.
///
/// `demean` applies M_D, the (weighted) residual-maker of the fixed-effect dummies D, by the method
/// of alternating projections (Guimarães & Portugal 2010; Gaure 2013): each sweep subtracts, factor
/// by factor, the weighted mean of the current residual within each level. With one factor one sweep
/// is exact; with several, sweeps are accelerated by Irons & Tuck's (1969) extrapolation (as fixest
/// does) and repeated until no value changes by more than `tolerance` · (1 + max |x|).
/// By Frisch–Waugh–Lovell, least squares on M_D y and M_D X gives the coefficients, residuals and
/// residual sum of squares of the model with the dummies written out.
///
/// Complexity: O(n · factors) per sweep; sweeps grow with how weakly the factors are connected
/// (one for a single factor; a handful for a balanced two-way panel).
public struct FixedEffects: Sendable {
    /// The factors' column names.
    public let names: [String]
    /// For each factor, each row's level (0-based).
    public let codes: [[Int]]
    /// For each factor, its level labels.
    public let levels: [[String]]
    /// Observation weights (nil: unweighted).
    public let weights: [Double]?
    /// For each factor, the total weight of each level.
    let levelWeights: [[Double]]

    /// The convergence tolerance of the alternating projections (relative to the column's scale).
    public static let tolerance = 1e-13
    public static let maximumIterations = 100_000

    public init(names: [String], codes: [[Int]], levels: [[String]], weights: [Double]?) {
        precondition(names.count == codes.count && codes.count == levels.count, "one code list and level list per factor")
        self.names = names
        self.codes = codes
        self.levels = levels
        self.weights = weights
        levelWeights = zip(codes, levels).map { c, l in
            var s = [Double](repeating: 0, count: l.count)
            if let weights { for (i, code) in c.enumerated() { s[code] += weights[i] } } else { for code in c { s[code] += 1 } }
            return s
        }
    }

    public var observations: Int { codes.first?.count ?? 0 }

    /// One sweep: subtract each factor's within-level weighted mean in turn.
    func sweep(_ x: inout [Double]) {
        let n = x.count
        for (f, c) in codes.enumerated() {
            var sums = [Double](repeating: 0, count: levels[f].count)
            if let weights { for i in 0..<n { sums[c[i]] += weights[i] * x[i] } } else { for i in 0..<n { sums[c[i]] += x[i] } }
            let lw = levelWeights[f]
            for l in sums.indices { sums[l] /= lw[l] }
            for i in 0..<n { x[i] -= sums[c[i]] }
        }
    }

    /// M_D x: `x` with the fixed effects swept out, and the number of sweeps it took.
    /// - Throws: `RegressionError.notConverged` when `maximumIterations` sweeps do not reach `tolerance`.
    public func demean(_ x: [Double]) throws(RegressionError) -> (values: [Double], iterations: Int) {
        var current = x
        sweep(&current)
        if codes.count == 1 { return (current, 1) }
        let scale = 1 + (x.map(abs).max() ?? 0)
        var iterations = 1
        while iterations < Self.maximumIterations {
            var f1 = current
            sweep(&f1)
            var f2 = f1
            sweep(&f2)
            iterations += 2
            // Irons–Tuck: x* = F²x − (Δ²·ΔF / ‖Δ²‖²) ΔF with ΔF = F²x − Fx, Δ² = F²x − 2Fx + x.
            var num = 0.0, den = 0.0, change = 0.0
            for i in current.indices {
                let d1 = f2[i] - f1[i], d2 = f2[i] - 2 * f1[i] + current[i]
                num += d1 * d2
                den += d2 * d2
                change = max(change, abs(f2[i] - current[i]))
            }
            if change <= Self.tolerance * scale { return (f2, iterations) }
            if den > 0 {
                let step = num / den
                for i in current.indices { current[i] = f2[i] - step * (f2[i] - f1[i]) }
            } else {
                current = f2
            }
        }
        throw .notConverged(
            method: "alternating projections for the absorbed fixed effects", iterations: iterations,
            detail: "the factors \(names.joined(separator: ", ")) may be very weakly connected")
    }

    /// M_D applied to every column of `x`.
    public func demean(columns x: Matrix) throws(RegressionError) -> (values: Matrix, iterations: Int) {
        var out: [[Double]] = []
        var most = 0
        for j in 0..<x.columns {
            let (v, it) = try demean(x.column(j))
            out.append(v)
            most = max(most, it)
        }
        return (Matrix(rows: x.rows, columns: x.columns, columnMajor: out.flatMap { $0 }), most)
    }

    /// Whether factor `f` is nested in `clusters` (every level lies within one cluster).
    public func isNested(_ f: Int, in clusters: [Int]) -> Bool {
        var owner = [Int](repeating: -1, count: levels[f].count)
        for (i, l) in codes[f].enumerated() {
            if owner[l] < 0 { owner[l] = clusters[i] } else if owner[l] != clusters[i] { return false }
        }
        return true
    }

    /// Rows whose level of some factor occurs only once, removed repeatedly until none is left
    /// (reghdfe's default; Correia 2015): the positions kept, in order.
    public static func nonSingletonRows(_ codes: [[Int]], levelCounts: [Int]) -> [Int] {
        var keep = [Bool](repeating: true, count: codes.first?.count ?? 0)
        var changed = true
        while changed {
            changed = false
            for (f, c) in codes.enumerated() {
                var counts = [Int](repeating: 0, count: levelCounts[f])
                for i in c.indices where keep[i] { counts[c[i]] += 1 }
                for i in c.indices where keep[i] && counts[c[i]] == 1 {
                    keep[i] = false
                    changed = true
                }
            }
        }
        return keep.indices.filter { keep[$0] }
    }
}
