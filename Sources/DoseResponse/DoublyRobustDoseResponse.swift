import EstimationCore
import Foundation
import LinearAlgebra

/// The doubly robust dose–response curve of Kennedy, Ma, McHugh & Small (2017), as R npcausal's `ctseff`,
/// with parametric nuisance models.
///
/// Nuisances: the dose density π(t | x) normal with mean [1, x]γ̂ and variance σ̂² = SSR/(n − p − 1);
/// the outcome regression μ(x, t) by least squares on [1, x, B(t), t·x] (B a cubic B-spline with
/// `knots` interior knots at quantiles of the dose). Their marginals ϖ(t) = n⁻¹Σⱼ π(t | xⱼ) and
/// m(t) = n⁻¹Σⱼ μ(xⱼ, t) are computed on a 100-point grid over the dose range (ϖ interpolated linearly
/// between grid points; m exactly).
///
/// The pseudo-outcome ξᵢ = (Yᵢ − μ(Xᵢ, Tᵢ))·ϖ(Tᵢ)/π(Tᵢ | Xᵢ) + m(Tᵢ) is doubly robust: its regression on T
/// is the curve when either nuisance model is right. The curve is the local linear regression of ξ on T
/// with a Gaussian kernel. The bandwidth minimises the leave-one-out risk
/// n⁻¹Σᵢ((ξᵢ − θ̂ₕ(Tᵢ))/(1 − Lₕ(Tᵢ)))², with the fit and its leverage
/// Lₕ(a) = K(0)/(nh) · S₂/(S₀S₂ − S₁²) (Sⱼ = n⁻¹Σ uᵢʲ Kₕ(uᵢ), uᵢ = (Tᵢ − a)/h) evaluated on the grid and
/// interpolated, as `ctseff`; over 30 bandwidths from 0.05 to 2 standard deviations of the dose (log-spaced).
///
/// The cross-validated bandwidth balances smoothing bias and variance, so intervals around it are
/// centred on a smoothed curve; by default it is multiplied by n^(−1/10) (undersmoothing; 0.43 at
/// n = 5,000): a cross-validated h of order n^(−1/5) becomes one of order n^(−3/10), so the smoothing
/// bias, O(h²) = O(n^(−3/5)), vanishes against the standard error, O((nh)^(−1/2)) = O(n^(−7/20)). The
/// coverage tests (`CoverageTests`) run with this default.
///
/// Inference: by default the nonparametric bootstrap over units (nuisance models and pseudo-outcomes
/// refitted in each draw, the bandwidth held), with normal intervals and a sup-t band. With
/// `replications: 0`, `ctseff`'s pointwise sandwich, including the terms for estimating ϖ and m (the
/// integrals over the grid, by the trapezoid rule): se(a) = sd(ψ₁)/√n with
/// ψᵢ = D⁻¹[Kᵢ(ξᵢ − β̂₀ − β̂₁uᵢ) + ∫Kₕ(s − a)(μ(Xᵢ, s) − m(s))ϖ(s)ds, the same times uᵢ and (s − a)/h];
/// it ignores the estimation of the nuisance models and, on the coverage study, is about 25% too small
/// at n = 500.
///
/// Complexity: O(n · (grid + 100 · 30)) for the fit and bandwidth, O(n · (grid + 100)) per bootstrap draw.
public struct DoublyRobustDoseResponse: Sendable {
    public struct Specification: Sendable, DoseCurveSettings {
        /// The bandwidth; nil: leave-one-out cross-validation.
        public var bandwidth: Double? = nil
        /// Interior knots of the outcome regression's cubic B-spline in the dose.
        public var knots = 1
        public var grid: [Double]? = nil
        public var level = ConfidenceLevel.standard
        /// Multiply the cross-validated bandwidth by n^(−1/10) so that the smoothing bias is small against
        /// the standard error (undersmoothing; the cross-validated bandwidth balances the two).
        public var undersmooth = true
        /// Bootstrap draws (nuisances refitted in each, bandwidth fixed); 0: ctseff's sandwich.
        public var replications = 200
        public var seed: UInt64 = 1
        public var threads = 1
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public let curve: DoseResponseCurve
        public let bandwidth: Double
        /// The bandwidths tried and their leave-one-out risk (empty when the bandwidth was given).
        public let bandwidths: [Double]
        public let risks: [Double]
        /// Whether cross-validation chose the smallest or largest bandwidth tried.
        public let bandwidthAtBoundary: Bool
        public let pseudoOutcomes: [Double]
        public let bootstrapDraws: Int
    }

