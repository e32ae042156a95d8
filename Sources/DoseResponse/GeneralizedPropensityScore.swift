import Distributions
import EstimationCore
import Foundation
import LinearAlgebra

/// The average dose–response function by the generalised propensity score (Hirano & Imbens 2004;
/// Bia & Mattei 2008, Stata `doseresponse`).
///
/// 1. The dose model: f(T) = [1, X]γ + ε, ε ~ N(0, σ²), by least squares, with σ̂² = SSR/n (the maximum
///    likelihood estimate, as `doseresponse`), and f the identity or the log.
/// 2. The GPS of each unit, R̂ᵢ = φ((f(Tᵢ) − [1, Xᵢ]γ̂)/σ̂)/σ̂ (the density of f(T), with no Jacobian,
///    as `doseresponse` with `t_transf`).
/// 3. The outcome model, by least squares: Y on 1, T … T^k, R … R^k and T·R (k = `degree`; k = 2 is
///    Hirano & Imbens's quadratic with interaction).
/// 4. The curve μ(t) = n⁻¹ Σᵢ β̂ᵀ z(t, r(t, Xᵢ)) at each grid dose t, r(t, Xᵢ) the GPS of unit i at t;
///    its slope μ′(t) by the chain rule through r.
///
/// Common support (optional, Hirano & Imbens 2004 §4): the doses are cut into `commonSupportGroups`
/// groups of equal size; for group k, every unit's GPS is evaluated at the group's median f(T); a unit
/// of group k is kept when that value lies within both the range over group k and the range over the
/// other units. Both models are then refitted on the kept units.
///
/// Inference: the nonparametric bootstrap over units (every step refitted in every draw); standard
/// errors are the draws' standard deviations, intervals normal, and the band's critical value the
/// sup-t quantile (`BootstrapSummary`).
///
/// Complexity: O(n p² + n G) per fit for G grid doses; `replications` fits for the bootstrap, spread over threads.
public struct GeneralizedPropensityScore: Sendable {
    /// The transformation of the dose in the dose model.
    public enum Transform: String, Sendable, Codable, CaseIterable {
        case identity, log
    }

    public struct Specification: Sendable, DoseCurveSettings {
        public var transform = Transform.identity
        /// The polynomial degree in the dose and in the GPS of the outcome model (1–3).
        public var degree = 2
        /// Groups of the dose for common-support trimming; 0: none.
        public var commonSupportGroups = 0
        /// The doses at which the curve is evaluated; nil: `DoseData.defaultGrid()`.
        public var grid: [Double]? = nil
        public var level = ConfidenceLevel.standard
        /// Bootstrap draws (0: point estimates only).
        public var replications = 200
        public var seed: UInt64 = 1
        public var threads = 1
        public init() {}
    }

    /// One fit of the two models.
    public struct Fit: Sendable, Codable, Equatable {
        /// Dose-model coefficients (intercept first, then the covariates) and σ̂.
        public let doseCoefficients: [Double]
        public let sigma: Double
        /// Outcome-model terms and coefficients, in the order (Intercept), T, T², …, GPS, GPS², …, T×GPS.
        public let outcomeTerms: [String]
        public let outcomeCoefficients: [Double]
        /// Units in the outcome model and units trimmed for common support.
        public let units: Int
        public let trimmed: Int
        /// The range of the estimated GPS over the units used.
        public let gpsRange: [Double]
    }

    public struct Result: Sendable, Codable, Equatable {
        public let fit: Fit
        public let curve: DoseResponseCurve
        public let transform: Transform
        public let degree: Int
        public let bootstrapDraws: Int
        public let failedDraws: Int
    }

    /// Estimates the curve and, with `replications > 0`, its bootstrap bands.
    public static func estimate(_ data: DoseData, _ spec: Specification = Specification()) throws(DoseResponseError) -> Result {
        guard (1...3).contains(spec.degree) else { throw .data("the GPS outcome model's degree must be 1, 2 or 3; got \(spec.degree)") }
        if spec.transform == .log, let bad = data.dose.firstIndex(where: { $0 <= 0 }) {
            throw .data("a log-transformed dose must be positive; row \(data.rows[bad] + 1) has \(data.dose[bad])")
        }
        let grid = spec.grid ?? data.defaultGrid()
        if spec.transform == .log, let bad = grid.first(where: { $0 <= 0 }) {
            throw .data("a log-transformed dose needs a positive grid; the grid has \(bad)")
        }
        let (fit, values) = try fitAndEvaluate(data, spec, grid: grid)
        let n = data.count
        let (curve, draws, failed) = DoseResponseCurve.bootstrapped(
            doses: grid, values: values, replications: spec.replications, threads: spec.threads, level: spec.level,
            type: "nonparametric bootstrap over units"
        ) { b in
            try? fitAndEvaluate(data.resampled(DoseData.bootstrapIndex(count: n, seed: spec.seed, draw: b)), spec, grid: grid).1
        }
        return Result(fit: fit, curve: curve, transform: spec.transform, degree: spec.degree, bootstrapDraws: draws, failedDraws: failed)
    }

    /// The outcome model's terms for `degree`.
    static func terms(degree: Int) -> [String] {
        let power = ["", "²", "³"]
        return ["(Intercept)"] + (1...degree).map { "T" + power[$0 - 1] } + (1...degree).map { "GPS" + power[$0 - 1] } + ["T×GPS"]
    }

