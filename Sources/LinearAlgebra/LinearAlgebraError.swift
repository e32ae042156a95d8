/// An error from a linear-algebra operation, with LAPACK's `info` codes
/// translated into what they mean.
public enum LinearAlgebraError: Error, Equatable, Sendable {
    /// Operand shapes do not fit the operation.
    case dimensionMismatch(operation: String, details: String)
    /// An input contained NaN or infinity.
    case nonFiniteInput(operation: String)
    /// Cholesky failed: the leading minor of this order (1-based) is not positive definite.
    case notPositiveDefinite(minorOrder: Int)
    /// A triangular factor has an exactly zero pivot at this (1-based) position.
    case singular(pivot: Int)
    /// An iterative routine (SVD, eigensolver) did not converge; `count` is LAPACK's count.
    case noConvergence(routine: String, count: Int)
    /// LAPACK rejected argument `position` (1-based) of `routine`: a bug in this package.
    case illegalArgument(routine: String, position: Int)
    /// A dimension does not fit LAPACK's 32-bit integer interface.
    case tooLarge(operation: String, size: Int)
}

extension LinearAlgebraError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .dimensionMismatch(op, details):
            return "\(op): dimension mismatch (\(details))"
        case let .nonFiniteInput(op):
            return "\(op): input contains NaN or infinite values"
        case let .notPositiveDefinite(k):
            return "matrix is not positive definite (leading minor of order \(k))"
        case let .singular(p):
            return "matrix is singular (zero pivot at position \(p))"
        case let .noConvergence(routine, count):
            return "\(routine) did not converge (\(count) values failed)"
        case let .illegalArgument(routine, position):
            return "internal error: LAPACK \(routine) rejected argument \(position)"
        case let .tooLarge(op, size):
            return "\(op): dimension \(size) exceeds LAPACK's 32-bit index range"
        }
    }
}
