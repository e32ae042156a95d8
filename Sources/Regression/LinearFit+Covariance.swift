import EstimationCore
import Foundation
import LinearAlgebra

/// Variance estimators for linear-model coefficients.
///
/// With `X*` = W^½X, `e*` = W^½e, bread `B = (X*ᵀX*)⁻¹`, leverage `hᵢ` (the
/// diagonal of the hat matrix of X*), n observations, k coefficients, G clusters:
///
/// | estimator | V(β̂) | t degrees of freedom | reference |
/// |---|---|---|---|
/// | `classical` | σ̂² B, σ̂² = Σe*²/(n−k) | n − k | |
/// | `hc0` | B (Σ e*ᵢ² x*ᵢx*ᵢᵀ) B | n − k | White (1980) |
/// | `hc1` | n/(n−k) · HC0 (Stata's `robust`) | n − k | MacKinnon & White (1985) |
/// | `hc2` | B (Σ e*ᵢ²/(1−hᵢ) x*ᵢx*ᵢᵀ) B | n − k | MacKinnon & White (1985) |
/// | `hc3` | B (Σ e*ᵢ²/(1−hᵢ)² x*ᵢx*ᵢᵀ) B | n − k | MacKinnon & White (1985) |
/// | `cr1` | G/(G−1) · (n−1)/(n−k) · B (Σ_g u_g u_gᵀ) B, u_g = Σ_{i∈g} x*ᵢ e*ᵢ (Stata's `vce(cluster)`) | G − 1 | Liang & Zeger (1986) |
/// | `cr0` | B (Σ_g u_g u_gᵀ) B, no small-sample factor | G − 1 | |
///
/// The t degrees of freedom follow Stata (`regress`) unless another rule is asked for
/// (`covariance(_:clusters:degreesOfFreedom:)`): n − k (`.residual`), or G − 1 with clusters
/// (`.clustersMinusOne`); `.normal` gives a normal reference (no degrees of freedom).
public enum VarianceEstimator: String, Sendable, Codable, CaseIterable {
    case classical, hc0, hc1, hc2, hc3, cr0, cr1

    /// Whether the estimator needs cluster identifiers.
    public var isClustered: Bool { self == .cr0 || self == .cr1 }
}

/// A coefficient covariance matrix and the reference distribution for tests.
public struct CoefficientCovariance: Sendable {
    public let estimator: VarianceEstimator
    /// The k x k covariance matrix.
    public let matrix: Matrix
    /// The rule that set the reference distribution.
    public let degreesOfFreedomRule: Inference.DegreesOfFreedom
    /// Degrees of freedom of the t reference distribution; nil for a normal reference.
    public let degreesOfFreedom: Double?
    /// The number of clusters, for clustered estimators.
    public let clusterCount: Int?

    /// Standard errors: square roots of the diagonal.
    public var standardErrors: [Double] { matrix.diagonal.map { $0.squareRoot() } }

    /// How these standard errors were obtained, for `Estimate.inference`.
    public var inference: Inference {
        var i = estimator.inference(clusters: clusterCount)
        i.df = degreesOfFreedomRule
        return i
    }
}

extension VarianceEstimator {
    /// The machine-readable description: kind, conventional name, degrees-of-freedom rule, clusters.
    public func inference(clusters: Int?) -> Inference {
        switch self {
        case .classical: return Inference(kind: .classical, type: "classical", df: .residual)
        case .hc0, .hc1, .hc2, .hc3: return Inference(kind: .robust, type: rawValue.uppercased(), df: .residual)
        case .cr0, .cr1: return Inference(kind: .cluster, type: rawValue.uppercased(), df: .clustersMinusOne, clusters: clusters)
        }
    }
}

extension LinearFit {
    /// R's `summary.lm` criterion: residual variance below 1e-30 · (mean(fitted)² + var(fitted)).
    public var isEssentiallyPerfectFit: Bool {
        let n = Double(fitted.count)
        let mean = fitted.reduce(0, +) / n
        let variance = fitted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return residualSumOfSquares / Double(residualDegreesOfFreedom) < (mean * mean + variance) * 1e-30
    }

    /// `(X*ᵀX*)⁻¹ = R⁻¹R⁻ᵀ`.
    func bread() throws(RegressionError) -> (inverseR: Matrix, bread: Matrix) {
        do {
            let rinv = try r.upperTriangularInverse()
            return (rinv, rinv.outerGram())
        } catch { throw .linearAlgebra(error) }
    }

