import LinearAlgebra
import Tabular

/// An error from building a design or fitting a regression, written for the person who supplied the data.
public enum RegressionError: Error, Equatable, Sendable {
    /// A named column is absent or of the wrong type.
    case table(TableError)
    /// The design has fewer linearly independent columns than columns.
    ///
    /// Each dependency names a column and the earlier columns it is a linear
    /// combination of (with coefficients).
    case rankDeficient(rank: Int, columns: Int, dependencies: [CollinearColumn])
    /// Too few complete observations for the number of coefficients.
    case tooFewObservations(observations: Int, coefficients: Int)
    /// Weights must be finite and non-negative.
    case invalidWeights(column: String, row: Int, value: Double)
    /// A variance estimator cannot be computed (e.g. one cluster, leverage of one).
    case varianceUnavailable(estimator: String, reason: String)
    /// A numeric failure inside LAPACK.
    case linearAlgebra(LinearAlgebraError)
    /// An option is not valid for this model.
    case invalidOption(String)
    /// An iterative fit did not converge.
    case notConverged(method: String, iterations: Int, detail: String)
    /// Complete separation in a binary model.
    case separation(detail: String)
}

/// A design column that is (numerically) a linear combination of earlier columns.
public struct CollinearColumn: Equatable, Sendable, Codable {
    /// The column dropped from the basis.
    public let name: String
    /// Earlier columns and coefficients: `name ≈ Σ coefficient · partner`.
    public let partners: [String]
    public let coefficients: [Double]
    /// The absorbed factors that explain the column entirely (e.g. a unit-level covariate with unit fixed effects).
    public var absorbedBy: [String]? = nil
}

extension RegressionError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .table(let e): return e.description
        case let .rankDeficient(rank, columns, dependencies):
            // One readable sentence: at most three dependencies, each with at most four partners.
            let parts = dependencies.prefix(3).map { d -> String in
                if let fe = d.absorbedBy {
                    return fe.count == 1
                        ? "'\(d.name)' is constant within the levels of \(fe[0]) (absorbed)"
                        : "'\(d.name)' is explained entirely by the absorbed effects of \(fe.joined(separator: " and ")) (it is a sum of such effects, e.g. constant within the levels of one of them)"
                }
                if d.partners.isEmpty { return "'\(d.name)' is zero in every complete row" }
                var combo = zip(d.partners, d.coefficients).prefix(4).map { "\(formatNumber(($1 * 1e6).rounded() / 1e6))·\($0)" }
                    .joined(separator: " + ")
                if d.partners.count > 4 { combo += " + \(d.partners.count - 4) more" }
                return "'\(d.name)' = \(combo)"
            }
            let more = dependencies.count > 3 ? "; and \(dependencies.count - 3) more collinear column(s)" : ""
            return "the design is rank deficient (rank \(rank) of \(columns) columns): "
                + parts.joined(separator: "; ") + more
                + ". Remove one of the collinear columns or combine them."
        case let .tooFewObservations(n, k):
            return "\(n) usable observation(s) for \(k) coefficient(s): need more observations than coefficients "
                + "(rows with a missing value in a model column, or with zero weight, are not used)"
        case let .invalidWeights(column, row, value):
            return "weight column '\(column)' has an invalid value \(formatNumber(value)) in row \(row + 1) (weights must be finite and >= 0)"
        case let .varianceUnavailable(estimator, reason):
            return "\(estimator) standard errors are not available: \(reason)"
        case .linearAlgebra(let e): return e.description
        case .invalidOption(let s): return s
        case let .notConverged(method, iterations, detail):
            return "\(method) did not converge in \(iterations) iterations (\(detail))"
        case .separation(let detail): return "complete or quasi-complete separation: \(detail)"
        }
    }
}
