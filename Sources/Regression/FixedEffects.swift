import EstimationCore
import Foundation
import LinearAlgebra

/// Absorbed fixed effects: one or more factors swept out of every model column.
///
/// `demean` applies M_D, the (weighted) residual-maker of the fixed-effect dummies D, by the method
/// of alternating projections (Guimarães & Portugal 2010; Gaure 2013): each sweep subtracts, factor
/// by factor, the weighted mean of the current residual within each level. With one factor one sweep
/// is exact; with two, when the smaller factor has at most `TwoWaySolver.maximumSmallLevels` levels
/// and the factors are connected, the fixed effects are solved directly (below); otherwise sweeps are accelerated by Irons & Tuck's (1969) extrapolation (as fixest
/// does) and repeated until no value changes by more than `tolerance` · (1 + max |x|).
/// By Frisch–Waugh–Lovell, least squares on M_D y and M_D X gives the coefficients, residuals and
/// residual sum of squares of the model with the dummies written out.
///
/// Complexity: O(n · factors) per sweep; sweeps grow with how weakly the factors are connected.
/// The two-factor direct solve costs two passes over the rows plus O(B·S) per column (B, S the
/// levels of the larger and smaller factor), after a one-off O(n + B·S²+ S³) set-up.
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
    /// The direct solver for two factors, when it applies.
    let twoWay: TwoWaySolver?

    /// The convergence tolerance of the alternating projections (relative to the column's scale).
    public static let tolerance = 1e-13
    public static let maximumIterations = 100_000

    /// - Parameter direct: solve two factors directly when possible (false: always alternate projections).
    public init(names: [String], codes: [[Int]], levels: [[String]], weights: [Double]?, direct: Bool = true) {
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
        twoWay = direct && codes.count == 2 ? TwoWaySolver(codes: codes, levelWeights: levelWeights, weights: weights) : nil
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
        if let twoWay { return (twoWay.demean(x, codes: codes, weights: weights), 1) }
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
        var out = x
        var most = 0
        for j in 0..<x.columns {
            let (v, it) = try demean(x.column(j))
            out.setColumn(j, to: v)
            most = max(most, it)
        }
        return (out, most)
    }

    /// The diagonal of P_D = I − M_D, each observation's leverage on the dummies (the same in whitened
    /// terms): wᵢ/W_level with one factor, O(n); with several, 1 − (M_D eᵢ)ᵢ, one demeaning per observation.
    public func projectionDiagonal() throws(RegressionError) -> [Double] {
        if codes.count == 1 {
            let c = codes[0], lw = levelWeights[0]
            return c.indices.map { (weights?[$0] ?? 1) / lw[c[$0]] }
        }
        var out = [Double](repeating: 0, count: observations)
        var unit = [Double](repeating: 0, count: observations)
        for i in out.indices {
            unit[i] = 1
            out[i] = 1 - (try demean(unit).values[i])
            unit[i] = 0
        }
        return out
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

/// The direct two-way solve: for factors with B and S levels (S the smaller), the weighted least
/// squares fixed effects (α, β) of x satisfy W_B α + C β = s_B and Cᵀα + W_S β = s_S, C the B × S
/// table of summed weights. Eliminating α gives the S × S system (W_S − CᵀW_B⁻¹C) β = s_S − CᵀW_B⁻¹s_B,
/// whose matrix has the constant vector as null space when the factors are connected; fixing
/// β_S = 0 leaves a positive definite system, factored once by Cholesky. Then α = W_B⁻¹(s_B − Cβ)
/// and M_D x = x − α_b − β_s. A factor pair that is not connected (Cholesky fails) uses the sweeps.
struct TwoWaySolver: Sendable {
    static let maximumSmallLevels = 400
    static let maximumCells = 20_000_000

    /// Which factor is the larger (B) and which the smaller (S).
    let big: Int, small: Int
    /// C, B × S row-major.
    let cross: [Double]
    let bigWeights: [Double], smallLevels: Int
    let factor: Cholesky

    init?(codes: [[Int]], levelWeights: [[Double]], weights: [Double]?) {
        let (b, s) = levelWeights[0].count >= levelWeights[1].count ? (0, 1) : (1, 0)
        let nb = levelWeights[b].count, ns = levelWeights[s].count
        guard ns >= 2, ns <= Self.maximumSmallLevels, nb * ns <= Self.maximumCells else { return nil }
        var cross = [Double](repeating: 0, count: nb * ns)
        let cb = codes[b], cs = codes[s]
        for i in cb.indices { cross[cb[i] * ns + cs[i]] += weights?[i] ?? 1 }
        // K = W_S − Σ_b c_b c_bᵀ / W_b, reduced to the first S − 1 coordinates.
        let m = ns - 1
        var k = Matrix(rows: m, columns: m)
        for j in 0..<m { k[j, j] = levelWeights[s][j] }
        k.withUnsafeMutableBufferPointer { kp in
            for row in 0..<nb {
                let base = row * ns, wb = levelWeights[b][row]
                for q in 0..<m where cross[base + q] != 0 {
                    let cq = cross[base + q] / wb
                    for p in 0..<m where cross[base + p] != 0 { kp[q * m + p] -= cross[base + p] * cq }
                }
            }
        }
        guard let factor = try? k.cholesky() else { return nil }
        big = b
        small = s
        self.cross = cross
        bigWeights = levelWeights[b]
        smallLevels = ns
        self.factor = factor
    }

    func demean(_ x: [Double], codes: [[Int]], weights: [Double]?) -> [Double] {
        let (alpha, beta) = effects(x, codes: codes, weights: weights)
        let cb = codes[big], cs = codes[small]
        return x.indices.map { x[$0] - alpha[cb[$0]] - beta[cs[$0]] }
    }

    /// The two factors' effects (α for the larger, β for the smaller, its last level 0).
    func effects(_ x: [Double], codes: [[Int]], weights: [Double]?) -> (alpha: [Double], beta: [Double]) {
        let cb = codes[big], cs = codes[small], ns = smallLevels, nb = bigWeights.count
        var sb = [Double](repeating: 0, count: nb), ss = [Double](repeating: 0, count: ns)
        if let weights {
            for i in x.indices { let v = weights[i] * x[i]; sb[cb[i]] += v; ss[cs[i]] += v }
        } else {
            for i in x.indices { sb[cb[i]] += x[i]; ss[cs[i]] += x[i] }
        }
        // r = s_S − Cᵀ W_B⁻¹ s_B (first S − 1 coordinates).
        var r = Array(ss.prefix(ns - 1))
        for row in 0..<nb {
            let a = sb[row] / bigWeights[row], base = row * ns
            for q in 0..<(ns - 1) { r[q] -= cross[base + q] * a }
        }
        var beta = (try? factor.solve(r)) ?? [Double](repeating: 0, count: ns - 1)
        beta.append(0)
        var alpha = [Double](repeating: 0, count: nb)
        for row in 0..<nb {
            var t = sb[row]
            let base = row * ns
            for q in 0..<ns { t -= cross[base + q] * beta[q] }
            alpha[row] = t / bigWeights[row]
        }
        return (alpha, beta)
    }
}
