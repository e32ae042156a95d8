import LinearAlgebra
import Matching
import Tabular

/// An error from a dose–response estimator, in terms of the data the user supplied.
public enum DoseResponseError: Error, Equatable, Sendable, CustomStringConvertible {
    case matching(MatchingError)
    case table(TableError)
    /// The data cannot support the estimator (too few units, a dose without variation, …).
    case data(String)
    /// A model could not be fitted (collinear columns, a singular system).
    case estimation(String)

    public var description: String {
        switch self {
        case .matching(let e): return e.description
        case .table(let e): return e.description
        case .data(let s): return s
        case .estimation(let s): return s
        }
    }
}

/// Least squares for the dose–response estimators' inner loops.
enum LeastSquares {
    /// The coefficients of `y` on the columns of `x`, weighted by `weights` when given; `what` names
    /// the model in the error when the columns are collinear.
    ///
    /// Complexity: O(n k²) (an SVD-based solve of the n × k system).
    static func fit(_ x: Matrix, _ y: [Double], weights: [Double]? = nil, what: String) throws(DoseResponseError) -> [Double] {
        var design = x, response = y
        if let w = weights {
            let root = w.map { $0.squareRoot() }
            design = x.scalingRows(by: root)
            response = zip(y, root).map { $0 * $1 }
        }
        let solution: LeastSquaresSolution
        do { solution = try design.leastSquares(response) } catch {
            throw .estimation("\(what): \(error)")
        }
        guard solution.rank == x.columns else {
            throw .estimation("\(what): the model's \(x.columns) columns have rank \(solution.rank) (collinear columns or too few distinct doses)")
        }
        return solution.solution
    }
}
