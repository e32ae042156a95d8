/// Steps that turn a data set as read into the data set analysed: joins, row filters and derived
/// columns, applied in order, each recorded with the rows it kept and what it noticed.
///
/// ```swift
/// let steps: [DataPreparation.Step] = [
///     .join(JoinStep(source: "areas", by: ["area", "year"])),
///     .filter(try .init("year >= 2016")),
///     .derive(try .init(name: "post", "year >= adoption")),
/// ]
/// let prepared = try DataPreparation.apply(steps, to: schools, sources: ["areas": .init(areas)], panel: nil)
/// ```
public enum DataPreparation {
    /// One step.
    public enum Step: Sendable, Equatable {
        case join(JoinStep)
        case filter(Formula)
        case derive([DerivedColumn])
    }

    /// An expression with the text it was written as.
    public struct Formula: Sendable, Equatable {
        public var source: String
        public var expression: TableExpression
        public init(_ source: String) throws(ExpressionError) {
            self.source = source
            expression = try TableExpression.parse(source)
        }
    }

    /// A new column defined by an expression.
    public struct DerivedColumn: Sendable, Equatable {
        public var name: String
        public var formula: Formula
        public init(name: String, _ source: String) throws(ExpressionError) {
            self.name = name
            formula = try Formula(source)
        }
        public init(name: String, formula: Formula) {
            self.name = name
            self.formula = formula
        }
    }

    /// A many-to-one join of another data set (see ``Table/joining(_:by:columns:unmatched:)``).
    public struct JoinStep: Sendable, Equatable {
        public var source: String
        public var by: [String]
        public var columns: [String]?
        public var unmatched: Table.UnmatchedRows
        public init(source: String, by: [String], columns: [String]? = nil, unmatched: Table.UnmatchedRows = .error) {
            self.source = source
            self.by = by
            self.columns = columns
            self.unmatched = unmatched
        }
    }

    /// What one step did: rows before and after, columns added, and notes (missing values made, rows
    /// dropped because a condition was missing, unused rows of a joined data set).
    public struct Record: Sendable, Equatable, Codable {
        /// The step as written: `join areas on area, year`, `filter year >= 2016`, `derive post = year >= adoption`.
        public var step: String
        public var rowsBefore: Int
        public var rowsAfter: Int
        public var columnsAdded: [String]
        public var notes: [String]
    }

    /// A data set after preparation: the table, what each step did, and each row's row in the file
    /// (so that messages about a prepared row name the file's line).
    public struct Prepared: Sendable, Equatable {
        public var table: Table
        public var records: [Record]
        /// The 0-based file row of each row of `table`.
        public var fileRows: [Int]

        /// A data set as read, before any step.
        public init(table: Table, records: [Record], fileRows: [Int]) {
            self.table = table
            self.records = records
            self.fileRows = fileRows
        }

        public init(_ table: Table) {
            self.table = table
            records = []
            fileRows = Array(0..<table.rowCount)
        }
    }

    /// A step that failed, with what is wrong; `column` names the derived column when a derive failed.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The index of the failing step.
        public var step: Int
        /// The derived column whose expression failed, if any.
        public var column: String?
        /// The expression's text and the error in it, when the fault is in an expression.
        public var source: String?
        public var expressionError: ExpressionError?
        public var message: String

