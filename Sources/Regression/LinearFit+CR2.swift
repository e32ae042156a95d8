import Distributions
import EstimationCore
import Foundation
import LinearAlgebra

/// The bias-reduced cluster-robust variance CR2 (Bell & McCaffrey 2002) with Satterthwaite degrees of
/// freedom and the HTZ Wald test (Pustejovsky & Tipton 2018), as R's clubSandwich defines them for
/// `lm`: working model Φ = I (independent homoskedastic errors), weight matrix W (WLS weights, or I).
///
/// With M = (XᵀWX)⁻¹ and H = X M XᵀW the hat matrix of the **full** model (fixed-effect dummies
/// included), for each cluster g, with R_g = (I − H)_{g·} the cluster's rows of I − H:
///
///     A_g = (R_g R_gᵀ)^(−½)            (pseudo-inverse square root: eigenvalues ≤ 1e-12 give 0)
///     V_CR2 = M (Σ_g X_gᵀW_g A_g e_g e_gᵀ A_g W_g X_g) M
///
/// (without weights R_g R_gᵀ = (I − H)_gg). For a contrast c, p_g = R_gᵀ A_g W_g X_g M c (an n-vector),
/// and Satterthwaite's degrees of freedom are ν = (Σ_g ‖p_g‖²)² / Σ_{g,h} (p_gᵀp_h)². For q contrasts
/// C, with Ω = Σ_g P_gᵀP_g and the contrasts rotated by Ω^(−½) into vectors g_{s,g}, the HTZ statistic
/// is F = (η − q + 1)/(η q) · Q on (q, η − q + 1) degrees of freedom, with Q = (Cβ)ᵀ(C V Cᵀ)⁻¹(Cβ) and
/// η = q(q + 1) / Σ_{s,t} Σ_{g,h} [(g_sgᵀg_sh)(g_tgᵀg_th) + (g_sgᵀg_th)(g_tgᵀg_sh)] (Tipton &
/// Pustejovsky 2015's Hotelling T² approximation).
///
/// With absorbed fixed effects (X the demeaned design), I − H = M_D − X M XᵀW, M_D = I − D(DᵀWD)⁻¹DᵀW;
/// a row of M_D is direct for one absorbed factor and W·M_D(eᵢ/wᵢ) through `FixedEffects.demean`
/// for several. So CR2 equals CR2 on the model with the dummies written out.
///
/// Complexity: O(n² + Σ_g n_g³ + G k n) time (one demeaning per observation with several absorbed
/// factors) and O(G k n) memory for the p vectors, so it is limited to `maximumRows` observations.
struct CR2 {
    static let maximumRows = 20_000

    let fit: LinearFit
    /// Row positions of each cluster.
    let groups: [[Int]]
    let w: [Double]
    /// M = (XᵀWX)⁻¹.
    let bread: Matrix
    /// A_g per cluster.
    let adjustments: [Matrix]
    /// p_g for each coefficient: `p[j][g]` (unit contrast j).
    let p: [[[Double]]]

