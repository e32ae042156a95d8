import Foundation
import LinearAlgebra

/// A fitted linear model (OLS or WLS): coefficients, residuals and what the variance estimators need.
public struct LinearFit: Sendable {
    /// Coefficient names (design columns).
    public let names: [String]
    /// Estimated coefficients β̂.
    public let coefficients: [Double]
    /// Residuals `y − Xβ̂` (unweighted).
    public let residuals: [Double]
    /// Fitted values `Xβ̂`.
    public let fitted: [Double]
    /// The outcome.
    public let y: [Double]
    /// The weights, for WLS.
    public let weights: [Double]?
    /// The design `X`.
    public let x: Matrix
    /// `R` from the QR factorisation of `W^½ X`.
    let r: Matrix
    /// Weighted residual sum of squares `Σ wᵢ eᵢ²`.
    public let residualSumOfSquares: Double
    /// Cluster codes and labels given with the design, if any (the first cluster column).
    public var clusters: [Int]? { clusterDimensions.first }
    public let clusterLabels: [String]?
    /// Table rows used.
    public let rows: [Int]
    /// Table rows dropped (missing values, zero weights, singletons).
    public let droppedRows: Int
    /// Cluster codes for every cluster column (multiway clustering); `clusters` is the first.
    public let clusterDimensions: [[Int]]
    /// The absorbed fixed effects, when the model has them: `y`, `x`, `fitted` are then within
    /// (demeaned) quantities, and residuals are those of the model with the dummies written out.
    public let absorption: Absorption?

    init(
        names: [String], coefficients: [Double], residuals: [Double], fitted: [Double], y: [Double],
        weights: [Double]?, x: Matrix, r: Matrix, rss: Double,
        clusters: [Int]?, clusterLabels: [String]?, rows: [Int], droppedRows: Int,
        clusterDimensions: [[Int]]? = nil, absorption: Absorption? = nil
    ) {
        self.names = names
        self.coefficients = coefficients
        self.residuals = residuals
        self.fitted = fitted
        self.y = y
        self.weights = weights
        self.x = x
        self.r = r
        self.residualSumOfSquares = rss
        self.clusterLabels = clusterLabels
        self.rows = rows
        self.droppedRows = droppedRows
        self.clusterDimensions = clusterDimensions ?? clusters.map { [$0] } ?? []
        self.absorption = absorption
    }

    /// Number of observations used.
    public var observations: Int { y.count }
    /// Number of coefficients.
    public var parameterCount: Int { coefficients.count }
    /// Residual degrees of freedom `n − K`: K = k, plus the fixed-effect coefficients when absorbed.
    public var residualDegreesOfFreedom: Int { observations - parameterCount - (absorption?.coefficientCount ?? 0) }
    /// Whether the model has an intercept (a column, or absorbed with the fixed effects).
    public var hasIntercept: Bool { names.contains("(Intercept)") || absorption != nil }

    /// The residual standard error `σ̂ = √(RSS / (n − k))`.
    public var sigma: Double { (residualSumOfSquares / Double(residualDegreesOfFreedom)).squareRoot() }

    /// R² as R's `summary.lm` defines it (weighted, centred when there is an intercept); with absorbed
    /// fixed effects, of the full model (fixest's `r2`), against the outcome before demeaning.
    public var rSquared: Double {
        if let absorption { return 1 - residualSumOfSquares / absorption.totalSumOfSquares }
        return withinRSquared
    }

    /// R² of the demeaned model (fixest's within R²); equal to `rSquared` without absorbed fixed effects.
    public var withinRSquared: Double {
        let w = weights ?? [Double](repeating: 1, count: y.count)
        let sw = w.reduce(0, +)
        let mean = hasIntercept && absorption == nil ? zip(w, y).reduce(0) { $0 + $1.0 * $1.1 } / sw : 0
        let tss = zip(w, y).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
        return 1 - residualSumOfSquares / tss
    }

    /// Adjusted R²: `1 − (1 − R²)(n − i)/(n − K)`, i = 1 with an intercept, 0 without.
    public var adjustedRSquared: Double {
        let i = hasIntercept ? 1.0 : 0.0
        return 1 - (1 - rSquared) * (Double(observations) - i) / Double(residualDegreesOfFreedom)
    }

    /// Predictions x·β̂ for the rows of a design encoded like the fit's (see `DesignEncoder.encode`).
    public func predict(_ design: Matrix) -> [Double] {
        precondition(design.columns == parameterCount, "one design column per coefficient")
        return design.multiplied(by: coefficients)
    }

    /// The position of coefficient `name`.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The coefficient named `name`.
    public func coefficient(_ name: String) -> Double? { index(of: name).map { coefficients[$0] } }

    /// The per-row score factors `wᵢ eᵢ` (so that x*ᵢ e*ᵢ = wᵢ eᵢ xᵢ), `eᵢ` for OLS.
    var scoreFactors: [Double] {
        guard let weights else { return residuals }
        return zip(residuals, weights).map { $0 * $1 }
    }
}
