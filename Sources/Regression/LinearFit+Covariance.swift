import EstimationCore
import Foundation
import LinearAlgebra

/// Variance estimators for linear-model coefficients.
///
/// With `X*` = W^½X, `e*` = W^½e, bread `B = (X*ᵀX*)⁻¹`, leverage `hᵢ` (the
/// diagonal of the hat matrix of X*), n observations, K coefficients (k in X, plus the fixed
/// effects when absorbed, see `Absorption`), G clusters:
///
/// | estimator | V(β̂) | t degrees of freedom | reference |
/// |---|---|---|---|
/// | `classical` | σ̂² B, σ̂² = Σe*²/(n−K) | n − K | |
/// | `hc0` | B (Σ e*ᵢ² x*ᵢx*ᵢᵀ) B | n − K | White (1980) |
/// | `hc1` | n/(n−K) · HC0 (Stata's `robust`, fixest's `hetero`) | n − K | MacKinnon & White (1985) |
/// | `hc2` | B (Σ e*ᵢ²/(1−hᵢ) x*ᵢx*ᵢᵀ) B | n − K | MacKinnon & White (1985) |
/// | `hc3` | B (Σ e*ᵢ²/(1−hᵢ)² x*ᵢx*ᵢᵀ) B | n − K | MacKinnon & White (1985) |
/// | `cr1` | G/(G−1) · (n−1)/(n−K_c) · B (Σ_g u_g u_gᵀ) B, u_g = Σ_{i∈g} x*ᵢ e*ᵢ (Stata's `vce(cluster)`) | G − 1 | Liang & Zeger (1986) |
/// | `cr0` | B (Σ_g u_g u_gᵀ) B, no small-sample factor | G − 1 | |
/// | `cr2` | B (Σ_g X*_gᵀA_g e*_g e*_gᵀA_g X*_g) B, A_g = (I − H_gg)^(−½) (clubSandwich) | Satterthwaite, per coefficient | Bell & McCaffrey (2002); Pustejovsky & Tipton (2018) |
///
/// Leverages and H include the absorbed fixed effects (they equal those of the model with the
/// dummies written out). K_c is K, except that with absorbed fixed effects fixest's rule leaves out
/// factors nested in a cluster column (`Absorption`). With several cluster columns (CR0/CR1), V is
/// Cameron, Gelbach & Miller's (2011) Σ_S (−1)^{|S|+1} V_S over the non-empty sets S of columns
/// (V_S clustered by their intersection), each with fixest's factor G_min/(G_min − 1), G_min the
/// fewest clusters of any column; negative eigenvalues are set to 0, and t has G_min − 1 df.
///
/// The t degrees of freedom follow Stata (`regress`) and fixest unless another rule is asked for
/// (`covariance(_:clusters:degreesOfFreedom:)`): n − K (`.residual`), or G − 1 with clusters
/// (`.clustersMinusOne`); `.normal` gives a normal reference (no degrees of freedom); CR2 uses
/// `.satterthwaite`.
public enum VarianceEstimator: String, Sendable, Codable, CaseIterable {
    case classical, hc0, hc1, hc2, hc3, cr0, cr1, cr2

    /// Whether the estimator needs cluster identifiers.
    public var isClustered: Bool { self == .cr0 || self == .cr1 || self == .cr2 }
}

/// A coefficient covariance matrix and the reference distribution for tests.
public struct CoefficientCovariance: Sendable {
    public let estimator: VarianceEstimator
    /// The k x k covariance matrix.
    public let matrix: Matrix
    /// The rule that set the reference distribution.
    public let degreesOfFreedomRule: Inference.DegreesOfFreedom
    /// Degrees of freedom of the t reference distribution, common to every coefficient; nil for a
    /// normal reference or when they differ per coefficient (Satterthwaite).
    public let degreesOfFreedom: Double?
    /// Degrees of freedom per coefficient (every rule; equal to `degreesOfFreedom` unless Satterthwaite).
    public let coefficientDegreesOfFreedom: [Double?]
    /// The number of clusters (the fewest over cluster columns), for clustered estimators.
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
        case .classical: return Inference(kind: .classical, name: rawValue, type: "classical", df: .residual)
        case .hc0, .hc1, .hc2, .hc3: return Inference(kind: .robust, name: rawValue, type: rawValue.uppercased(), df: .residual)
        case .cr0, .cr1: return Inference(kind: .cluster, name: rawValue, type: rawValue.uppercased(), df: .clustersMinusOne, clusters: clusters)
        case .cr2: return Inference(kind: .cluster, name: rawValue, type: "CR2", df: .satterthwaite, clusters: clusters)
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

    /// Leverages hᵢ of the full model: ‖(X* R⁻¹)ᵢ‖², plus the fixed effects' share when absorbed.
    func leverages(inverseR: Matrix) throws(RegressionError) -> [Double] {
        var h = x.rowSumsOfSquares(multipliedBy: inverseR, rowScale: weights?.map { $0.squareRoot() })
        if let fe = absorption?.fixedEffects {
            // The dummies' share (P_D)ᵢᵢ, the same in whitened terms.
            let p = try fe.projectionDiagonal()
            for i in h.indices { h[i] += p[i] }
        }
        return h
    }

