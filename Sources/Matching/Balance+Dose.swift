import EstimationCore
import Foundation

/// Balance of one covariate with a continuous treatment.
public struct DoseBalanceRow: Sendable, Codable, Equatable {
    public let variable: String
    public let binary: Bool
    /// The (weighted) mean of the covariate.
    public let mean: Double
    /// The treatment–covariate correlation (see `Balance.doseTable`).
    public let correlation: Double
}

/// A balance table for one weighting of a sample with a continuous treatment.
public struct DoseBalanceTable: Sendable, Codable, Equatable {
    public let rows: [DoseBalanceRow]
    /// Units with positive weight.
    public let count: Int
    /// Kish's effective sample size (Σw)²/Σw².
    public let effectiveSampleSize: Double

    public subscript(variable: String) -> DoseBalanceRow? { rows.first { $0.variable == variable } }
}

extension Balance {
    /// Treatment–covariate correlations for a continuous treatment, with cobalt's definitions
    /// (`col_w_corr` with `s.d.denom = "all"`, the default for continuous treatments in `bal.tab`):
    ///
    ///     r_w(x, d) = cov_w(x, d) / (s(x) · s(d))
    ///
    /// where cov_w is the weighted covariance in the reliability form Σw̃(x − x̄_w)(d − d̄_w)/(1 − Σw̃²),
    /// w̃ = w/Σw (`WeightedStatistics.covariance`), and the standard deviations s are those of the
    /// **unweighted** sample (n − 1 form; √(p(1 − p)) for a 0/1 covariate), so that before and after
    /// weighting share one denominator. Unweighted, r is Pearson's correlation for a numeric covariate.
    /// A covariance that is zero up to rounding gives r = 0.
    ///
    /// Complexity: O(n p).
    public static func doseTable(_ variables: [BalanceVariable], dose: [Double], weights: [Double]? = nil) -> DoseBalanceTable {
        let w = weights ?? [Double](repeating: 1, count: dose.count)
        precondition(w.count == dose.count && variables.allSatisfy { $0.values.count == dose.count }, "one value per unit")
        let sd = WeightedStatistics.standardDeviation(dose)
        let rows = variables.map { v -> DoseBalanceRow in
            let binary = v.isBinary
            let sx = binary ? WeightedStatistics.binaryVariance(v.values).squareRoot() : WeightedStatistics.standardDeviation(v.values)
            let cov = WeightedStatistics.covariance(v.values, dose, weights: w)
            let scale = sx * sd
            let r = scale > 0 && abs(cov) > Double.ulpOfOne * scale ? cov / scale : 0
            return DoseBalanceRow(variable: v.name, binary: binary, mean: WeightedStatistics.mean(v.values, weights: w), correlation: r)
        }
        return DoseBalanceTable(
            rows: rows, count: w.filter { $0 > 0 }.count,
            effectiveSampleSize: WeightedStatistics.effectiveSampleSize(w))
    }
}