    static let integrationPoints = 100

    /// Estimates the curve: nuisances, cross-validated (and undersmoothed) bandwidth, local linear fit,
    /// and bootstrap or sandwich intervals.
    public static func estimate(_ data0: DoseData, _ spec: Specification = Specification()) throws(DoseResponseError) -> Result {
        let data = data0.withObservedOutcome()
        let grid = spec.grid ?? data.defaultGrid()
        let nuisance = try Nuisance(data, knots: spec.knots)
        var bandwidths: [Double] = [], risks: [Double] = []
        var h: Double
        if let given = spec.bandwidth {
            guard given > 0 else { throw .data("the bandwidth must be positive; got \(given)") }
            h = given
        } else {
            (h, bandwidths, risks) = try nuisance.crossValidatedBandwidth()
            if spec.undersmooth { h *= pow(Double(data.count), -0.1) }
        }
        let boundary = !bandwidths.isEmpty && (risks.first == risks.min() || risks.last == risks.min())
        let fit = nuisance.curve(at: grid, bandwidth: h)
        var curve: DoseResponseCurve
        var draws = 0
        if spec.replications > 0 {
            let n = data.count, bandwidth = h, knots = spec.knots
            let samples: [[Double]?] = ParallelMap.map(spec.replications, threads: spec.threads) { b in
                let resample = data.resampled(DoseData.bootstrapIndex(count: n, seed: spec.seed, draw: b))
                guard let nu = try? Nuisance(resample, knots: knots) else { return nil }
                let c = nu.curve(at: grid, bandwidth: bandwidth)
                return c.effects.allSatisfy { $0.isFinite } ? c.effects : nil
            }
            let summary = BootstrapSummary(estimates: fit.effects, draws: samples, level: spec.level)
            draws = summary.draws
            let inference = Inference(
                kind: .bootstrap, type: "nonparametric bootstrap over units (nuisances refitted, bandwidth fixed)", df: .normal,
                replications: summary.draws)
            curve = .normal(
                doses: grid, effects: fit.effects, standardErrors: summary.standardErrors, critical: summary.criticalValue, slopeCritical: nil,
                level: spec.level, inference: inference)
        } else {
            let inference = Inference(kind: .analytic, type: "ctseff sandwich (pointwise)", df: .normal)
            curve = .normal(
                doses: grid, effects: fit.effects, standardErrors: fit.standardErrors, critical: nil, slopeCritical: nil, level: spec.level,
                inference: inference)
        }
        for k in curve.points.indices { curve.points[k].slope = .point(fit.slopes[k], level: spec.level) }
        return Result(
            curve: curve, bandwidth: h, bandwidths: bandwidths, risks: risks.map { $0.isFinite ? $0 : -1 }, bandwidthAtBoundary: boundary,
            pseudoOutcomes: nuisance.xi, bootstrapDraws: draws)
    }

    /// The fitted nuisances and pseudo-outcomes of one sample.
    struct Nuisance {
        let n: Int
        let t: [Double]
        let xi: [Double]
        /// μ(xᵢ, s) − m(s) = dᵢ + s·eᵢ.
        let dOff: [Double], eOff: [Double]
        let sGrid: [Double], varpiGrid: [Double]