    /// Fits both models (with trimming) and returns the fit and [μ(grid) …, μ′(grid) …].
    static func fitAndEvaluate(_ data0: DoseData, _ spec: Specification, grid: [Double]) throws(DoseResponseError) -> (Fit, [Double]) {
        let f: (Double) -> Double = spec.transform == .log ? { Foundation.log($0) } : { $0 }
        let fPrime: (Double) -> Double = spec.transform == .log ? { 1 / $0 } : { _ in 1 }
        func doseModel(_ d: DoseData) throws(DoseResponseError) -> (gamma: [Double], mean: [Double], sigma: Double) {
            let x = d.designWithIntercept
            let ft = d.dose.map(f)
            let gamma = try LeastSquares.fit(x, ft, what: "the dose model")
            let m = x.multiplied(by: gamma)
            let ssr = zip(ft, m).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let sigma = (ssr / Double(d.count)).squareRoot()
            guard sigma > 0 else { throw .estimation("the dose model fits the dose exactly (σ = 0); the GPS is undefined") }
            return (gamma, m, sigma)
        }
        func density(_ value: Double, _ mean: Double, _ sigma: Double) -> Double {
            let z = (value - mean) / sigma
            return exp(-0.5 * z * z) / (sigma * (2 * Double.pi).squareRoot())
        }
        var data = data0
        var model = try doseModel(data)
        var trimmed = 0
        if spec.commonSupportGroups > 1 {
            let ft = data.dose.map(f)
            let order = ft.indices.sorted { ft[$0] < ft[$1] }
            let k = spec.commonSupportGroups, n = data.count
            var group = [Int](repeating: 0, count: n)
            for (rank, i) in order.enumerated() { group[i] = min(k - 1, rank * k / n) }
            var keep = [Bool](repeating: true, count: n)
            for g in 0..<k {
                let members = (0..<n).filter { group[$0] == g }
                guard !members.isEmpty && members.count < n else { continue }
                let at = WeightedStatistics.quantile(members.map { ft[$0] }, 0.5)
                let r = (0..<n).map { density(at, model.mean[$0], model.sigma) }
                let inside = members.map { r[$0] }, outside = (0..<n).filter { group[$0] != g }.map { r[$0] }
                let lo = max(inside.min()!, outside.min()!), hi = min(inside.max()!, outside.max()!)
                for i in members where r[i] < lo || r[i] > hi { keep[i] = false }
            }
            let kept = (0..<n).filter { keep[$0] }
            trimmed = n - kept.count
            if trimmed > 0 {
                guard kept.count > data.covariates.columns + 2 * spec.degree + 2 else {
                    throw .data("common-support trimming leaves \(kept.count) of \(n) units, too few to fit the models")
                }
                data = data.resampled(kept)
                model = try doseModel(data)
            }
        }
        // The outcome model and the curve use the units whose outcome is observed.
        let observed = data.outcomeObserved
        let used = observed.indices.filter { observed[$0] }
        let n = used.count
        guard n > 2 * spec.degree + 2 else { throw .data("\(n) units with an observed outcome are too few for the GPS outcome model") }
        let mean = used.map { model.mean[$0] }
        let gps = used.map { density(f(data.dose[$0]), model.mean[$0], model.sigma) }
        let k = spec.degree
        var z = Matrix(rows: n, columns: 2 * k + 2)
        z.withUnsafeMutableBufferPointer { zp in
            // Column-major: entry (i, j) at j·n + i.
            for (i, u) in used.enumerated() {
                let t = data.dose[u], r = gps[i]
                var tp = 1.0, rp = 1.0
                zp[i] = 1
                for p in 1...k {
                    tp *= t
                    rp *= r
                    zp[p * n + i] = tp
                    zp[(k + p) * n + i] = rp
                }
                zp[(2 * k + 1) * n + i] = t * r
            }
        }
        let beta = try LeastSquares.fit(z, used.map { data.outcome[$0] }, what: "the GPS outcome model")
        var values = [Double](repeating: 0, count: 2 * grid.count)
        let bT = Array(beta[1...k]), bR = Array(beta[(k + 1)...(2 * k)]), bTR = beta[2 * k + 1]
        let norm = 1 / (model.sigma * (2 * Double.pi).squareRoot())
        for (g, t) in grid.enumerated() {
            let ft = f(t), dft = fPrime(t)
            // The dose terms are the same for every unit.
            var tLevel = beta[0], tSlope = 0.0, power = 1.0
            for p in 0..<k {
                tSlope += Double(p + 1) * bT[p] * power
                power *= t
                tLevel += bT[p] * power
            }
            var rLevel = 0.0, rSlope = 0.0
            for i in 0..<n {
                let u = (ft - mean[i]) / model.sigma
                let r = norm * exp(-0.5 * u * u)
                let drdt = -r * u / model.sigma * dft
                var rp = 1.0, dR = 0.0, lR = 0.0
                for p in 0..<k {
                    dR += Double(p + 1) * bR[p] * rp
                    rp *= r
                    lR += bR[p] * rp
                }
                rLevel += lR + bTR * t * r
                rSlope += (dR + bTR * t) * drdt + bTR * r
            }
            values[g] = tLevel + rLevel / Double(n)
            values[grid.count + g] = tSlope + rSlope / Double(n)
        }
        let fit = Fit(
            doseCoefficients: model.gamma, sigma: model.sigma, outcomeTerms: terms(degree: k), outcomeCoefficients: beta, units: n,
            trimmed: trimmed, gpsRange: [gps.min() ?? 0, gps.max() ?? 0])
        return (fit, values)
    }
}