        public var description: String {
            if let source, let expressionError { return expressionError.pointing(into: source) }
            return message
        }
    }

    /// Applies `steps` in order to `data`. `sources` holds the (prepared) data sets a join may name;
    /// `panel` names the unit and time columns for `lag` and `lead`.
    ///
    /// - Throws: `Failure` for an expression that does not evaluate, a derived column that would
    ///   overwrite one the data has, a filter that keeps no row, or a join that fails.
    public static func apply(
        _ steps: [Step], to data: Prepared, sources: [String: Prepared], panel: TableExpression.PanelKeys?
    ) throws(Failure) -> Prepared {
        var t = data.table
        var fileRows = data.fileRows
        var records = data.records
        for (index, step) in steps.enumerated() {
            let before = t.rowCount
            switch step {
            case .join(let join):
                guard let right = sources[join.source] else {
                    throw Failure(step: index, message: "no data set named '\(join.source)' is declared before this one")
                }
                let result: (table: Table, summary: Table.JoinSummary, rows: [Int])
                do { result = try t.joining(right.table, by: join.by, columns: join.columns, unmatched: join.unmatched) } catch {
                    // Rows named as the files number them.
                    var located = error
                    switch error {
                    case let .unmatched(key, row, count, total): located = .unmatched(key: key, row: fileRows[row], count: count, of: total)
                    case let .duplicateKey(key, rows, count):
                        located = .duplicateKey(key: key, rows: (right.fileRows[rows.0], right.fileRows[rows.1]), count: count)
                    default: break
                    }
                    throw Failure(step: index, message: located.description(naming: "'\(join.source)'"))
                }
                fileRows = result.rows.map { fileRows[$0] }
                var notes: [String] = []
                let s = result.summary
                if s.unmatchedRows > 0 {
                    notes.append(
                        join.unmatched == .drop
                            ? "\(s.unmatchedRows) row(s) without a match dropped" : "\(s.unmatchedRows) row(s) without a match kept with missing values")
                }
                if s.unusedRightRows > 0 { notes.append("\(s.unusedRightRows) row(s) of '\(join.source)' matched no row") }
                records.append(
                    Record(
                        step: "join \(join.source) by \(join.by.joined(separator: ", "))", rowsBefore: before, rowsAfter: result.table.rowCount,
                        columnsAdded: result.table.columnNames.filter { !t.hasColumn($0) }, notes: notes))
                t = result.table
            case .filter(let formula):
                let evaluation: TableExpression.Evaluation
                do { evaluation = try formula.expression.evaluate(on: t, source: formula.source, panel: panel) } catch {
                    throw Failure(step: index, source: formula.source, expressionError: error, message: error.message)
                }
                guard case .numeric(let keep) = evaluation.column else {
                    throw Failure(
                        step: index, source: formula.source, expressionError: ExpressionError("a filter needs a condition; this gives text"),
                        message: "a filter needs a condition; this gives text")
                }
                let missing = keep.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
                let keptRows = (0..<t.rowCount).filter { !keep[$0].isNaN && keep[$0] != 0 }
                let kept = t.selectingRows(keptRows)
                guard kept.rowCount > 0 else {
                    let message =
                        "the filter '\(formula.source)' keeps none of the \(before) rows"
                        + (missing > 0 ? " (\(missing) have a missing value in it)" : "") + "; check the condition and the column's values"
                    throw Failure(step: index, message: message)
                }
                var notes = evaluation.notes
                if missing > 0 { notes.append("\(missing) row(s) dropped because the condition is missing for them") }
                records.append(Record(step: "filter \(formula.source)", rowsBefore: before, rowsAfter: kept.rowCount, columnsAdded: [], notes: notes))
                t = kept
                fileRows = keptRows.map { fileRows[$0] }
            case .derive(let columns):
                for derived in columns {
                    guard !t.hasColumn(derived.name) else {
                        throw Failure(
                            step: index, column: derived.name,
                            message: "the data already has a column '\(derived.name)'; give the derived column a new name (nothing is overwritten)")
                    }
                    let evaluation: TableExpression.Evaluation
                    do { evaluation = try derived.formula.expression.evaluate(on: t, source: derived.formula.source, panel: panel) } catch {
                        throw Failure(step: index, column: derived.name, source: derived.formula.source, expressionError: error, message: error.message)
                    }
                    try! t.addColumn(derived.name, evaluation.column)
                    var notes = evaluation.notes
                    let missing = evaluation.column.missingCount
                    if missing > 0 { notes.append("'\(derived.name)' is missing in \(missing) of \(t.rowCount) rows") }
                    records.append(
                        Record(
                            step: "derive \(derived.name) = \(derived.formula.source)", rowsBefore: before, rowsAfter: t.rowCount,
                            columnsAdded: [derived.name], notes: notes))
                }
            }
        }
        return Prepared(table: t, records: records, fileRows: fileRows)
    }
}
