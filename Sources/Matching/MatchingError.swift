import Regression
import Tabular

/// An error from matching or weighting, in terms of the data the user supplied.
public enum MatchingError: Error, Equatable, Sendable, CustomStringConvertible {
    case regression(RegressionError)
    case table(TableError)
    case invalidTreatment(column: String, detail: String)
    case invalidOption(String)
    case noMatches(String)
    case notConverged(method: String, iterations: Int, detail: String)

    public var description: String {
        switch self {
        case .regression(let e): return e.description
        case .table(let e): return e.description
        case let .invalidTreatment(column, detail): return "treatment column '\(column)': \(detail)"
        case .invalidOption(let s): return s
        case .noMatches(let s): return s
        case let .notConverged(method, iterations, detail):
            return "\(method) did not converge in \(iterations) iterations (\(detail))"
        }
    }
}

/// The estimand a matching or weighting targets.
public enum Estimand: String, Sendable, Codable, CaseIterable {
    /// Average treatment effect on the treated.
    case att
    /// Average treatment effect on the controls.
    case atc
    /// Average treatment effect in the whole sample.
    case ate
}
