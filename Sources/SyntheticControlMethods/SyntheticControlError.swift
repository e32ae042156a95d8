import Tabular

/// An error from a synthetic-control analysis, in terms of the panel the user supplied.
public enum SyntheticControlError: Error, Equatable, Sendable, CustomStringConvertible {
    case panel(String)
    case unknownUnit(String, available: [String])
    case noPrePeriod(unit: String, treatmentTime: Double)
    case noPostPeriod(unit: String, treatmentTime: Double)
    case missingValue(variable: String, unit: String, periods: String)
    /// Donor units whose outcome has gaps, and the periods each misses.
    case incompleteDonors(variable: String, donors: [String], periods: [String])
    case tooFewDonors(Int)
    case invalidOption(String)
    case numerical(String)

    public var description: String {
        switch self {
        case .panel(let s): return s
        case let .unknownUnit(u, available):
            var s = "no unit '\(u)' in the panel"
            if let m = closestMatch(to: u, in: available) { s += " (did you mean '\(m)'?)" }
            return s
        case let .noPrePeriod(unit, t):
            return "treated unit '\(unit)' has no pre-treatment period before \(formatNumber(t)) to fit on"
        case let .noPostPeriod(unit, t):
            return "treated unit '\(unit)' has no period at or after its treatment time \(formatNumber(t))"
        case let .missingValue(variable, unit, periods):
            return "'\(variable)' is missing for unit '\(unit)' in \(periods)"
        case let .incompleteDonors(variable, donors, periods):
            let listed = zip(donors, periods).prefix(8).map { "\($0) (\($1))" }.joined(separator: ", ")
            return "'\(variable)' is missing for \(donors.count) donor unit(s): \(listed)\(donors.count > 8 ? ", …" : ""); "
                + "leave \(donors.count == 1 ? "it" : "them") out of the donor pool (`exclude`) or fill the gaps"
        case .tooFewDonors(let n): return "synthetic control needs at least 2 donor units; there are \(n)"
        case .invalidOption(let s): return s
        case .numerical(let s): return s
        }
    }
}
