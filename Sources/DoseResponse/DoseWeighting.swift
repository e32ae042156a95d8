import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Matching

/// A dose–response curve by weighting for a continuous dose: weights that remove the association
/// between the dose and the covariates, then a weighted regression of the outcome on a spline of the dose.
///
/// Weights:
/// - `inverseDensity`: stabilised inverse-density weights wᵢ = f(Tᵢ)/f(Tᵢ | Xᵢ) (Robins, Hernán &
///   Brumback 2000), both normal: the numerator N(T̄, s²_T), the denominator the least-squares model
///   T = [1, X]γ + ε with s² the mean squared residual (n form, as WeightIt's `glm` method for a
///   continuous treatment; WeightIt ≥ 1.0 replaces the numerator by the average conditional density).
/// - `entropy`: entropy balancing for a continuous dose (`EntropyBalancing.doseWeights`: every weighted
///   covariate–dose covariance zero, covariate and dose means preserved; Tübbicke 2022).
///
/// Outcome model: weighted least squares of Y on [1, B(T)], B a cubic B-spline basis with
/// `knots` interior knots at quantiles of the dose; the curve is μ(t) = [1, B(t)]β̂ and its slope
/// μ′(t) = B′(t)β̂.
///
/// Inference: the nonparametric bootstrap over units, re-estimating the weights in every draw
/// (normal intervals from the draws' standard deviations; sup-t bands, `BootstrapSummary`).
///
/// Complexity: O(n p²) per fit (plus the entropy solver's Newton steps); `replications` fits for the bootstrap.
public struct DoseWeighting: Sendable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case inverseDensity = "inverse-density"
        case entropy
        /// No weights: the outcome model alone, as a reference for what the adjustment changes.
        case unadjusted
    }

    public struct Specification: Sendable, DoseCurveSettings {
        public var method = Method.inverseDensity
        /// Interior knots of the outcome model's cubic B-spline in the dose.
        public var knots = 1
        public var degree = 3
        /// Entropy balancing: 1 balances means and dose covariances, 2 also holds covariate variances.
        public var moments = 1
        public var grid: [Double]? = nil
        public var level = ConfidenceLevel.standard
        public var replications = 200
        public var seed: UInt64 = 1
        public var threads = 1
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public let method: Method
        public let curve: DoseResponseCurve
        /// The weights (mean 1 for entropy balancing; as defined for inverse-density weights).
        public let weights: [Double]
        /// Treatment–covariate correlations before and after weighting (cobalt's definitions).
        public let balanceBefore: DoseBalanceTable
        public let balanceAfter: DoseBalanceTable
        /// The outcome model's spline basis and coefficients ((Intercept) first).
        public let basis: BSplineBasis
        public let coefficients: [Double]
        public let bootstrapDraws: Int
        public let failedDraws: Int
    }

    /// Estimates the weights, the curve and, with `replications > 0`, its bootstrap bands.
    public static func estimate(_ data0: DoseData, _ spec: Specification = Specification()) throws(DoseResponseError) -> Result {
        let data = data0.withObservedOutcome()
        let grid = spec.grid ?? data.defaultGrid()
        let basis = BSplineBasis(degree: spec.degree, quantileKnots: spec.knots, of: data.dose)
        let (weights, beta, values) = try fitAndEvaluate(data, spec, basis: basis, grid: grid)
        let before = Balance.doseTable(data.balanceVariables, dose: data.dose)
        let after = Balance.doseTable(data.balanceVariables, dose: data.dose, weights: weights)
        let n = data.count
        let (curve, used, failed) = DoseResponseCurve.bootstrapped(
            doses: grid, values: values, replications: spec.replications, threads: spec.threads, level: spec.level,
            type: "nonparametric bootstrap over units, weights re-estimated"
        ) { b in
            try? fitAndEvaluate(data.resampled(DoseData.bootstrapIndex(count: n, seed: spec.seed, draw: b)), spec, basis: basis, grid: grid).values
        }
        return Result(
            method: spec.method, curve: curve, weights: weights, balanceBefore: before, balanceAfter: after, basis: basis, coefficients: beta,
            bootstrapDraws: used, failedDraws: failed)
    }

    /// Stabilised inverse-density weights f(T)/f(T | X) from normal models (WeightIt's `glm` method).
    public static func inverseDensityWeights(_ data: DoseData) throws(DoseResponseError) -> [Double] {
        let x = data.designWithIntercept
        let gamma = try LeastSquares.fit(x, data.dose, what: "the dose model")
        let fitted = x.multiplied(by: gamma)
        let residuals = zip(data.dose, fitted).map { $0 - $1 }
        let sDenominator = (residuals.reduce(0) { $0 + $1 * $1 } / Double(residuals.count)).squareRoot()
        let mean = WeightedStatistics.mean(data.dose), sNumerator = WeightedStatistics.standardDeviation(data.dose)
        guard sDenominator > 0 else { throw .estimation("the dose model fits the dose exactly; inverse-density weights are undefined") }
        return data.dose.indices.map { i in
            let zn = (data.dose[i] - mean) / sNumerator, zd = residuals[i] / sDenominator
            return (exp(-0.5 * zn * zn) / sNumerator) / (exp(-0.5 * zd * zd) / sDenominator)
        }
    }

    /// Entropy-balancing weights for a continuous dose on the data's covariate columns (mean 1).
    public static func entropyWeights(_ data: DoseData, moments: Int = 1) throws(DoseResponseError) -> [Double] {
        do {
            return try EntropyBalancing.doseWeights(dose: data.dose, covariates: data.covariates, names: data.covariateNames, moments: moments)
        } catch { throw .matching(error) }
    }

    static func fitAndEvaluate(
        _ data: DoseData, _ spec: Specification, basis: BSplineBasis, grid: [Double]
    ) throws(DoseResponseError) -> (weights: [Double], beta: [Double], values: [Double]) {
        let w: [Double]
        switch spec.method {
        case .entropy: w = try entropyWeights(data, moments: spec.moments)
        case .inverseDensity: w = try inverseDensityWeights(data)
        case .unadjusted: w = [Double](repeating: 1, count: data.count)
        }
        let b = basis.matrix(data.dose)
        var z = Matrix(rows: data.count, columns: b.columns + 1, repeating: 1)
        for j in 0..<b.columns { z.setColumn(j + 1, to: b.column(j)) }
        let beta = try LeastSquares.fit(z, data.outcome, weights: w, what: "the weighted outcome model")
        let spline = Array(beta.dropFirst())
        let level = grid.map { beta[0] + Vector.dot(basis.values(at: $0), spline) }
        let slope = grid.map { Vector.dot(basis.derivatives(at: $0), spline) }
        return (w, beta, level + slope)
    }
}
