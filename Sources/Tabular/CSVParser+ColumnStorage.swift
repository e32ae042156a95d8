/// Where the row loop puts the numbers it reads.
protocol NumberSink {
    mutating func append(_ x: Double, column: Int, row: Int, into rows: inout CSVParser.RowsChunk)
}

/// Column storage opened before parsing, written through pointers.
enum ColumnStorage {
    /// The most columns opened this way (a nested call each, on worker threads' smaller stacks).
    static let maximumColumns = 256

    /// Writes row `row`'s number of column `column` at that index of the column's storage.
    struct PointerSink: NumberSink {
        let pointers: [UnsafeMutablePointer<Double>]
        @inline(__always)
        mutating func append(_ x: Double, column: Int, row: Int, into rows: inout CSVParser.RowsChunk) { pointers[column][row] = x }
    }

    /// Appends to the column's array (rows beyond those reserved).
    struct ArraySink: NumberSink {
        @inline(__always)
        mutating func append(_ x: Double, column: Int, row: Int, into rows: inout CSVParser.RowsChunk) {
            rows.builders[column].numbers.append(x)
        }
    }

    /// `columns` arrays with room for `capacity` numbers each (on 2 MB pages where the system has
    /// them), opened uninitialised and handed to `fill` as pointers; each array keeps the first `n`
    /// numbers, where `n` is what `fill` returns. A column whose storage `fill` stopped writing (it
    /// turned out to hold text) is discarded by the caller unread.
    static func open(_ columns: Int, capacity: Int, _ fill: ([UnsafeMutablePointer<Double>]) -> Int) -> [[Double]] {
        var result: [[Double]] = []
        result.reserveCapacity(columns)
        func nest(_ pointers: [UnsafeMutablePointer<Double>]) -> Int {
            guard pointers.count < columns else { return fill(pointers) }
            var written = 0
            let array = [Double](unsafeUninitializedCapacity: max(capacity, 1)) { buffer, count in
                HugePages.advise(buffer)
                written = nest(pointers + [buffer.baseAddress!])
                count = written
            }
            result.append(array)
            return written
        }
        _ = nest([])
        result.reverse() // the innermost (last) column's array was finished first
        return result
    }
}
