import Foundation
import LinearAlgebra

extension TwoPeriodDiD {
    /// Two-period difference-in-differences from repeated cross-sections (different units before
    /// and after), with its influence function per observation, as R's DRDID defines it (Sant'Anna
    /// & Zhao 2020). With T = 1 after, D the treated indicator, X the covariates with an intercept and
    /// i.weights normalised to mean 1:
    ///
    /// | method | ATT | DRDID function |
    /// |---|---|---|
    /// | `.regression` | (Ȳ₁₁ − Ȳ₁₀) − mean over treated of μ̂₀₁(X) − μ̂₀₀(X), μ̂₀ₜ = WLS of Y on X among D = 0, T = t | `reg_did_rc` |
    /// | `.ipw` | Hájek IPW of the four cells, control weights p̂/(1 − p̂) | `std_ipw_did_rc` |
    /// | `.doublyRobust` | the locally efficient DR (outcome regressions in all four cells) | `drdid_rc` |
    ///
    /// p̂ is a logit of D on X pooled over both periods; comparison observations with p̂ ≥ 0.995 get
    /// weight 0 (DRDID's `trim.level`). The variance is mean(IF²)/n over the observations.
    static func estimateRepeatedCrossSections(
        _ method: Method, y: [Double], post: [Bool], treated d: [Bool], x: Matrix, weights: [Double]?
    ) throws(Failure) -> Estimate {
        let n = y.count, p = x.columns
        let raw = weights ?? [Double](repeating: 1, count: n)
        let mw = raw.reduce(0, +) / Double(n)
        let w = raw.map { $0 / mw }
        let dd = d.map { $0 ? 1.0 : 0.0 }, tt = post.map { $0 ? 1.0 : 0.0 }
        for (label, cell) in [("treated before", (1.0, 0.0)), ("treated after", (1, 1)), ("comparison before", (0, 0)), ("comparison after", (0, 1))] {
            guard (0..<n).contains(where: { dd[$0] == cell.0 && tt[$0] == cell.1 }) else { throw .empty("has no \(label) observations") }
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(n) }
        func colMeans(_ f: (Int) -> Double) -> [Double] {
            (0..<p).map { j in (0..<n).reduce(0) { $0 + f($1) * x[$1, j] } / Double(n) }
        }
        /// WLS of y on X among the observations with `select`: fitted values for every row and the
        /// linear representation (w·sel·(y − Xβ)·X)(XᵀW_sel X/n)⁻¹.
        func ols(_ select: (Int) -> Bool) throws(Failure) -> (fitted: [Double], rep: Matrix) {
            var xtx = Matrix(rows: p, columns: p)
            var xty = [Double](repeating: 0, count: p)
            for i in 0..<n where select(i) {
                for a in 0..<p {
                    xty[a] += w[i] * x[i, a] * y[i]
                    for b in 0..<p { xtx[a, b] += w[i] * x[i, a] * x[i, b] }
                }
            }
            let beta: [Double], inverse: Matrix
            do {
                beta = try xtx.solve(xty)
                inverse = try xtx.inverse()
            } catch { throw .regression(.linearAlgebra(error)) }
            let fitted = x.multiplied(by: beta)
            var rep = Matrix(rows: n, columns: p)
            for i in 0..<n where select(i) {
                let e = w[i] * (y[i] - fitted[i])
                for b in 0..<p {
                    var s = 0.0
                    for a in 0..<p { s += e * x[i, a] * inverse[a, b] }
                    rep[i, b] = s * Double(n)
                }
            }
            return (fitted, rep)
        }
        let zeros = [Double](repeating: 0, count: n)
        switch method {
        case .regression:
            let pre = try ols { dd[$0] == 0 && tt[$0] == 0 }, postFit = try ols { dd[$0] == 0 && tt[$0] == 1 }
            let wTreatPre = (0..<n).map { w[$0] * dd[$0] * (1 - tt[$0]) }, wTreatPost = (0..<n).map { w[$0] * dd[$0] * tt[$0] }
            let wCont = (0..<n).map { w[$0] * dd[$0] }
            let attTreatPre = (0..<n).map { wTreatPre[$0] * y[$0] }, attTreatPost = (0..<n).map { wTreatPost[$0] * y[$0] }
            let attCont = (0..<n).map { wCont[$0] * (postFit.fitted[$0] - pre.fitted[$0]) }
            let etaTreatPre = mean(attTreatPre) / mean(wTreatPre), etaTreatPost = mean(attTreatPost) / mean(wTreatPost)
            let etaCont = mean(attCont) / mean(wCont)
            let derivative = colMeans { wCont[$0] }
            let contPost = postFit.rep.multiplied(by: derivative), contPre = pre.rep.multiplied(by: derivative)
            let mTreatPost = mean(wTreatPost), mTreatPre = mean(wTreatPre), mCont = mean(wCont)
            let influence = (0..<n).map { i -> Double in
                let treat = (attTreatPost[i] - wTreatPost[i] * etaTreatPost) / mTreatPost - (attTreatPre[i] - wTreatPre[i] * etaTreatPre) / mTreatPre
                let control = (attCont[i] - wCont[i] * etaCont + contPost[i] - contPre[i]) / mCont
                return treat - control
            }
            return Estimate(att: (etaTreatPost - etaTreatPre) - etaCont, influence: influence)
        case .ipw, .doublyRobust:
            let (ps, psRep) = try propensity(treated: dd, x: x, weights: w)
            let trim = (0..<n).map { dd[$0] == 1 || ps[$0] < 0.995 ? 1.0 : 0 }
            let odds = (0..<n).map { ps[$0] / (1 - ps[$0]) }
            let wTreatPre = (0..<n).map { trim[$0] * w[$0] * dd[$0] * (1 - tt[$0]) }
            let wTreatPost = (0..<n).map { trim[$0] * w[$0] * dd[$0] * tt[$0] }
            let wControl: [Double] = (0..<n).map { i -> Double in trim[i] * w[i] * odds[i] * (1 - dd[i]) }
            let wContPre: [Double] = (0..<n).map { i -> Double in wControl[i] * (1 - tt[i]) }
            let wContPost: [Double] = (0..<n).map { i -> Double in wControl[i] * tt[i] }
            // Outcome regressions: none for IPW; the comparison-group fits for the DR residual, and the
            // treated-group fits for its efficiency terms.
            var control = zeros, contPreFit = zeros, contPostFit = zeros
            var contPreRep: Matrix? = nil, contPostRep: Matrix? = nil
            if method == .doublyRobust {
                let a = try ols { dd[$0] == 0 && tt[$0] == 0 }, b = try ols { dd[$0] == 0 && tt[$0] == 1 }
                (contPreFit, contPreRep, contPostFit, contPostRep) = (a.fitted, a.rep, b.fitted, b.rep)
                control = (0..<n).map { tt[$0] * contPostFit[$0] + (1 - tt[$0]) * contPreFit[$0] }
            }
            func hajek(_ weight: [Double], _ value: [Double]) -> (eta: [Double], att: Double) {
                let m = mean(weight)
                let eta = (0..<n).map { weight[$0] * value[$0] / m }
                return (eta, mean(eta))
            }
            let residual = (0..<n).map { y[$0] - control[$0] }
            let treatPre = hajek(wTreatPre, residual), treatPost = hajek(wTreatPost, residual)
            let contPre = hajek(wContPre, residual), contPost = hajek(wContPost, residual)
            func centred(_ h: (eta: [Double], att: Double), _ weight: [Double]) -> [Double] {
                let m = mean(weight)
                return (0..<n).map { h.eta[$0] - weight[$0] * h.att / m }
            }
            var influenceTreat = zip(centred(treatPost, wTreatPost), centred(treatPre, wTreatPre)).map { $0 - $1 }
            var influenceControl = zip(centred(contPost, wContPost), centred(contPre, wContPre)).map { $0 - $1 }
            // Estimation effect of the propensity score.
            let momentPost = colMeans { wContPost[$0] * (residual[$0] - contPost.att) }.map { $0 / mean(wContPost) }
            let momentPre = colMeans { wContPre[$0] * (residual[$0] - contPre.att) }.map { $0 / mean(wContPre) }
            let psEffect = psRep.multiplied(by: zip(momentPost, momentPre).map { $0 - $1 })
            for i in 0..<n { influenceControl[i] += psEffect[i] }
            var att = (treatPost.att - treatPre.att) - (contPost.att - contPre.att)
            if method == .doublyRobust, let contPreRep, let contPostRep {
                // Estimation effect of the comparison-group regressions on both arms.
                let treatMomentPost = colMeans { wTreatPost[$0] * tt[$0] }.map { -$0 / mean(wTreatPost) }
                let treatMomentPre = colMeans { wTreatPre[$0] * (1 - tt[$0]) }.map { -$0 / mean(wTreatPre) }
                let treatOR = zip(contPostRep.multiplied(by: treatMomentPost), contPreRep.multiplied(by: treatMomentPre)).map { $0 + $1 }
                let contMomentPost = colMeans { wContPost[$0] * tt[$0] }.map { -$0 / mean(wContPost) }
                let contMomentPre = colMeans { wContPre[$0] * (1 - tt[$0]) }.map { -$0 / mean(wContPre) }
                let contOR = zip(contPostRep.multiplied(by: contMomentPost), contPreRep.multiplied(by: contMomentPre)).map { $0 + $1 }
                for i in 0..<n {
                    influenceTreat[i] += treatOR[i]
                    influenceControl[i] += contOR[i]
                }
                // The local-efficiency terms: treated-group regressions evaluated on the treated.
                let tPre = try ols { dd[$0] == 1 && tt[$0] == 0 }, tPost = try ols { dd[$0] == 1 && tt[$0] == 1 }
                let wD = (0..<n).map { trim[$0] * w[$0] * dd[$0] }
                let wDT1 = (0..<n).map { wD[$0] * tt[$0] }, wDT0 = (0..<n).map { wD[$0] * (1 - tt[$0]) }
                let gapPost = (0..<n).map { tPost.fitted[$0] - contPostFit[$0] }, gapPre = (0..<n).map { tPre.fitted[$0] - contPreFit[$0] }
                let dPost = hajek(wD, gapPost), dt1Post = hajek(wDT1, gapPost), dPre = hajek(wD, gapPre), dt0Pre = hajek(wDT0, gapPre)
                att += (dPost.att - dt1Post.att) - (dPre.att - dt0Pre.att)
                let e1 = centred(dPost, wD), e2 = centred(dt1Post, wDT1), e3 = centred(dPre, wD), e4 = centred(dt0Pre, wDT0)
                let efficiency = (0..<n).map { (e1[$0] - e2[$0]) - (e3[$0] - e4[$0]) }
                let mD = mean(wD), mDT1 = mean(wDT1), mDT0 = mean(wDT0)
                let momPost = colMeans { wD[$0] / mD - wDT1[$0] / mDT1 }, momPre = colMeans { wD[$0] / mD - wDT0[$0] / mDT0 }
                let orPost = tPost.rep.multiplied(by: momPost), orPostCont = contPostRep.multiplied(by: momPost)
                let orPre = tPre.rep.multiplied(by: momPre), orPreCont = contPreRep.multiplied(by: momPre)
                let influence: [Double] = (0..<n).map { i -> Double in
                    let outcomeRegression: Double = (orPost[i] - orPostCont[i]) - (orPre[i] - orPreCont[i])
                    return influenceTreat[i] - influenceControl[i] + efficiency[i] + outcomeRegression
                }
                return Estimate(att: att, influence: influence)
            }
            return Estimate(att: att, influence: zip(influenceTreat, influenceControl).map { $0 - $1 })
        }
    }
}
