import LinearAlgebra

/// An error describing why a table is not a usable panel.
public enum PanelError: Error, Equatable, Sendable {
    case duplicateObservation(unit: String, time: Double)
    case missingIdentifier(column: String, row: Int)
    case table(TableError)
    case unbalanced(variable: String, missing: [(unit: String, time: Double)])
    /// An adoption (first treated period) column that cannot be used; the message names the unit and the likely fix.
    case invalidAdoption(column: String, message: String)
    /// A column that must hold one value per unit (an adoption time, a dose, a weight) has two.
    case notConstant(column: String, what: String, unit: String, first: Double, second: Double)

    public static func == (lhs: PanelError, rhs: PanelError) -> Bool { lhs.description == rhs.description }
}

extension PanelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .duplicateObservation(unit, time):
            return "unit '\(unit)' has more than one row for time \(formatNumber(time))"
        case let .missingIdentifier(column, row):
            return "row \(row + 1) has no value in identifier column '\(column)'"
        case let .table(e): return e.description
        case let .unbalanced(variable, missing):
            let shown = missing.prefix(5).map { "\($0.unit) at \(formatNumber($0.time))" }.joined(separator: ", ")
            return "'\(variable)' is missing for \(missing.count) unit-period cell(s): \(shown)" + (missing.count > 5 ? ", …" : "")
        case let .invalidAdoption(_, message): return message
        case let .notConstant(column, what, unit, first, second):
            return "'\(column)' must be constant within a unit (\(what)); unit '\(unit)' has \(formatNumber(first)) and \(formatNumber(second))"
        }
    }
}

/// A long-format table viewed as a panel: one row per unit and period.
///
/// Units are the distinct values of the unit column (in order of first
/// appearance); periods are the distinct values of the numeric time column,
/// sorted. Each (unit, period) may occur at most once.
public struct Panel: Sendable {
    /// The underlying long table.
    public let table: Table
    /// Names of the identifier columns.
    public let unitColumn: String, timeColumn: String
    /// Unit labels, in order of first appearance.
    public let units: [String]
    /// Distinct periods, ascending.
    public let times: [Double]
    /// For each table row, its unit's and period's position in `units` and `times`.
    public let unitOfRow: [Int], timeOfRow: [Int]
    /// `rowAt[u * times.count + t]` is the table row of unit u at period t, or -1.
    let rowAt: [Int]
    /// Position of every unit label in `units`.
    public let unitIndex: [String: Int]

    /// Indexes `table` by `unit` and `time`.
    ///
    /// - Throws: `PanelError` when an identifier is missing or a (unit, time) pair repeats.
    public init(_ table: Table, unit: String, time: String) throws(PanelError) {
        self.table = table
        unitColumn = unit
        timeColumn = time
        let unitColumnValues: Column
        let timeValues: [Double]
        do {
            unitColumnValues = try table.column(unit)
            timeValues = try table.numeric(time)
        } catch { throw .table(error) }
        if let r = (0..<table.rowCount).first(where: { unitColumnValues.isMissing($0) }) { throw .missingIdentifier(column: unit, row: r) }
        for (r, t) in timeValues.enumerated() where t.isNaN { throw .missingIdentifier(column: time, row: r) }
        // Units in order of first appearance (no per-row formatting or string hashing for numeric ids).
        let (unitOfRow, units) = unitColumnValues.groups(rows: Array(0..<table.rowCount))
        let unitIndex = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        // Periods: grouped by first appearance, then renumbered in ascending order.
        let timeGroups = Column.numeric(timeValues).groups(rows: Array(0..<table.rowCount))
        var valueOfCode = [Double](repeating: 0, count: timeGroups.labels.count)
        for (r, code) in timeGroups.codes.enumerated() { valueOfCode[code] = timeValues[r] }
        let order = valueOfCode.indices.sorted { valueOfCode[$0] < valueOfCode[$1] }
        let times = order.map { valueOfCode[$0] }
        var position = [Int](repeating: 0, count: order.count)
        for (k, code) in order.enumerated() { position[code] = k }
        let timeOfRowSorted = timeGroups.codes.map { position[$0] }
        var rowAt = [Int](repeating: -1, count: units.count * times.count)
        for r in 0..<table.rowCount {
            let cell = unitOfRow[r] * times.count + timeOfRowSorted[r]
            guard rowAt[cell] < 0 else { throw .duplicateObservation(unit: units[unitOfRow[r]], time: timeValues[r]) }
            rowAt[cell] = r
        }
        self.units = units
        self.times = times
        self.unitOfRow = unitOfRow
        self.timeOfRow = timeOfRowSorted
        self.rowAt = rowAt
        self.unitIndex = unitIndex
    }

    /// True when every unit has a row for every period.
    public var isBalanced: Bool { !rowAt.contains(-1) }

    /// The table row for unit `u` at period `t` (positions in `units`, `times`), if present.
    public func row(unit u: Int, time t: Int) -> Int? {
        let r = rowAt[u * times.count + t]
        return r < 0 ? nil : r
    }

    /// The position of `label` in `units`.
    public func unitPosition(_ label: String) -> Int? { unitIndex[label] }

    /// `variable` reshaped to a units x periods matrix (rows units, columns periods); absent cells are NaN.
    public func wide(_ variable: String) throws(PanelError) -> Matrix {
        let values: [Double]
        do { values = try table.numeric(variable) } catch { throw .table(error) }
        var m = Matrix(rows: units.count, columns: times.count, repeating: .nan)
        for u in units.indices {
            for t in times.indices {
                if let r = row(unit: u, time: t) { m[u, t] = values[r] }
            }
        }
        return m
    }

    /// Like `wide`, but throws `.unbalanced` naming the cells that are absent or missing.
    public func wideComplete(_ variable: String, times subset: [Int]? = nil) throws(PanelError) -> Matrix {
        let m = try wide(variable)
        let cols = subset ?? Array(times.indices)
        var missing: [(unit: String, time: Double)] = []
        for u in units.indices { for t in cols where m[u, t].isNaN { missing.append((units[u], times[t])) } }
        guard missing.isEmpty else { throw .unbalanced(variable: variable, missing: missing) }
        return subset == nil ? m : m.selectingColumns(cols)
    }

    /// Each unit's value of a column that must be constant within the unit (an adoption time, a dose,
    /// a sampling weight), NaN for a unit with no value; `what` says what the column is, for the error.
    ///
    /// Complexity: O(rows).
    public func unitConstant(_ column: String, what: String) throws(PanelError) -> [Double] {
        let values: [Double]
        do { values = try table.numeric(column) } catch { throw .table(error) }
        var out = [Double](repeating: .nan, count: units.count)
        for r in 0..<table.rowCount {
            let u = unitOfRow[r], v = values[r]
            if out[u].isNaN {
                out[u] = v
            } else if !v.isNaN && v != out[u] {
                throw .notConstant(column: column, what: what, unit: units[u], first: out[u], second: v)
            }
        }
        return out
    }
}