    /// The covariance matrix of the coefficients under `estimator`.
    ///
    /// - Parameters:
    ///   - clusters: cluster codes (0-based, one per observation) for one-way clustering; defaults to
    ///     the design's cluster columns (several give multiway clustering).
    ///   - rule: the reference distribution's degrees of freedom; nil for the estimator's default
    ///     (n − K, G − 1 with clusters, Satterthwaite for CR2).
    public func covariance(
        _ estimator: VarianceEstimator, clusters: [Int]? = nil,
        degreesOfFreedom rule: Inference.DegreesOfFreedom? = nil
    ) throws(RegressionError) -> CoefficientCovariance {
        let dimensions = clusters.map { [$0] } ?? clusterDimensions
        let (matrix, g, cr2) = try covarianceMatrix(estimator, clusterDimensions: dimensions)
        let chosen = rule ?? (estimator == .cr2 ? .satterthwaite : estimator.isClustered ? .clustersMinusOne : .residual)
        var perCoefficient: [Double?]
        switch chosen {
        case .residual: perCoefficient = [Double(residualDegreesOfFreedom)]
        case .clustersMinusOne:
            guard let g else {
                throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "G − 1 degrees of freedom need clusters")
            }
            perCoefficient = [Double(g - 1)]
        case .normal: perCoefficient = [nil]
        case .satterthwaite:
            guard let cr2 else {
                throw .varianceUnavailable(estimator: estimator.rawValue.uppercased(), reason: "Satterthwaite degrees of freedom are defined for CR2 only")
            }
            perCoefficient = try (0..<parameterCount).map { j throws(RegressionError) in
                var c = [Double](repeating: 0, count: parameterCount)
                c[j] = 1
                return cr2.satterthwaite(c)
            }
        }
        if perCoefficient.count == 1 { perCoefficient = [Double?](repeating: perCoefficient[0], count: parameterCount) }
        return CoefficientCovariance(
            estimator: estimator, matrix: matrix, degreesOfFreedomRule: chosen,
            degreesOfFreedom: chosen == .satterthwaite ? nil : perCoefficient.first ?? nil,
            coefficientDegreesOfFreedom: perCoefficient, clusterCount: g)
    }

    /// The covariance matrix under `estimator`, the (fewest) number of clusters it used, and the CR2
    /// machinery when the estimator is CR2.
    func covarianceMatrix(_ estimator: VarianceEstimator, clusterDimensions dimensions: [[Int]]) throws(RegressionError) -> (Matrix, Int?, CR2?) {
        let n = observations
        let dfResidual = Double(residualDegreesOfFreedom)
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
            return (s2 * bread, nil, nil)
        case .hc0, .hc1, .hc2, .hc3:
            var scale = u.map { abs($0) }
            if estimator == .hc2 || estimator == .hc3 {
                let h = try leverages(inverseR: rinv)
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
            return (v, nil, nil)
        case .cr0, .cr1, .cr2:
            let name = estimator.rawValue.uppercased()
            guard !dimensions.isEmpty else { throw .varianceUnavailable(estimator: name, reason: "no cluster variable was given") }
            for codes in dimensions { precondition(codes.count == n, "one cluster code per observation") }
            let counts = dimensions.map { ($0.max() ?? -1) + 1 }
            let g = counts.min() ?? 0
            guard g >= 2 else { throw .varianceUnavailable(estimator: name, reason: "there is only \(g) cluster") }
            if estimator == .cr2 {
                guard dimensions.count == 1 else { throw .varianceUnavailable(estimator: name, reason: "CR2 is defined for one cluster column") }
                let cr2 = try CR2(self, codes: dimensions[0])
                return (cr2.covariance, g, cr2)
            }
            var v: Matrix
            if dimensions.count == 1 {
                v = bread.sandwiching(clusterScores(codes: dimensions[0], clusterCount: g, factors: u).gram())
            } else {
                v = try multiwayCovariance(dimensions, bread: bread, factors: u)
            }
            if estimator == .cr1 {
                let gg = Double(g)
                let k = parameterCount + (absorption?.clusteredCoefficientCount(dimensions) ?? 0)
                v = (gg / (gg - 1) * (Double(n) - 1) / (Double(n) - Double(k))) * v
            }
            return (v, g, nil)
        }
    }

    /// Cameron, Gelbach & Miller's multiway sandwich Σ_S (−1)^{|S|+1} B M_S B, with negative
    /// eigenvalues set to zero.
    func multiwayCovariance(_ dimensions: [[Int]], bread: Matrix, factors u: [Double]) throws(RegressionError) -> Matrix {
        let n = observations, d = dimensions.count
        var meat = Matrix(rows: parameterCount, columns: parameterCount)
        for subset in 1..<(1 << d) {
            let members = (0..<d).filter { subset & (1 << $0) != 0 }
            var index: [[Int]: Int] = [:]
            let codes = (0..<n).map { i -> Int in
                let key = members.map { dimensions[$0][i] }
                if let c = index[key] { return c }
                index[key] = index.count
                return index.count - 1
            }
            let m = clusterScores(codes: codes, clusterCount: index.count, factors: u).gram()
            let sign = members.count % 2 == 1 ? 1.0 : -1.0
            for a in 0..<parameterCount { for b in 0..<parameterCount { meat[a, b] += sign * m[a, b] } }
        }
        let v = bread.sandwiching(meat)
        let eig: SymmetricEigendecomposition
        do { eig = try v.symmetricEigen() } catch { throw .linearAlgebra(error) }
        return eig.values.allSatisfy { $0 >= 0 } ? v : eig.applying { max($0, 0) }
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
