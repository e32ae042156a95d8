import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular

/// Net-benefit regression (Hoch, Briggs & Willan 2002): the incremental net benefit of each strategy
/// over the comparator at each willingness to pay λ, with the regression module's inference.
///
/// With person-level effect E and cost C, strategy indicators T and covariates X, the effect and cost
/// equations E = α_E + Tδ_E + Xβ_E + ε and C = α_C + Tδ_C + Xβ_C + η are fitted by least squares with the
/// same right-hand side (weights, absorbed factors and clusters as given). Net benefit λE − C has the
/// same regressors, so its fit is exactly λ·(effect fit) − (cost fit): the incremental net benefit is
/// INB(λ) = λδ_E − δ_C with variance λ²V_E − 2λC_EC + V_C. Every sandwich estimator here (HC0–HC3,
/// CR0–CR2, and the classical variance) is a quadratic form in the residuals, so this equals the variance
/// of the net-benefit regression fitted at λ directly; C_EC is obtained from one such fit at λ* = √(V_C/V_E)
/// (scales balanced). The reference distribution is the estimator's (t with n − K or G − 1 df; CR2's
/// Satterthwaite df, which depends on the design only, so it is the same at every λ).
///
/// - The probability that a strategy is cost-effective at λ is P(T ≤ INB/SE) with T the reference
///   distribution (the one-sided p-value's complement, as Hoch et al. read the acceptability curve from
///   the regression).
/// - The ICER δ_C/δ_E has Fieller's interval (Willan & O'Brien 1996): the R solving
///   (δ_C − Rδ_E)² = q²(V_C − 2R·C_EC + R²V_E), q the two-sided critical value of the effect's reference
///   distribution at `level`; bounded when δ_E is significantly non-zero (δ_E² > q²V_E), and otherwise
///   reported as unbounded. Its bounds are the λ at which the INB interval's bounds cross zero.
///
/// Complexity: two least-squares fits and one auxiliary fit, O(n·k²), then O(1) per λ.
public enum NetBenefitRegression {
    /// Fieller's interval for an ICER.
    public struct Interval: Sendable, Codable, Equatable {
        /// The level of the interval.
        public let level: Double
        /// The bounds when the interval is bounded (the effect difference significantly non-zero).
        public let lower: Double?
        public let upper: Double?
        /// Whether the interval is the whole line (or its complement of a bounded set): δ_E not significant.
        public let unbounded: Bool
    }

    /// The incremental net benefit at one willingness to pay.
    public struct AtWillingnessToPay: Sendable, Codable, Equatable {
        public let willingnessToPay: Double
        /// INB(λ) = λδ_E − δ_C with its uncertainty.
        public let incrementalNetBenefit: Estimate
        /// P(INB > 0) read from the reference distribution (the acceptability curve).
        public let probabilityCostEffective: Double?
    }

    /// One strategy against the comparator.
    public struct Comparison: Sendable, Codable, Equatable {
        public let strategy: String
        public let comparator: String
        /// δ_E: the adjusted incremental effect.
        public let incrementalEffect: Estimate
        /// δ_C: the adjusted incremental cost.
        public let incrementalCost: Estimate
        /// Cov(δ_E, δ_C) under the same variance estimator.
        public let covariance: Double
        /// δ_C/δ_E.
        public let icer: Double?
        public let icerInterval: Interval?
        public let byWillingnessToPay: [AtWillingnessToPay]
    }