        init(_ data: DoseData, knots: Int) throws(DoseResponseError) {
            n = data.count
            let p = data.covariates.columns
            t = data.dose
            let y = data.outcome
            guard n > 2 * p + 6 else { throw .data("\(n) units are too few for the doubly robust curve with \(p) covariates") }
            // Dose model.
            let xd = data.designWithIntercept
            let gamma = try LeastSquares.fit(xd, t, what: "the dose model")
            let m = xd.multiplied(by: gamma)
            let ssr = zip(t, m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let sigma = (ssr / Double(n - p - 1)).squareRoot()
            guard sigma > 0 else { throw .estimation("the dose model fits the dose exactly; the dose density is undefined") }
            let norm = 1 / (sigma * (2 * Double.pi).squareRoot())
            func density(_ a: Double, _ mean: Double) -> Double {
                let z = (a - mean) / sigma
                return norm * exp(-0.5 * z * z)
            }
            // Outcome model on [1, x, B(t), t·x].
            let basis = BSplineBasis(degree: 3, quantileKnots: knots, of: t)
            let q = basis.count
            var z = Matrix(rows: n, columns: 1 + p + q + p, repeating: 1)
            let bt = basis.matrix(t)
            for j in 0..<p { z.setColumn(1 + j, to: data.covariates.column(j)) }
            for j in 0..<q { z.setColumn(1 + p + j, to: bt.column(j)) }
            for j in 0..<p { z.setColumn(1 + p + q + j, to: zip(t, data.covariates.column(j)).map { $0 * $1 }) }
            let c = try LeastSquares.fit(z, y, what: "the outcome regression")
            let muObserved = z.multiplied(by: c)
            let cx = Array(c[1..<(1 + p)]), cb = Array(c[(1 + p)..<(1 + p + q)]), cax = Array(c[(1 + p + q)..<(1 + 2 * p + q)])
            let xbar = (0..<p).map { WeightedStatistics.mean(data.covariates.column($0)) }
            let covariates = data.covariates
            dOff = (0..<n).map { i in (0..<p).reduce(0.0) { $0 + (covariates[i, $1] - xbar[$1]) * cx[$1] } }
            eOff = (0..<n).map { i in (0..<p).reduce(0.0) { $0 + (covariates[i, $1] - xbar[$1]) * cax[$1] } }
            let constant = c[0] + Vector.dot(xbar, cx), slope = Vector.dot(xbar, cax)
            func mMarginal(_ s: Double) -> Double { constant + Vector.dot(basis.values(at: s), cb) + s * slope }
            // Integration grid and ϖ on it.
            let lo = t.min()!, hi = t.max()!
            let v = DoublyRobustDoseResponse.integrationPoints
            let grid = (0..<v).map { lo + (hi - lo) * Double($0) / Double(v - 1) }
            sGrid = grid
            let varpi = grid.map { s in m.reduce(0.0) { $0 + density(s, $1) } / Double(m.count) }
            varpiGrid = varpi
            let tt = t
            xi = (0..<n).map { i -> Double in
                (y[i] - muObserved[i]) * Nuisance.interpolate(grid, varpi, tt[i]) / density(tt[i], m[i]) + mMarginal(tt[i])
            }
        }

        static func interpolate(_ xs: [Double], _ ys: [Double], _ a: Double) -> Double {
            if a <= xs[0] { return ys[0] }
            if a >= xs[xs.count - 1] { return ys[ys.count - 1] }
            let step = xs[1] - xs[0]
            let k = min(xs.count - 2, Int((a - xs[0]) / step))
            let w = (a - xs[k]) / (xs[k + 1] - xs[k])
            return ys[k] + w * (ys[k + 1] - ys[k])
        }

        /// The local linear fit at a: (β₀, β₁, S₀, S₁, S₂).
        func local(_ a: Double, _ h: Double) -> (b0: Double, b1: Double, s0: Double, s1: Double, s2: Double) {
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, r0 = 0.0, r1 = 0.0
            let c = 1 / ((2 * Double.pi).squareRoot() * h)
            for i in 0..<n {
                let u = (t[i] - a) / h
                let k = c * exp(-0.5 * u * u)
                s0 += k
                s1 += k * u
                s2 += k * u * u
                r0 += k * xi[i]
                r1 += k * u * xi[i]
            }
            let nn = Double(n)
            s0 /= nn
            s1 /= nn
            s2 /= nn
            r0 /= nn
            r1 /= nn
            let det = s0 * s2 - s1 * s1
            return ((s2 * r0 - s1 * r1) / det, (s0 * r1 - s1 * r0) / det, s0, s1, s2)
        }

        /// Leave-one-out cross-validation over 30 bandwidths from 0.05 to 2 standard deviations of the dose.
        func crossValidatedBandwidth() throws(DoseResponseError) -> (Double, [Double], [Double]) {
            let sdT = WeightedStatistics.standardDeviation(t)
            let count = 30
            let bandwidths = (0..<count).map { sdT * exp(log(0.05) + (log(2.0) - log(0.05)) * Double($0) / Double(count - 1)) }
            let k0 = 1 / (2 * Double.pi).squareRoot()
            let risks = bandwidths.map { bw -> Double in
                let fits = sGrid.map { local($0, bw) }
                let level = fits.map(\.b0)
                let leverage = fits.map { f in (k0 / bw) * f.s2 / (f.s0 * f.s2 - f.s1 * f.s1) / Double(n) }
                guard level.allSatisfy({ $0.isFinite }) && leverage.allSatisfy({ $0.isFinite && $0 < 1 }) else { return .infinity }
                var risk = 0.0
                for i in 0..<n {
                    let r = (xi[i] - Nuisance.interpolate(sGrid, level, t[i])) / (1 - Nuisance.interpolate(sGrid, leverage, t[i]))
                    risk += r * r
                }
                return risk / Double(n)
            }
            guard let best = risks.indices.min(by: { risks[$0] < risks[$1] }), risks[best].isFinite else {
                throw .estimation("no bandwidth gave a finite leave-one-out risk")
            }
            return (bandwidths[best], bandwidths, risks)
        }

        /// The curve, its slope and ctseff's sandwich standard errors at each dose.
        func curve(at grid: [Double], bandwidth h: Double) -> (effects: [Double], slopes: [Double], standardErrors: [Double]) {
            let v = sGrid.count
            let ds = sGrid[1] - sGrid[0]
            var effects: [Double] = [], errors: [Double] = [], slopes: [Double] = []
            let c = 1 / ((2 * Double.pi).squareRoot() * h)
            for a in grid {
                let f = local(a, h)
                // ∫ Kₕ(s − a)·ϖ(s)·{1, s}·{1, (s − a)/h} ds by the trapezoid rule.
                var i0 = 0.0, i1 = 0.0, j0 = 0.0, j1 = 0.0
                for k in 0..<v {
                    let u = (sGrid[k] - a) / h
                    let weight = (k == 0 || k == v - 1 ? 0.5 : 1) * ds * c * exp(-0.5 * u * u) * varpiGrid[k]
                    i0 += weight
                    i1 += weight * sGrid[k]
                    j0 += weight * u
                    j1 += weight * u * sGrid[k]
                }
                let det = f.s0 * f.s2 - f.s1 * f.s1
                var psi = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    let u = (t[i] - a) / h
                    let k = c * exp(-0.5 * u * u)
                    let r = xi[i] - f.b0 - f.b1 * u
                    let first = k * r + dOff[i] * i0 + eOff[i] * i1
                    let second = u * k * r + dOff[i] * j0 + eOff[i] * j1
                    psi[i] = (f.s2 * first - f.s1 * second) / det
                }
                effects.append(f.b0)
                errors.append(WeightedStatistics.standardDeviation(psi) / Double(n).squareRoot())
                slopes.append(f.b1 / h)
            }
            return (effects, slopes, errors)
        }
    }
}
