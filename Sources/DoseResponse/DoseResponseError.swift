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
    /// The normal equations are solved by Cholesky when XᵀX is well conditioned (the ratio of the
    /// factor's smallest to largest diagonal above 1e-6, a condition number below 1e12), which is
    /// fast in bootstrap loops; otherwise by LAPACK's SVD-based `dgelsd`, whose rank decides collinearity.
    ///
    /// Complexity: O(n k²).
    static func fit(_ x: Matrix, _ y: [Double], weights: [Double]? = nil, what: String) throws(DoseResponseError) -> [Double] {
        var design = x, response = y
        if let w = weights {
            let root = w.map { $0.squareRoot() }
            design = x.scalingRows(by: root)
            response = zip(y, root).map { $0 * $1 }
        }
        if x.columns > 0, y.allSatisfy({ $0.isFinite }), let factor = try? design.gram().cholesky() {
            let diagonal = factor.upper.diagonal
            if let lo = diagonal.min(), let hi = diagonal.max(), hi > 0, lo / hi > 1e-6,
                let beta = try? factor.solve(design.multiplied(by: response, transposingSelf: true)), beta.allSatisfy({ $0.isFinite })
            {
                return beta
            }
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