    /// The effect and cost equations of `model` (whose `outcome` is ignored) on `table`, and each
    /// indicator in `treatments` (numeric 0/1 columns among the model's terms, one per strategy) compared
    /// with the comparator (all indicators 0).
    public static func compare(
        effect: String, cost: String, model: ModelSpecification, treatments: [(column: String, strategy: String)], comparator: String,
        variance: VarianceEstimator, level: Double, willingnessToPay: [Double], table: Table
    ) throws(RegressionError) -> (comparisons: [Comparison], effectFit: LinearFit, costFit: LinearFit) {
        var spec = model
        spec.outcome = effect
        let effectFit = try LinearModel.fit(spec, table: table)
        spec.outcome = cost
        let costFit = try LinearModel.fit(spec, table: table)
        let ve = try effectFit.covariance(variance), vc = try costFit.covariance(variance)
        // One auxiliary net-benefit fit, at λ* balancing the two scales, gives the cross-covariance.
        let scale = (vc.matrix.diagonal.reduce(0, +) / max(ve.matrix.diagonal.reduce(0, +), .leastNormalMagnitude)).squareRoot()
        let lambdaStar = scale.isFinite && scale > 0 ? scale : 1
        var auxiliary = table
        let e = try numeric(table, effect), c = try numeric(table, cost)
        do { try auxiliary.setColumn(effect, .numeric(zip(e, c).map { lambdaStar * $0 - $1 })) } catch { throw .table(error) }
        spec.outcome = effect
        let vn = try LinearModel.fit(spec, table: auxiliary).covariance(variance)
        var comparisons: [Comparison] = []
        for (column, strategy) in treatments {
            guard let j = effectFit.index(of: column) else { throw .invalidOption("no term '\(column)' in the fitted model") }
            let dE = effectFit.coefficients[j], dC = costFit.coefficients[j]
            let vE = ve.matrix[j, j], vC = vc.matrix[j, j]
            let cov = (lambdaStar * lambdaStar * vE + vC - vn.matrix[j, j]) / (2 * lambdaStar)
            let df = ve.coefficientDegreesOfFreedom[j]
            let inference = ve.inference
            let effectEstimate = Estimate.wald(
                term: "incremental effect", estimate: dE, standardError: vE.squareRoot(), degreesOfFreedom: df, level: level, inference: inference)
            let costEstimate = Estimate.wald(
                term: "incremental cost", estimate: dC, standardError: vC.squareRoot(), degreesOfFreedom: vc.coefficientDegreesOfFreedom[j], level: level,
                inference: vc.inference)
            let reference: any ContinuousDistribution = df.map { StudentT(degreesOfFreedom: $0) } ?? Normal.standard
            let rows = willingnessToPay.map { lambda in
                let inb = lambda * dE - dC
                let variance = max(lambda * lambda * vE - 2 * lambda * cov + vC, 0)
                let estimate = Estimate.wald(
                    term: "INB at \(formatNumber(lambda))", estimate: inb, standardError: variance.squareRoot(), degreesOfFreedom: df, level: level,
                    inference: inference)
                let p = estimate.standardError.map { reference.cdf(inb / $0) }
                return AtWillingnessToPay(willingnessToPay: lambda, incrementalNetBenefit: estimate, probabilityCostEffective: p)
            }
            comparisons.append(
                Comparison(
                    strategy: strategy, comparator: comparator, incrementalEffect: effectEstimate, incrementalCost: costEstimate, covariance: cov,
                    icer: dE != 0 ? dC / dE : nil,
                    icerInterval: fieller(dE: dE, dC: dC, vE: vE, vC: vC, cov: cov, critical: reference.complementaryQuantile((1 - level) / 2), level: level),
                    byWillingnessToPay: rows))
        }
        return (comparisons, effectFit, costFit)
    }

    /// Fieller's interval for δ_C/δ_E with critical value `q` (Willan & O'Brien 1996).
    static func fieller(dE: Double, dC: Double, vE: Double, vC: Double, cov: Double, critical q: Double, level: Double) -> Interval? {
        guard vE.isFinite, vC.isFinite, vE > 0 else { return nil }
        let q2 = q * q
        let a = dE * dE - q2 * vE
        let b = dE * dC - q2 * cov
        let c = dC * dC - q2 * vC
        let discriminant = b * b - a * c
        guard a > 0, discriminant >= 0 else { return Interval(level: level, lower: nil, upper: nil, unbounded: true) }
        let root = discriminant.squareRoot()
        return Interval(level: level, lower: (b - root) / a, upper: (b + root) / a, unbounded: false)
    }

    static func numeric(_ table: Table, _ name: String) throws(RegressionError) -> [Double] {
        do { return try table.numeric(name) } catch { throw .table(error) }
    }
}
