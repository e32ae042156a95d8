import Foundation
import LinearAlgebra
import Regression

/// Two-period panel difference-in-differences with covariates and its influence function, as R's
/// DRDID defines them (Sant'Anna & Zhao 2020): the building block of every ATT(g,t).
///
/// With ΔY = Y_t − Y_b, D the treated indicator, X the covariates with an intercept and i.weights
/// normalised to mean 1:
///
/// | method | ATT | DRDID function |
/// |---|---|---|
/// | `.regression` | mean_w(ΔY − Xβ̂₀ | D = 1), β̂₀ = WLS of ΔY on X among D = 0 | `reg_did_panel` |
/// | `.ipw` | normalised (Hájek) IPW: mean over treated of ΔY − Σ w₀ΔY/Σ w₀, w₀ = p̂/(1 − p̂) | `std_ipw_did_panel` |
/// | `.doublyRobust` | the locally efficient DR: IPW weights applied to ΔY − Xβ̂₀ | `drdid_panel` |
///
/// p̂ is a logit of D on X with prior weights i.weights (capped at 1 − 1e-6). The influence function
/// includes the estimation effect of β̂₀ and p̂; the ATT's variance is mean(IF²)/n.
enum TwoPeriodDiD {
    enum Method: String, Sendable, Codable, CaseIterable {
        case regression = "reg"
        case ipw
        case doublyRobust = "dr"
    }

    struct Estimate {
        let att: Double
        /// One value per unit of the two-period sample.
        let influence: [Double]
    }

    enum Failure: Error {
        case propensity(RegressionError)
        case regression(RegressionError)
        case empty(String)
    }