    /// Leverages `hᵢ = ‖(X* R⁻¹)ᵢ‖²`.
    func leverages(inverseR: Matrix) -> [Double] {
        x.rowSumsOfSquares(multipliedBy: inverseR, rowScale: weights?.map { $0.squareRoot() })
    }

    /// The covariance matrix of the coefficients under `estimator`.
    ///
    /// - Parameters:
    ///   - clusters: cluster codes (0-based, one per observation); defaults to those given with the design.
    ///   - rule: the reference distribution's degrees of freedom; nil for the estimator's default
    ///     (Stata's: n − k, or G − 1 with clusters).
    public func covariance(
        _ estimator: VarianceEstimator, clusters: [Int]? = nil,
        degreesOfFreedom rule: Inference.DegreesOfFreedom? = nil
    ) throws(RegressionError) -> CoefficientCovariance {
        let (matrix, g) = try covarianceMatrix(estimator, clusters: clusters)
        let chosen = rule ?? (estimator.isClustered ? .clustersMinusOne : .residual)
        let df: Double?
        switch chosen {
        case .residual: df = Double(residualDegreesOfFreedom)
        case .clustersMinusOne:
            guard let g else {
                throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "G − 1 degrees of freedom need clusters")
            }
            df = Double(g - 1)
        case .normal: df = nil
        case .satterthwaite:
            throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "Satterthwaite degrees of freedom are defined for CR2 only")
        }
        return CoefficientCovariance(estimator: estimator, matrix: matrix, degreesOfFreedomRule: chosen, degreesOfFreedom: df, clusterCount: g)
    }

    /// The covariance matrix under `estimator` and the number of clusters it used.
    func covarianceMatrix(_ estimator: VarianceEstimator, clusters: [Int]?) throws(RegressionError) -> (Matrix, Int?) {
        let n = observations, k = parameterCount
        let dfResidual = Double(n - k)
        if isEssentiallyPerfectFit {
            throw .varianceUnavailable(
                estimator: estimator.rawValue.uppercased(),
                reason: "the model fits every observation exactly (residuals are rounding error)")
        }
        let (rinv, bread) = try bread()
        let u = scoreFactors // e*ᵢ · √wᵢ: the meat is Σ uᵢ² xᵢxᵢᵀ
        switch estimator {
        case .classical:
            let s2 = residualSumOfSquares / dfResidual
            return (s2 * bread, nil)
        case .hc0, .hc1, .hc2, .hc3:
            var scale = u.map { abs($0) }
            if estimator == .hc2 || estimator == .hc3 {
                let h = leverages(inverseR: rinv)
                if let i = h.firstIndex(where: { $0 > 1 - 1e-10 }) {
                    throw .varianceUnavailable(
                        estimator: estimator.rawValue.uppercased(),
                        reason: "observation \(rows[i] + 1) has leverage 1 (it alone determines a coefficient)")
                }
                for i in 0..<n { scale[i] /= estimator == .hc2 ? (1 - h[i]).squareRoot() : (1 - h[i]) }
            }
            let meat = x.gram(rowScale: scale)
            var v = bread.sandwiching(meat)
            if estimator == .hc1 { v = (Double(n) / dfResidual) * v }
            return (v, nil)
        case .cr0, .cr1:
            guard let codes = clusters ?? self.clusters else {
                throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "no cluster variable was given")
            }
            precondition(codes.count == n, "one cluster code per observation")
            let g = (codes.max() ?? -1) + 1
            guard g >= 2 else {
                throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "there is only \(g) cluster")
            }
            let scores = clusterScores(codes: codes, clusterCount: g, factors: u)
            var v = bread.sandwiching(scores.gram())
            if estimator == .cr1 {
                let gg = Double(g)
                v = (gg / (gg - 1) * (Double(n) - 1) / dfResidual) * v
            }
            return (v, g)
        }
    }

    /// The G x k matrix of cluster score sums `u_g = Σ_{i∈g} x*ᵢ e*ᵢ = Σ_{i∈g} wᵢ eᵢ xᵢ`.
    func clusterScores(codes: [Int], clusterCount g: Int, factors e: [Double]) -> Matrix {
        let n = observations, k = parameterCount
        var u = Matrix(rows: g, columns: k)
        x.withUnsafeBufferPointer { xp in
            u.withUnsafeMutableBufferPointer { up in
                for j in 0..<k {
                    let xb = j * n, ub = j * g
                    for i in 0..<n { up[ub + codes[i]] += xp[xb + i] * e[i] }
                }
            }
        }
        return u
    }
}
