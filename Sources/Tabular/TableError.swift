/// An error from building or querying a `Table`.
public enum TableError: Error, Equatable, Sendable {
    /// No column has this name. `suggestion` is the closest existing name, if any is close.
    case columnNotFound(name: String, available: [String], suggestion: String?)
    /// The column exists but is not of the type needed.
    case wrongColumnType(name: String, expected: String, found: String)
    /// Two columns share a name.
    case duplicateColumn(name: String)
    /// Columns have different lengths.
    case lengthMismatch(name: String, expected: Int, found: Int)
    /// A cell that cannot be read as the column requires (row is 0-based).
    case invalidValue(column: String, row: Int, value: String, expected: String)
}

extension TableError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .columnNotFound(name, available, suggestion):
            var s = "no column named '\(name)'"
            if let suggestion { s += " (did you mean '\(suggestion)'?)" }
            let shown = available.prefix(30).map { "'\($0)'" }.joined(separator: ", ")
            s += "; columns are: \(shown)" + (available.count > 30 ? ", … (\(available.count) in all)" : "")
            return s
        case let .wrongColumnType(name, expected, found):
            return "column '\(name)' is \(found), expected \(expected)"
        case let .duplicateColumn(name):
            return "more than one column is named '\(name)'"
        case let .lengthMismatch(name, expected, found):
            return "column '\(name)' has \(found) values, expected \(expected)"
        case let .invalidValue(column, row, value, expected):
            return "column '\(column)', row \(row + 1) (line \(row + 2) of the file) holds '\(value)'; expected \(expected)"
        }
    }
}

/// The closest of `candidates` to `name` by edit distance, if it is close enough to be a likely typo.
public func closestMatch(to name: String, in candidates: [String]) -> String? {
    let target = Array(name.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(target, Array(c.lowercased()))
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (match, distance) = best else { return nil }
    return distance <= max(2, target.count / 3) ? match : nil
}

/// Levenshtein distance between two character arrays.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
