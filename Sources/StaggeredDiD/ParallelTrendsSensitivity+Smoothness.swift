import Distributions
import EstimationCore
import Foundation
import LinearAlgebra

extension ParallelTrendsSensitivity {
    /// How the folded-normal critical value `cv_α(t)`, the `1 − α` quantile of `|N(t, 1)|`, is computed.
    public enum FoldedNormalQuantile: Sendable, Equatable {
        /// As R HonestDiD: the quantile (R type 7) of `|z + t|` over `draws` standard normal draws
        /// from R's generator after `set.seed(seed)`; the published numbers depend on these draws.
        case simulated(draws: Int = 1_000_000, seed: Int32 = 0)
        /// The exact quantile, solving `Φ(x − t) − Φ(−x − t) = 1 − α`.
        case exact
    }

    /// Optimal fixed-length confidence intervals under `Δ^SD(M)`, one per `M`
    /// (HonestDiD's `createSensitivityResults` with its default method "FLCI").
    ///
    /// `Δ^SD(M)`: `|(δ_{t+1} − δ_t) − (δ_t − δ_{t−1})| ≤ M` for every t, with `δ_0 = 0` at the
    /// reference period. Among affine estimators `a + vᵀβ̂` the interval
    /// `vᵀβ̂ ± h · cv_α(M·b(h)/h)` is shortest, where `b(h)` is the smallest worst-case bias
    /// over `Δ^SD(1)` with standard deviation at most `h` (Armstrong & Kolesár 2018; Rambachan
    /// & Roth 2023, section 4.1). `b(h)` is a second-order cone program solved here by a
    /// log-barrier interior-point method to a duality gap below 1e-12; `h` is chosen as
    /// HonestDiD does, by bisection on the numerical derivative of the half-length between the
    /// minimum-variance and the minimum-bias estimators.
    ///
    /// Complexity: about 40 barrier solves of a problem with 2·preperiods variables per `M`,
    /// plus one selection over the draws per critical value when `.simulated`.
    public func smoothness(_ bounds: [Double], criticalValue: FoldedNormalQuantile = .simulated()) throws(DiDError) -> [RobustInterval] {
        let problem = try SmoothnessProblem(self)
        let cv = FoldedNormalCriticalValue(criticalValue, probability: level)
        var out: [RobustInterval] = []
        for m in bounds {
            guard m >= 0, m.isFinite else { throw .data("sensitivity: smoothness bound M must be finite and non-negative, got \(m)") }
            let (v, halfLength) = try problem.optimalInterval(m: m, criticalValue: cv)
            let centre = Vector.dot(v, estimates)
            out.append(
                RobustInterval(
                    restriction: .smoothness, bound: m, lower: centre - halfLength, upper: centre + halfLength, method: "FLCI", openAtGridEnd: false))
        }
        return out
    }
}

/// The FLCI's optimisation over pre-period weights, in HonestDiD's parametrisation.
///
/// The estimator's pre-period weights are `l_pre = D w` with `D` the first-difference map, so
/// that its worst-case bias over `Δ^SD(1)` is `c₀ + Σ_k |Σ_{i≤k} w_i|` subject to
/// `Σ w = Σ_t t·l_t`, and its variance is `wᵀQw + qᵀw + r`.
struct SmoothnessProblem {
    let k: Int
    let quadratic: [[Double]] // Q = Dᵀ Σ_pre D
    let linear: [Double] // q = 2 Dᵀ Σ_{pre,post} l
    let constant: Double // r = lᵀ Σ_post l
    let weightSum: Double // Σ_t t·l_t
    let biasConstant: Double // c₀
    let target: [Double]