    init(_ fit: LinearFit, codes: [Int]) throws(RegressionError) {
        self.fit = fit
        let n = fit.observations, k = fit.parameterCount
        guard n <= Self.maximumRows else {
            throw .varianceUnavailable(
                estimator: "CR2",
                reason: "it is computed for up to \(Self.maximumRows) observations (this model has \(n)); use CR1 or the wild cluster bootstrap")
        }
        let g = (codes.max() ?? -1) + 1
        var groups = [[Int]](repeating: [], count: g)
        for (i, c) in codes.enumerated() { groups[c].append(i) }
        self.groups = groups
        let w = fit.weights ?? [Double](repeating: 1, count: n)
        self.w = w
        bread = try fit.bread().bread
        let x = fit.x
        let xm = x.multiplied(by: bread) // X M, n × k
        let wx = fit.weights == nil ? x : x.scalingRows(by: w) // W X
        var adjustments: [Matrix] = []
        var p = [[[Double]]](repeating: [], count: k)
        for rows in groups {
            // R_g = (M_D)_{g·} − (X M)_g (W X)ᵀ
            var rg = try Self.residualMakerRows(fit, rows: rows, weights: w)
            let correction = xm.selectingRows(rows).multiplied(by: wx, transposingOther: true)
            for a in 0..<rows.count { for j in 0..<n { rg[a, j] -= correction[a, j] } }
            let b = rg.multiplied(by: rg, transposingOther: true)
            let eig: SymmetricEigendecomposition
            do { eig = try b.symmetricEigen() } catch { throw .linearAlgebra(error) }
            let ag = eig.applying { $0 > 1e-12 ? 1 / $0.squareRoot() : 0 }
            adjustments.append(ag)
            // p_g(e_j) = R_gᵀ A_g (W X M)_g e_j, for every j at once.
            let wxm = xm.selectingRows(rows).scalingRows(by: rows.map { w[$0] })
            let pg = rg.multiplied(by: ag.multiplied(by: wxm), transposingSelf: true) // n × k
            for j in 0..<k { p[j].append(pg.column(j)) }
        }
        self.adjustments = adjustments
        self.p = p
    }

    /// Rows `rows` of M_D = I − D(DᵀWD)⁻¹DᵀW (the identity's rows without absorbed fixed effects).
    static func residualMakerRows(_ fit: LinearFit, rows: [Int], weights w: [Double]) throws(RegressionError) -> Matrix {
        let n = fit.observations
        var m = Matrix(rows: rows.count, columns: n)
        for (a, i) in rows.enumerated() { m[a, i] = 1 }
        guard let fe = fit.absorption?.fixedEffects else { return m }
        if fe.codes.count == 1 {
            let c = fe.codes[0], lw = fe.levelWeights[0]
            var members = [[Int]](repeating: [], count: lw.count)
            for j in 0..<n { members[c[j]].append(j) }
            for (a, i) in rows.enumerated() { for j in members[c[i]] { m[a, j] -= w[j] / lw[c[i]] } }
            return m
        }
        for (a, i) in rows.enumerated() {
            // Row i of M_D is (W M_D W⁻¹ eᵢ)ᵀ, because P_Dᵀ = W P_D W⁻¹.
            var unit = [Double](repeating: 0, count: n)
            unit[i] = 1 / w[i]
            let d = try fe.demean(unit).values
            for j in 0..<n { m[a, j] = w[j] * d[j] }
        }
        return m
    }

    /// The cluster score sums X_gᵀ W_g A_g e_g, one row per cluster (G × k).
    var scores: Matrix {
        var s = Matrix(rows: groups.count, columns: fit.parameterCount)
        for (g, rows) in groups.enumerated() {
            let ag = adjustments[g].multiplied(by: rows.map { fit.residuals[$0] })
            let sg = fit.x.selectingRows(rows).multiplied(by: zip(ag, rows).map { $0 * w[$1] }, transposingSelf: true)
            for j in sg.indices { s[g, j] = sg[j] }
        }
        return s
    }

    /// V_CR2.
    var covariance: Matrix { bread.sandwiching(scores.gram()) }

    /// p_g for contrast c, every cluster.
    func pVectors(_ c: [Double]) -> [[Double]] {
        (0..<groups.count).map { g in
            var v = [Double](repeating: 0, count: fit.observations)
            for (j, cj) in c.enumerated() where cj != 0 { for i in v.indices { v[i] += cj * p[j][g][i] } }
            return v
        }
    }

    /// Satterthwaite's degrees of freedom for contrast c.
    func satterthwaite(_ c: [Double]) -> Double {
        let u = pVectors(c)
        let gram = Matrix(columns: u).gram()
        var trace = 0.0, frobenius = 0.0
        for a in 0..<u.count {
            trace += gram[a, a]
            for b in 0..<u.count { frobenius += gram[a, b] * gram[a, b] }
        }
        return trace * trace / frobenius
    }