    /// - Parameters: `x` is n × p with the intercept as its first column.
    static func estimate(_ method: Method, deltaY: [Double], treated d: [Bool], x: Matrix, weights: [Double]?) throws(Failure) -> Estimate {
        let n = deltaY.count, p = x.columns
        let raw = weights ?? [Double](repeating: 1, count: n)
        let mw = raw.reduce(0, +) / Double(n)
        let w = raw.map { $0 / mw }
        let dd = d.map { $0 ? 1.0 : 0.0 }
        guard d.contains(true), d.contains(false) else { throw .empty("needs treated and comparison units") }
        func colMeans(_ f: (Int) -> Double) -> [Double] {
            (0..<p).map { j in (0..<n).reduce(0) { $0 + f($1) * x[$1, j] } / Double(n) }
        }
        // Outcome regression among the comparison units (weighted least squares of ΔY on X).
        var outDelta = [Double](repeating: 0, count: n)
        var linRepOLS: Matrix? = nil
        if method != .ipw {
            let wols = (0..<n).map { w[$0] * (1 - dd[$0]) }
            var xtx = Matrix(rows: p, columns: p)
            var xty = [Double](repeating: 0, count: p)
            for i in 0..<n where wols[i] != 0 {
                for a in 0..<p {
                    xty[a] += wols[i] * x[i, a] * deltaY[i]
                    for b in 0..<p { xtx[a, b] += wols[i] * x[i, a] * x[i, b] }
                }
            }
            let beta: [Double]
            do { beta = try xtx.solve(xty) } catch { throw .regression(.linearAlgebra(error)) }
            outDelta = x.multiplied(by: beta)
            // asy.lin.rep.ols = (w(1−D)(ΔY − Xβ)X) (XᵀW₀X/n)⁻¹
            let inv: Matrix
            do { inv = try xtx.inverse() } catch { throw .regression(.linearAlgebra(error)) }
            var rep = Matrix(rows: n, columns: p)
            for i in 0..<n where wols[i] != 0 {
                let e = wols[i] * (deltaY[i] - outDelta[i])
                for b in 0..<p {
                    var s = 0.0
                    for a in 0..<p { s += e * x[i, a] * inv[a, b] }
                    rep[i, b] = s * Double(n)
                }
            }
            linRepOLS = rep
        }
        // Propensity score.
        var ps = [Double](repeating: 0, count: n)
        var linRepPS: Matrix? = nil
        if method != .regression { (ps, linRepPS) = try propensity(treated: dd, x: x, weights: w) }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(n) }
        let wTreat = (0..<n).map { w[$0] * dd[$0] }
        let meanTreat = mean(wTreat)
        var influence = [Double](repeating: 0, count: n)
        switch method {
        case .regression:
            let attTreat = (0..<n).map { wTreat[$0] * deltaY[$0] }
            let attCont = (0..<n).map { wTreat[$0] * outDelta[$0] }
            let etaTreat = mean(attTreat) / meanTreat
            let etaCont = mean(attCont) / meanTreat
            let rep = linRepOLS!.multiplied(by: colMeans { wTreat[$0] })
            for i in 0..<n {
                let treat: Double = (attTreat[i] - wTreat[i] * etaTreat) / meanTreat
                let control: Double = (attCont[i] - wTreat[i] * etaCont + rep[i]) / meanTreat
                influence[i] = treat - control
            }
            return Estimate(att: etaTreat - etaCont, influence: influence)
        case .ipw, .doublyRobust:
            // IPW is the doubly robust estimator without the outcome regression (Δμ₀ = 0, no OLS terms).
            let wCont: [Double] = (0..<n).map { i in
                let odds: Double = ps[i] / (1 - ps[i])
                return w[i] * odds * (1 - dd[i])
            }
            let meanCont = mean(wCont)
            let resid = (0..<n).map { deltaY[$0] - outDelta[$0] }
            let attTreat = (0..<n).map { wTreat[$0] * resid[$0] }
            let attCont = (0..<n).map { wCont[$0] * resid[$0] }
            let etaTreat = mean(attTreat) / meanTreat
            let etaCont = mean(attCont) / meanCont
            let zeros = [Double](repeating: 0, count: n)
            let treat2 = linRepOLS?.multiplied(by: colMeans { wTreat[$0] }) ?? zeros
            let cont2 = linRepPS!.multiplied(by: colMeans { wCont[$0] * (resid[$0] - etaCont) })
            let cont3 = linRepOLS?.multiplied(by: colMeans { wCont[$0] }) ?? zeros
            for i in 0..<n {
                let treat: Double = (attTreat[i] - wTreat[i] * etaTreat - treat2[i]) / meanTreat
                let control: Double = (attCont[i] - wCont[i] * etaCont + cont2[i] - cont3[i]) / meanCont
                influence[i] = treat - control
            }
            return Estimate(att: etaTreat - etaCont, influence: influence)
        }
    }
    /// The logit propensity score of `treated` on `x` with prior weights `w`, capped at 1 − 1e-6, and its
    /// asymptotic linear representation `w(D − p̂)x (XᵀVX/n)⁻¹` (DRDID's `asy.lin.rep.ps`).
    static func propensity(treated dd: [Double], x: Matrix, weights w: [Double]) throws(Failure) -> (ps: [Double], linRep: Matrix) {
        let n = dd.count, p = x.columns
        var ps = [Double](repeating: 0, count: n)
        var hessianInverse: Matrix
        if p == 1 {
            // Intercept only: the fitted score is the weighted share treated, in closed form.
            let share = zip(w, dd).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
            ps = [Double](repeating: min(share, 1 - 1e-6), count: n)
            hessianInverse = Matrix(rows: 1, columns: 1, repeating: 1 / w.reduce(0) { $0 + $1 * share * (1 - share) })
        } else {
            let fit: BinaryFit
            do {
                fit = try BinaryRegression.fit(y: dd, x: x, names: (0..<p).map { "x\($0)" }, link: .logit, priorWeights: w)
            } catch { throw .propensity(error) }
            // Newton steps past glm's stopping rule, so that the estimate (and the Hessian at it) is converged.
            var beta = fit.coefficients
            hessianInverse = fit.covariance
            for _ in 0..<3 {
                let eta = x.multiplied(by: beta)
                let mu = eta.map { 1 / (1 + exp(-$0)) }
                var info = Matrix(rows: p, columns: p)
                var score = [Double](repeating: 0, count: p)
                for i in 0..<n {
                    let v = w[i] * mu[i] * (1 - mu[i]), r = w[i] * (dd[i] - mu[i])
                    for a in 0..<p {
                        score[a] += r * x[i, a]
                        for b in 0..<p { info[a, b] += v * x[i, a] * x[i, b] }
                    }
                }
                do {
                    hessianInverse = try info.inverse()
                    let step = try info.solve(score)
                    beta = zip(beta, step).map { $0 + $1 }
                } catch { throw .propensity(.linearAlgebra(error)) }
            }
            ps = x.multiplied(by: beta).map { min(1 / (1 + exp(-$0)), 1 - 1e-6) }
        }
        let hessian = Double(n) * hessianInverse
        var rep = Matrix(rows: n, columns: p)
        for i in 0..<n {
            let s = w[i] * (dd[i] - ps[i])
            for b in 0..<p {
                var v = 0.0
                for a in 0..<p { v += s * x[i, a] * hessian[a, b] }
                rep[i, b] = v
            }
        }
        return (ps, rep)
    }
}
