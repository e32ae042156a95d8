extension Table {
    /// What to do with rows of the left table whose keys the right table does not have.
    public enum UnmatchedRows: String, Sendable, CaseIterable, Codable {
        /// Refuse the join (the default: an unmatched key is usually a coding difference to fix).
        case error
        /// Drop them, and count them.
        case drop
        /// Keep them with missing values in the joined columns.
        case keep
    }

    /// What a join did, for the report.
    public struct JoinSummary: Sendable, Equatable, Codable {
        public var matchedRows: Int
        public var unmatchedRows: Int
        /// The first unmatched key (values joined by ", ") and its 0-based row.
        public var firstUnmatchedKey: String?
        public var firstUnmatchedRow: Int?
        /// Rows of the right table (with a complete key) that no left row used.
        public var unusedRightRows: Int
    }

    /// A problem with a join.
    public enum JoinError: Error, Sendable, Equatable, CustomStringConvertible {
        /// A key column is missing from one side (`side` is "left" or "right").
        case keyNotFound(column: String, side: String, suggestion: String?)
        /// A column to bring over is not in the right table.
        case columnNotFound(column: String, suggestion: String?)
        /// The right table has two rows with one key: the join would multiply rows.
        case duplicateKey(key: String, rows: (Int, Int), count: Int)
        /// A column of the right table already exists in the left one.
        case columnClash(column: String)
        /// Left rows without a match, refused under `.error`.
        case unmatched(key: String, row: Int, count: Int, of: Int)

        public static func == (a: Self, b: Self) -> Bool { a.description == b.description }

        public var description: String { description(naming: "the data set joined") }

        /// The message, with the joined data set called `right` (its name in a config, say).
        public func description(naming right: String) -> String {
            switch self {
            case let .keyNotFound(column, side, suggestion):
                return "the key column '\(column)' is not in " + (side == "left" ? "this data set" : right)
                    + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
            case let .columnNotFound(column, suggestion):
                return "'\(column)' is not a column of \(right)" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
            case let .duplicateKey(key, rows, count):
                return
                    "\(right) has more than one row for the key (\(key)) (rows \(rows.0 + 1) and \(rows.1 + 1); \(count) keys in all are repeated); "
                    + "a join brings one row per key, so aggregate it first or add a key column"
            case let .columnClash(column):
                return "both data sets have a column '\(column)'; list the columns to bring with 'columns' (leaving it out), or rename it"
            case let .unmatched(key, row, count, total):
                return
                    "\(count) of \(total) rows have no match in \(right); the first is row \(row + 1) (line \(row + 2) of the file) with key (\(key)). "
                    + "Fix the keys, or say what to do with such rows: 'unmatched: drop' or 'unmatched: keep'"
            }
        }
    }

    /// A many-to-one join (Stata's `merge m:1`, dplyr's `left_join` with unique right keys): each row of
    /// this table gets the `columns` of the row of `right` with the same values of `keys`.
    ///
    /// Keys compare as text, so a numeric 7 matches a text "7" but not "007"; numbers compare exactly
    /// (0.1 + 0.2 does not match 0.3), and each key column on its own (a text "a, b" with "c" is not
    /// "a" with "b, c"). Missing keys never match.
    /// Complexity O(n + m) expected (a hash index of the right table's keys). Returns the joined table,
    /// a summary, and the rows of this table it keeps, in order.
    ///
    /// - Parameters:
    ///   - columns: the columns of `right` to bring (default: all but the keys).
    ///   - unmatched: what to do with rows whose key `right` lacks.
    /// - Throws: `JoinError` for a missing key column, a repeated key in `right`, a column name already
    ///   used here, or unmatched rows under `.error`.
    public func joining(
        _ right: Table, by keys: [String], columns: [String]? = nil, unmatched: UnmatchedRows = .error
    ) throws(JoinError) -> (table: Table, summary: JoinSummary, rows: [Int]) {
        for k in keys {
            guard hasColumn(k) else { throw .keyNotFound(column: k, side: "left", suggestion: closestMatch(to: k, in: columnNames)) }
            guard right.hasColumn(k) else {
                throw .keyNotFound(column: k, side: "right", suggestion: closestMatch(to: k, in: right.columnNames))
            }
        }
        let brought = columns ?? right.columnNames.filter { !keys.contains($0) }
        for c in brought {
            guard right.hasColumn(c) else { throw .columnNotFound(column: c, suggestion: closestMatch(to: c, in: right.columnNames)) }
            guard !hasColumn(c) else { throw .columnClash(column: c) }
        }
        /// The key's values, one text per key column (numbers exactly: `exactNumberText`); nil when one is missing.
        func key(_ t: Table, _ i: Int) -> [String]? {
            var parts: [String] = []
            for k in keys {
                let c = t[k]!
                guard !c.isMissing(i) else { return nil }
                switch c {
                case .numeric(let v): parts.append(exactNumberText(v[i]))
                case .categorical: parts.append(c.text(at: i))
                }
            }
            return parts
        }
        func keyText(_ t: Table, _ i: Int) -> String? { key(t, i)?.joined(separator: ", ") }
        var index: [[String]: Int] = [:]
        index.reserveCapacity(right.rowCount)
        var duplicate: (String, Int, Int)?
        var duplicates = 0
        for j in 0..<right.rowCount {
            guard let key = key(right, j) else { continue }
            if let first = index[key] {
                if duplicate == nil { duplicate = (key.joined(separator: ", "), first, j) }
                duplicates += 1
            } else {
                index[key] = j
            }
        }
        if let (key, a, b) = duplicate { throw .duplicateKey(key: key, rows: (a, b), count: duplicates) }
        var match = [Int](repeating: -1, count: rowCount)
        var firstUnmatched: (String, Int)?
        var unmatchedCount = 0
        var used = [Bool](repeating: false, count: right.rowCount)
        for i in 0..<rowCount {
            if let key = key(self, i), let j = index[key] {
                match[i] = j
                used[j] = true
            } else {
                if firstUnmatched == nil { firstUnmatched = (keyText(self, i) ?? "missing", i) }
                unmatchedCount += 1
            }
        }
        if unmatched == .error, let (key, row) = firstUnmatched {
            throw .unmatched(key: key, row: row, count: unmatchedCount, of: rowCount)
        }
        let keptRows = unmatched == .drop ? (0..<rowCount).filter { match[$0] >= 0 } : Array(0..<rowCount)
        var out = unmatched == .drop ? selectingRows(keptRows) : self
        for c in brought {
            let column = right[c]!
            let added: Column
            switch column {
            case .numeric(let v): added = .numeric(keptRows.map { match[$0] >= 0 ? v[match[$0]] : .nan })
            case .categorical(let cat):
                added = .categorical(Categorical(levels: cat.levels, codes: keptRows.map { match[$0] >= 0 ? cat.codes[match[$0]] : -1 }))
            }
            try! out.addColumn(c, added)
        }
        let summary = JoinSummary(
            matchedRows: rowCount - unmatchedCount, unmatchedRows: unmatchedCount,
            firstUnmatchedKey: firstUnmatched?.0, firstUnmatchedRow: firstUnmatched?.1,
            unusedRightRows: used.reduce(right.rowCount) { $0 - ($1 ? 1 : 0) } - (right.rowCount - index.count))
        return (out, summary, keptRows)
    }
}