    init(_ s: ParallelTrendsSensitivity) throws(DiDError) {
        k = s.preperiods
        target = s.target
        let p = s.postperiods, sigma = s.covariance
        // D: identity with −1 below the diagonal; (Dw)_i = w_i − w_{i−1}.
        func d(_ i: Int, _ j: Int) -> Double { i == j ? 1 : (i == j + 1 ? -1 : 0) }
        var q = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var lin = [Double](repeating: 0, count: k)
        for a in 0..<k {
            for b in 0..<k {
                var v = 0.0
                for i in 0..<k {
                    let dia = d(i, a)
                    if dia == 0 { continue }
                    for j in 0..<k where d(j, b) != 0 { v += dia * sigma[i, j] * d(j, b) }
                }
                q[a][b] = v
            }
            var v = 0.0
            for i in 0..<k where d(i, a) != 0 {
                for t in 0..<p { v += d(i, a) * sigma[i, k + t] * s.target[t] }
            }
            lin[a] = 2 * v
        }
        quadratic = q
        linear = lin
        var r = 0.0
        for a in 0..<p { for b in 0..<p { r += s.target[a] * s.target[b] * sigma[k + a, k + b] } }
        constant = r
        weightSum = (0..<p).reduce(0) { $0 + Double($1 + 1) * s.target[$1] }
        var c0 = -weightSum
        for span in 1...p {
            var inner = 0.0
            for j in 1...span { inner += Double(j) * s.target[p - span + j - 1] }
            c0 += abs(inner)
        }
        biasConstant = c0
    }

    func variance(_ w: [Double]) -> Double {
        var v = constant
        for a in 0..<k {
            v += linear[a] * w[a]
            for b in 0..<k { v += w[a] * quadratic[a][b] * w[b] }
        }
        return v
    }

    func bias(_ w: [Double]) -> Double {
        var running = 0.0, total = biasConstant
        for a in 0..<k {
            running += w[a]
            total += abs(running)
        }
        return total
    }

    /// The minimum-variance weights: `min wᵀQw + qᵀw` subject to `Σw = Σ_t t·l_t`.
    func minimumVarianceWeights() throws(DiDError) -> [Double] {
        var kkt = Matrix(rows: k + 1, columns: k + 1)
        var rhs = [Double](repeating: 0, count: k + 1)
        for a in 0..<k {
            for b in 0..<k { kkt[a, b] = 2 * quadratic[a][b] }
            kkt[a, k] = 1
            kkt[k, a] = 1
            rhs[a] = -linear[a]
        }
        rhs[k] = weightSum
        do { return Array(try kkt.solve(rhs).prefix(k)) } catch {
            throw .estimation("sensitivity: the pre-period covariance is singular, so the minimum-variance estimator is not unique (\(error))")
        }
    }

    /// The minimum-bias weights `(0, …, 0, Σ_t t·l_t)`.
    var minimumBiasWeights: [Double] { Array(repeating: 0, count: k - 1) + [weightSum] }

