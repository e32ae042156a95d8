import Regression
import Tabular

/// Why an economic evaluation could not be run. Each case names the input at fault.
public enum EconomicEvaluationError: Error, CustomStringConvertible, Equatable {
    /// A value in the data breaks a rule (a negative cost, a utility above 1): `row` is 0-based.
    case invalidValue(field: CostEffectiveness.Field, column: String, row: Int, value: String, problem: String)
    /// A setting that cannot be used as given.
    case invalidSetting(field: CostEffectiveness.Field, problem: String)
    /// A strategy with no usable observations.
    case noObservations(strategy: String, column: String)
    case table(TableError)
    case regression(RegressionError)

    /// The input the error is about, for locating it in a config.
    public var field: CostEffectiveness.Field? {
        switch self {
        case .invalidValue(let f, _, _, _, _), .invalidSetting(let f, _): return f
        case .noObservations: return .strategy
        case .table, .regression: return nil
        }
    }

    public var description: String {
        switch self {
        case let .invalidValue(_, column, row, value, problem):
            return "column '\(column)', row \(row + 1) (line \(row + 2) of the file) holds \(value): \(problem)"
        case let .invalidSetting(_, problem): return problem
        case let .noObservations(strategy, column):
            return "strategy '\(strategy)' (column '\(column)') has no observations with every value needed"
        case .table(let e): return e.description
        case .regression(let e): return e.description
        }
    }
}