    /// The HTZ test of C β = 0 (rows of `contrasts` are the q contrasts).
    func htz(_ contrasts: [[Double]], beta: [Double], covariance v: Matrix) throws(RegressionError) -> WaldTest {
        let q = contrasts.count
        let u = contrasts.map { pVectors($0) } // u[s][g]
        let g = groups.count
        var omega = Matrix(rows: q, columns: q)
        for s in 0..<q { for t in 0..<q { omega[s, t] = (0..<g).reduce(0) { $0 + Vector.dot(u[s][$1], u[t][$1]) } } }
        let root: Matrix
        do { root = try omega.symmetricEigen().applying { $0 > 0 ? 1 / $0.squareRoot() : 0 } } catch { throw .linearAlgebra(error) }
        // Rotated vectors g_{s,g} = Σ_t (Ω^(−½))_{st} u_{t,g}; their Gram matrices across clusters.
        let rotated = (0..<q).map { s in
            (0..<g).map { h in
                (0..<q).reduce([Double](repeating: 0, count: fit.observations)) { acc, t in
                    zip(acc, u[t][h]).map { $0 + root[s, t] * $1 }
                }
            }
        }
        let grams = (0..<q).map { s in (0..<q).map { t in Matrix(columns: rotated[s]).multiplied(by: Matrix(columns: rotated[t]), transposingSelf: true) } }
        var total = 0.0
        for s in 0..<q {
            for t in 0..<q {
                for a in 0..<g { for b in 0..<g { total += grams[s][s][a, b] * grams[t][t][a, b] + grams[s][t][a, b] * grams[t][s][a, b] } }
            }
        }
        let eta = Double(q * (q + 1)) / total
        let cMatrix = Matrix(rows: q, columns: fit.parameterCount, rowMajor: contrasts.flatMap { $0 })
        let cb = cMatrix.multiplied(by: beta)
        let cvc = cMatrix.multiplied(by: v).multiplied(by: cMatrix, transposingOther: true)
        let solved: [Double]
        do { solved = try cvc.solve(cb) } catch { throw .linearAlgebra(error) }
        let statistic = Vector.dot(cb, solved)
        let f = (eta - Double(q) + 1) / (eta * Double(q)) * statistic
        let df2 = eta - Double(q) + 1
        return WaldTest(
            test: "HTZ", statistic: f, numeratorDegreesOfFreedom: Double(q), denominatorDegreesOfFreedom: df2,
            pValue: FisherF(numeratorDegreesOfFreedom: Double(q), denominatorDegreesOfFreedom: df2).ccdf(f))
    }
}

/// A Wald test of several linear restrictions with an F reference.
public struct WaldTest: Sendable, Codable, Equatable {
    /// The small-sample approximation, e.g. "HTZ" (Pustejovsky & Tipton 2018).
    public let test: String
    public let statistic: Double
    public let numeratorDegreesOfFreedom: Double
    public let denominatorDegreesOfFreedom: Double
    public let pValue: Double
}

extension LinearFit {
    /// The HTZ Wald test (CR2, Pustejovsky & Tipton 2018) that the coefficients `terms` are all zero,
    /// with clustering by `clusters` (default: the design's first cluster column).
    public func waldTest(zero terms: [String], clusters: [Int]? = nil) throws(RegressionError) -> WaldTest {
        guard let codes = clusters ?? self.clusters else {
            throw .varianceUnavailable(estimator: "CR2", reason: "no cluster variable was given")
        }
        var contrasts: [[Double]] = []
        for t in terms {
            guard let j = index(of: t) else { throw .invalidOption("the Wald test names '\(t)', which is not a coefficient") }
            var c = [Double](repeating: 0, count: parameterCount)
            c[j] = 1
            contrasts.append(c)
        }
        let cr2 = try CR2(self, codes: codes)
        return try cr2.htz(contrasts, beta: coefficients, covariance: cr2.covariance)
    }
}
