import Foundation

/// A columnar data table: named, typed columns of equal length.
///
/// `Table` is a value type; its columns are copy-on-write arrays, so copying a
/// table is cheap and mutation copies only the column touched.
public struct Table: Sendable, Equatable {
    /// Column names, in order.
    public private(set) var columnNames: [String]
    /// The columns, in the order of `columnNames`.
    public private(set) var columns: [Column]
    private var index: [String: Int]

    /// The number of rows.
    public private(set) var rowCount: Int
    /// The text encoding the table was read from when it was not UTF-8 (e.g. "windows-1252"), for reports.
    public var sourceEncoding: String? = nil

    /// An empty table with `rowCount` rows and no columns.
    public init(rowCount: Int = 0) {
        columnNames = []
        columns = []
        index = [:]
        self.rowCount = rowCount
    }

    /// A table from named columns, which must have distinct names and equal lengths.
    public init(_ namedColumns: [(String, Column)]) throws(TableError) {
        self.init(rowCount: namedColumns.first?.1.count ?? 0)
        for (name, column) in namedColumns { try addColumn(name, column) }
    }

    /// Appends a column.
    public mutating func addColumn(_ name: String, _ column: Column) throws(TableError) {
        guard index[name] == nil else { throw .duplicateColumn(name: name) }
        if columns.isEmpty && columnNames.isEmpty && rowCount == 0 { rowCount = column.count }
        guard column.count == rowCount else {
            throw .lengthMismatch(name: name, expected: rowCount, found: column.count)
        }
        index[name] = columns.count
        columnNames.append(name)
        columns.append(column)
    }

    /// Replaces the column `name`, or appends it if absent.
    public mutating func setColumn(_ name: String, _ column: Column) throws(TableError) {
        if let i = index[name] {
            guard column.count == rowCount else {
                throw .lengthMismatch(name: name, expected: rowCount, found: column.count)
            }
            columns[i] = column
        } else {
            try addColumn(name, column)
        }
    }

    /// Whether a column is named `name`.
    public func hasColumn(_ name: String) -> Bool { index[name] != nil }

    /// The column named `name`, or nil.
    public subscript(name: String) -> Column? {
        index[name].map { columns[$0] }
    }

    /// The column named `name`.
    ///
    /// - Throws: `TableError.columnNotFound`, naming the closest existing column.
    public func column(_ name: String) throws(TableError) -> Column {
        guard let i = index[name] else {
            throw .columnNotFound(name: name, available: columnNames, suggestion: closestMatch(to: name, in: columnNames))
        }
        return columns[i]
    }

    /// The numeric column named `name` (missing values are NaN). A text column whose every value is a
    /// number (identifiers with leading zeros such as "007", or a column declared categorical) converts.
    public func numeric(_ name: String) throws(TableError) -> [Double] {
        switch try column(name) {
        case .numeric(let v): return v
        case .categorical(let c):
            let values = c.levels.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil }) else {
                throw .wrongColumnType(name: name, expected: "numeric", found: "categorical (text)")
            }
            return c.codes.map { $0 < 0 ? .nan : values[Int($0)]! }
        }
    }

    /// The column named `name` as text values (nil when missing), whatever its type.
    public func strings(_ name: String) throws(TableError) -> [String?] {
        let c = try column(name)
        return (0..<rowCount).map { c.isMissing($0) ? nil : c.text(at: $0) }
    }

    /// The rows at `rows`, in that order.
    public func selectingRows(_ rows: [Int]) -> Table {
        var t = self
        t.columns = columns.map { $0.selecting(rows) }
        t.rowCount = rows.count
        return t
    }

    /// The rows for which `isIncluded` is true.
    public func filteringRows(_ isIncluded: (Int) -> Bool) -> Table {
        selectingRows((0..<rowCount).filter(isIncluded))
    }

    /// Indices of the rows with no missing value in any of `names`.
    public func completeRows(for names: [String]) throws(TableError) -> [Int] {
        var ok = [Bool](repeating: true, count: rowCount)
        for name in names {
            let c = try column(name)
            for i in 0..<rowCount where ok[i] && c.isMissing(i) { ok[i] = false }
        }
        return (0..<rowCount).filter { ok[$0] }
    }
}