    /// `b(h)`: the smallest worst-case bias over `Δ^SD(1)` with variance at most `h²`,
    /// with its weights. A log-barrier method (Boyd & Vandenberghe 2004, §11.3) on
    /// `(U, w)`: minimise `ΣU` with `|Σ_{i≤k} w_i| ≤ U_k`, `Σw` fixed and the variance constraint.
    func smallestBias(sd h: Double, start: [Double]) -> (bias: Double, weights: [Double]) {
        let h2 = h * h
        if variance(minimumBiasWeights) <= h2 { return (bias(minimumBiasWeights), minimumBiasWeights) }
        if h2 - variance(start) <= 1e-12 * h2 { return (bias(start), start) }
        let n = 2 * k
        var w = start
        var u = [Double](repeating: 0, count: k)
        do {
            var running = 0.0
            for a in 0..<k {
                running += w[a]
                u[a] = abs(running) + 1
            }
        }
        let constraints = Double(2 * k + 1)
        var t = 1.0
        // Objective of the centring problem at barrier weight t.
        func phi(_ u: [Double], _ w: [Double], _ t: Double) -> Double {
            let g3 = h2 - variance(w)
            if g3 <= 0 { return .infinity }
            var value = -log(g3)
            var running = 0.0
            for a in 0..<k {
                running += w[a]
                let g1 = u[a] - running, g2 = u[a] + running
                if g1 <= 0 || g2 <= 0 { return .infinity }
                value += t * u[a] - log(g1) - log(g2)
            }
            return value
        }
        while constraints / t > 1e-13 {
            for _ in 0..<100 {
                // Gradient and Hessian in (U, w); c = L w with L lower-triangular ones.
                var grad = [Double](repeating: 0, count: n)
                var hess = Matrix(rows: n + 1, columns: n + 1)
                let g3 = h2 - variance(w)
                var gradVar = linear
                for a in 0..<k { for b in 0..<k { gradVar[a] += 2 * quadratic[a][b] * w[b] } }
                var dc = [Double](repeating: 0, count: k), hcc = [Double](repeating: 0, count: k)
                var running = 0.0
                for a in 0..<k {
                    running += w[a]
                    let g1 = u[a] - running, g2 = u[a] + running
                    grad[a] = t - 1 / g1 - 1 / g2
                    dc[a] = 1 / g1 - 1 / g2
                    hcc[a] = 1 / (g1 * g1) + 1 / (g2 * g2)
                    hess[a, a] = hcc[a]
                    let huc = -1 / (g1 * g1) + 1 / (g2 * g2)
                    // ∂²/∂U_a∂w_b = huc for b ≤ a.
                    for b in 0...a {
                        hess[a, k + b] += huc
                        hess[k + b, a] += huc
                    }
                }
                for b in 0..<k {
                    // (Lᵀ dc)_b = Σ_{a≥b} dc_a.
                    var sum = 0.0
                    for a in b..<k { sum += dc[a] }
                    grad[k + b] = sum + gradVar[b] / g3
                    for c in 0..<k {
                        var lhl = 0.0
                        for a in max(b, c)..<k { lhl += hcc[a] }
                        hess[k + b, k + c] = lhl + gradVar[b] * gradVar[c] / (g3 * g3) + 2 * quadratic[b][c] / g3
                    }
                }
                // Equality Σw = const: KKT row.
                for b in 0..<k {
                    hess[n, k + b] = 1
                    hess[k + b, n] = 1
                }
                var rhs = grad.map { -$0 }
                rhs.append(0)
                guard let step = try? hess.solve(rhs) else { break }
                var decrement = 0.0
                for i in 0..<n { decrement -= step[i] * grad[i] }
                if decrement / 2 <= 1e-14 { break }
                // Backtracking line search that stays feasible.
                let current = phi(u, w, t)
                var s = 1.0
                var accepted = false
                while s > 1e-16 {
                    let nu = (0..<k).map { u[$0] + s * step[$0] }, nw = (0..<k).map { w[$0] + s * step[k + $0] }
                    let value = phi(nu, nw, t)
                    if value.isFinite && value <= current - 0.25 * s * decrement {
                        u = nu
                        w = nw
                        accepted = true
                        break
                    }
                    s *= 0.5
                }
                if !accepted { break }
            }
            t *= 20
        }
        return (bias(w), w)
    }

    /// The shortest interval's estimator weights `v = (D w, l)` and half-length for bound `m`,
    /// with `h` chosen by HonestDiD's bisection on the numerical derivative of the half-length
    /// (`.findOptimalCIDerivativeBisection`, 100 points), falling back to a 100-point grid.
    func optimalInterval(m: Double, criticalValue cv: FoldedNormalCriticalValue) throws(DiDError) -> (weights: [Double], halfLength: Double) {
        let wMin = try minimumVarianceWeights()
        let hMin = variance(wMin).squareRoot()
        let h0 = variance(minimumBiasWeights).squareRoot()
        func halfLength(_ h: Double) -> Double {
            let b = smallestBias(sd: h, start: wMin).bias
            return cv.value(m * b / h) * h
        }
        var a = hMin, b = h0
        var hstar = Double.nan
        if b - a > 1e-12 * b {
            let numPoints = 100.0
            let failTolerance = Double.ulpOfOne.squareRoot()
            let dif = min((b - a) / numPoints, abs(b) * pow(Double.ulpOfOne, 1.0 / 3))
            let fa = halfLength(a), fb = halfLength(b)
            let fpa = (halfLength(a + dif) - fa) / dif
            let fpb = (halfLength(b - dif) - fb) / -dif
            let maxIterations = 10 * Int((log(abs(b - a) / dif) / log(2)).rounded(.up))
            var failed = fpa > fpb || fa.isNaN || fb.isNaN
            if !failed {
                if fpb < 0 {
                    hstar = b
                } else if fpa > 0 {
                    hstar = a
                } else {
                    var iteration = 1
                    while !failed && abs(b - a) > dif {
                        iteration += 1
                        let x = (a + b) / 2
                        let fpx = (halfLength(x + dif) - halfLength(x - dif)) / (2 * dif)
                        failed = fpx > fpb + failTolerance || fpx + failTolerance < fpa || iteration > maxIterations
                        if fpx > 0 { b = x } else { a = x }
                    }
                    hstar = (a + b) / 2
                }
            }
            if failed {
                // Grid over [hMin, h0], as HonestDiD's fallback.
                var best = (h: hMin, length: Double.infinity)
                for i in 0..<100 {
                    let h = hMin + (h0 - hMin) * Double(i) / 99
                    let length = halfLength(h)
                    if length < best.length { best = (h, length) }
                }
                hstar = best.h
            }
        } else {
            hstar = hMin
        }
        let solution = smallestBias(sd: hstar, start: wMin)
        let length = cv.value(m * solution.bias / hstar) * hstar
        var preWeights = [Double](repeating: 0, count: k)
        for i in 0..<k { preWeights[i] = solution.weights[i] - (i > 0 ? solution.weights[i - 1] : 0) }
        return (preWeights + target, length)
    }
}

