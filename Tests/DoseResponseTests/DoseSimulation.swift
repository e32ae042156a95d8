import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

@testable import DoseResponse

/// The coverage study's data (a committed, deterministic generator: R's normal stream with fixed seeds).
///
/// Two cross-sections, because the estimators rest on different models and each is tested where its
/// model holds; X₁, X₂ ~ N(0, 1), u ~ N(0, 1), θ(t) = 1 + 0.5t − 0.3t² in both:
///
/// - `.throughScore` (Hirano & Imbens's 2004 design, with a normal dose; for the GPS estimator): the dose
///   T = 0.6X₁ + 0.4X₂ + 0.5ε and Y = θ(T) + δ·σ·r(T, X) + u with δ = 3, σ = 0.5 and
///   r(t, x) = φ((t − 0.6x₁ − 0.4x₂)/σ)/σ the generalised propensity score. The covariates confound
///   only through r, so E[Y | T, R] is in the GPS outcome model and the true curve is
///   μ(t) = θ(t) + δσ·φ(t; 0, 0.6² + 0.4² + σ²); the unadjusted regression is off by 0.24 at t = 0.
/// - `.linear` (for weighting, entropy balancing and the doubly robust curve): T = 0.3X₁ + 0.2X₂ + 0.8ε
///   and Y = θ(T) + X₁ + 0.5X₂ + u, so the true curve is θ; the unadjusted regression is off by 0.52t.
///   (The dose's conditional variance is well above that of its mean, so that inverse-density weights
///   have finite moments; with the first design their variance is infinite and no weighting interval is reliable.)
///
/// Panel (contdid's design with a dose-dependent level): 1,000 units, periods 1–4, groups 0 (never), 2,
/// 3, 4 with probability ¼ each, dose D ~ U(0, 1) for the treated; Yᵢₜ = t + G + 2D + 1{t ≥ G > 0}·(0.5 + D²) + u:
/// ATT(d) = 0.5 + d², while a cross-sectional comparison by dose is biased by 2d.
enum DoseSimulation {
    static let sigma = 0.5, delta = 3.0
    static let grid = [-0.8, -0.4, 0.0, 0.4, 0.8]
    static let panelGrid = [0.1, 0.3, 0.5, 0.7, 0.9]

    static func normalDensity(_ x: Double, variance: Double) -> Double {
        exp(-0.5 * x * x / variance) / (2 * Double.pi * variance).squareRoot()
    }
    enum Design { case throughScore, linear }

    static func truth(_ t: Double, _ design: Design) -> Double {
        design == .linear ? 1 + 0.5 * t - 0.3 * t * t : truth(t)
    }

    static func truth(_ t: Double) -> Double {
        1 + 0.5 * t - 0.3 * t * t + delta * sigma * normalDensity(t, variance: 0.36 + 0.16 + sigma * sigma)
    }
    static func panelTruth(_ d: Double) -> Double { 0.5 + d * d }

    static func crossSection(n: Int, replication: Int, design: Design = .throughScore) -> DoseData {
        if design == .linear { return linear(n: n, replication: replication) }
        var rng = RNormalStream(seed: Int32(1000 + replication))
        var x = Matrix(rows: n, columns: 2)
        var t = [Double](repeating: 0, count: n), y = t
        for i in 0..<n {
            let x1 = rng.normal(), x2 = rng.normal()
            x[i, 0] = x1
            x[i, 1] = x2
            let mean = 0.6 * x1 + 0.4 * x2
            t[i] = mean + sigma * rng.normal()
            let z = (t[i] - mean) / sigma
            let r = exp(-0.5 * z * z) / (sigma * (2 * Double.pi).squareRoot())
            y[i] = 1 + 0.5 * t[i] - 0.3 * t[i] * t[i] + delta * sigma * r + rng.normal()
        }
        return DoseData(dose: t, outcome: y, covariates: x, covariateNames: ["x1", "x2"])
    }

    static func linear(n: Int, replication: Int) -> DoseData {
        var rng = RNormalStream(seed: Int32(3000 + replication))
        var x = Matrix(rows: n, columns: 2)
        var t = [Double](repeating: 0, count: n), y = t
        for i in 0..<n {
            let x1 = rng.normal(), x2 = rng.normal()
            x[i, 0] = x1
            x[i, 1] = x2
            t[i] = 0.3 * x1 + 0.2 * x2 + 0.8 * rng.normal()
            y[i] = 1 + 0.5 * t[i] - 0.3 * t[i] * t[i] + x1 + 0.5 * x2 + rng.normal()
        }
        return DoseData(dose: t, outcome: y, covariates: x, covariateNames: ["x1", "x2"])
    }

    static func panel(units n: Int, replication: Int) -> Table {
        var rng = RNormalStream(seed: Int32(5000 + replication))
        var id: [Double] = [], time: [Double] = [], group: [Double] = [], dose: [Double] = [], y: [Double] = []
        for i in 0..<n {
            let g = [0.0, 2, 3, 4][min(3, Int(rng.uniform() * 4))]
            let d = g == 0 ? 0 : rng.uniform()
            for t in 1...4 {
                let treated = g > 0 && Double(t) >= g
                id.append(Double(i))
                time.append(Double(t))
                group.append(g)
                dose.append(d)
                y.append(Double(t) + g + 2 * d + (treated ? panelTruth(d) : 0) + rng.normal())
            }
        }
        return try! Table([("id", .numeric(id)), ("t", .numeric(time)), ("G", .numeric(group)), ("D", .numeric(dose)), ("Y", .numeric(y))])
    }
}
