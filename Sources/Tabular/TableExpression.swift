/// An expression over a table's columns, evaluated row by row: `whole_school_hours / total_hours`,
/// `year >= adoption`, `log(pupils)`, `lag(wellbeing, 1)`, `band(dose, 0, 0.1, 0.3, 1)`.
///
/// The syntax is R's for arithmetic and comparison, so that a config reads as an R user would write it:
///
/// | form | meaning |
/// |---|---|
/// | `1.5`, `"London"`, `'London'` | a number, a text value |
/// | `pupils`, `` `pupils 2020` `` | a column (backticks around names that are not plain identifiers) |
/// | `+ - * / ^`, unary `-` | arithmetic; `^` is right-associative and binds tighter than unary minus, as in R |
/// | `== != < <= > >=` | comparisons, giving 1 or 0; text compares with `==` and `!=` only |
/// | `&` `and`, <code>&#124;</code> `or`, `!` `not` | logic on 1/0 values with R's three-valued treatment of missing values |
/// | `TRUE`, `FALSE`, `NA` | 1, 0 and a missing value |
///
/// Functions: `log`, `log10`, `exp`, `sqrt`, `abs`, `floor`, `ceiling`, `round(x[, digits])`,
/// `is_missing(x)`, `coalesce(x, y, …)`, `ifelse(condition, yes, no)`, `pmin(…)`, `pmax(…)`,
/// `lag(x[, k])` and `lead(x[, k])` within a unit (by time value, as Stata's `L.` and `F.` operators:
/// the value at time t − k of the same unit, missing when that period is absent), and
/// `band(x, b0, b1, …, bk)`, which labels x by the intervals [b0, b1), …, [bk−1, bk] as R's
/// `cut(x, breaks, right = FALSE, include.lowest = TRUE)` does, and `group_mean(x, g…)`,
/// `group_sum(x, g…)` and `group_count(g…)`, a statistic of each row's group repeated on its rows
/// (dplyr's `group_by |> mutate` with `na.rm = TRUE`).
///
/// Missing values propagate as R's `NA` do: any arithmetic or comparison with a missing operand is
/// missing; `FALSE & NA` is 0 and `TRUE | NA` is 1. Operations that have no real value (division by
/// zero, the log of a non-positive number) give a missing value and are counted in
/// ``TableExpression/Evaluation/notes`` rather than producing infinities or NaN silently.
public struct TableExpression: Sendable, Equatable, CustomStringConvertible {
    /// What a node is.
    public indirect enum Kind: Sendable, Equatable {
        case number(Double)
        case text(String)
        case missing
        case column(String)
        case negate(TableExpression)
        case not(TableExpression)
        case binary(BinaryOperator, TableExpression, TableExpression)
        case call(String, [TableExpression])
    }

    /// A binary operator, in R's spelling.
    public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case power = "^"
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case and = "&"
        case or = "|"

        var isComparison: Bool { [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    }

    public var kind: Kind
    /// The characters of the source text this node spans (offsets counted in characters from 0).
    public var range: Range<Int>

    public init(_ kind: Kind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    /// The columns the expression reads, in order of first use.
    public var columns: [String] {
        var seen: [String] = []
        func walk(_ e: TableExpression) {
            switch e.kind {
            case .number, .text, .missing: break
            case .column(let name): if !seen.contains(name) { seen.append(name) }
            case .negate(let a), .not(let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .call(_, let args): args.forEach(walk)
            }
        }
        walk(self)
        return seen
    }

    /// The expression written back in canonical form (fully parenthesised binary operations).
    public var description: String {
        switch kind {
        case .number(let x): return formatNumber(x)
        case .text(let s): return "\"\(s)\""
        case .missing: return "NA"
        case .column(let name): return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ? name : "`\(name)`"
        case .negate(let a): return "-\(a)"
        case .not(let a): return "!\(a)"
        case .binary(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .call(let f, let args): return "\(f)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// A problem in an expression or in evaluating it, with the characters of the source it concerns.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The offending characters of the expression's text (offsets from 0), when one token is at fault.
    public var range: Range<Int>?

    public init(_ message: String, range: Range<Int>? = nil) {
        self.message = message
        self.range = range
    }

    public var description: String { message }

    /// The message followed by the expression with the offending characters underlined:
    ///
    /// ```
    /// no column named 'adoptoin' (did you mean 'adoption'?)
    ///     year >= adoptoin
    ///             ^^^^^^^^
    /// ```
    public func pointing(into source: String) -> String {
        guard let range, !source.contains("\n") else { return message }
        let width = max(1, min(range.count, source.count - range.lowerBound))
        return message + "\n    " + source + "\n    " + String(repeating: " ", count: range.lowerBound) + String(repeating: "^", count: width)
    }
}