/// `cv_α(t)`: the `p` quantile of `|N(t, 1)|`, exact or simulated as HonestDiD.
struct FoldedNormalCriticalValue: Sendable {
    let probability: Double
    /// Sorted draws when simulated.
    let draws: [Double]?

    init(_ kind: ParallelTrendsSensitivity.FoldedNormalQuantile, probability: Double) {
        self.probability = probability
        switch kind {
        case .exact:
            draws = nil
        case .simulated(let count, let seed):
            var stream = RNormalStream(seed: seed)
            draws = stream.normals(count).sorted()
        }
    }

    func value(_ t: Double) -> Double {
        guard let z = draws else { return Self.exact(probability, mean: abs(t)) }
        // R type 7 on |z + t|: the order statistics come from two sorted runs, the draws at or
        // above −t (ascending z + t) and those below it (ascending −(z + t)).
        let n = z.count
        let index = 1 + Double(n - 1) * probability
        let lo = Int(index.rounded(.down)), hi = Int(index.rounded(.up))
        var split = 0, upper = n
        while split < upper {
            let mid = (split + upper) / 2
            if z[mid] < -t { split = mid + 1 } else { upper = mid }
        }
        let right = { (i: Int) -> Double in z[split + i] + t }
        let left = { (i: Int) -> Double in -(z[split - 1 - i] + t) }
        let x = Self.kth(lo - 1, n - split, right, split, left)
        guard index > Double(lo) else { return x }
        let y = Self.kth(hi - 1, n - split, right, split, left)
        let h = index - Double(lo)
        return y != x ? (1 - h) * x + h * y : x
    }

    /// The `k`-th smallest (0-based) of two ascending sequences, in O(log n).
    static func kth(_ k: Int, _ na: Int, _ a: (Int) -> Double, _ nb: Int, _ b: (Int) -> Double) -> Double {
        var lo = max(0, k + 1 - nb), hi = min(k + 1, na)
        while lo < hi {
            let i = (lo + hi) / 2, j = k + 1 - i
            if i < na && j > 0 && a(i) < b(j - 1) { lo = i + 1 } else { hi = i }
        }
        let i = lo, j = k + 1 - i
        return max(i > 0 ? a(i - 1) : -.infinity, j > 0 ? b(j - 1) : -.infinity)
    }

    /// Solves `Φ(x − t) − Φ(−x − t) = p` for `x ≥ 0` by safeguarded Newton steps.
    static func exact(_ p: Double, mean t: Double) -> Double {
        let normal = Normal.standard
        func f(_ x: Double) -> Double { normal.cdf(x - t) - normal.cdf(-x - t) - p }
        var lo = 0.0, hi = t + 10
        var x = max(t + normal.quantile(p), normal.quantile((1 + p) / 2))
        for _ in 0..<200 {
            let fx = f(x)
            if fx > 0 { hi = min(hi, x) } else { lo = max(lo, x) }
            let derivative = normal.pdf(x - t) + normal.pdf(x + t)
            var next = x - fx / derivative
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - x) <= 1e-15 * max(1, x) { return next }
            x = next
        }
        return x
    }
}
