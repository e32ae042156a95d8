import Foundation
import Testing

@testable import Tabular

/// Large files are parsed in byte ranges on several threads; the table must be the one a single
/// thread reads, whatever the data hold at the split points.
@Suite("CSV reader, several threads")
struct CSVReaderParallelTests {
    /// Reads `text` with 1, 2 and 3 threads.
    static func tables(_ text: String) throws -> [Table] {
        try [1, 2, 3].map { threads in
            var options = CSVOptions()
            options.threads = threads
            return try CSVReader.read(data: Data(text.utf8), source: "big.csv", options: options)
        }
    }

    /// Equal tables, numbers compared bit for bit (NaN equal to NaN).
    static func identical(_ a: Table, _ b: Table) -> Bool {
        guard a.columnNames == b.columnNames, a.rowCount == b.rowCount else { return false }
        for name in a.columnNames {
            switch (a[name], b[name]) {
            case (.numeric(let x)?, .numeric(let y)?):
                guard x.count == y.count, zip(x, y).allSatisfy({ $0.bitPattern == $1.bitPattern }) else { return false }
            case (.categorical(let x)?, .categorical(let y)?):
                guard x == y else { return false }
            default: return false
            }
        }
        return true
    }

    @Test("a 3 MB file reads the same on 1, 2 and 3 threads: blank lines, CRLF, missing values, a column text only near the end")
    func sameTableAnyThreads() throws {
        var lines = ["id,school,score,late"]
        for i in 0..<120_000 {
            let late = i == 119_990 ? "unknown" : (i % 7 == 0 ? "NA" : "\(i % 5)")
            lines.append("\(i),S\(i % 300),\(Double(i) * 0.37 - 1000),\(late)" + (i % 1000 == 0 ? "\r" : ""))
            if i % 50_000 == 0 { lines.append("") }
        }
        let text = lines.joined(separator: "\n")
        #expect(text.utf8.count > 2 * CSVParser.minimumChunkBytes)
        let t = try Self.tables(text)
        #expect(t[0].rowCount == 120_000)
        #expect(Self.identical(t[0], t[1]) && Self.identical(t[0], t[2]))
        // 'late' turns text only in the last range: every range's rows are text, in order.
        #expect(try t[1].strings("late")[0] == nil && t[1].strings("late")[1] == "1" && t[1].strings("late")[119_990] == "unknown")
        #expect(try t[1].numeric("score")[100_000] == 100_000 * 0.37 - 1000)
    }

    @Test("quoted fields holding line breaks across the split points read the same as on one thread")
    func quotedLineBreaksAtSplits() throws {
        var lines = ["id,note,value"]
        for i in 0..<40_000 {
            lines.append("\(i),\"line one of \(i)\nline two, \"\"quoted\"\"\nline three\",\(i * 2)")
        }
        let t = try Self.tables(lines.joined(separator: "\n") + "\n")
        #expect(t[0].rowCount == 40_000)
        #expect(Self.identical(t[0], t[1]) && Self.identical(t[0], t[2]))
        #expect(try t[2].strings("note")[39_999] == "line one of 39999\nline two, \"quoted\"\nline three")
    }

    @Test("an error in the second half names the same line as on one thread")
    func errorLine() throws {
        var lines = ["a,b"]
        for i in 0..<300_000 { lines.append("\(i),\(i)") }
        lines[250_001] = "1,2,3"
        let text = lines.joined(separator: "\n")
        for threads in [1, 2] {
            var options = CSVOptions()
            options.threads = threads
            #expect(throws: CSVError.fieldCount(source: "big.csv", line: 250_002, expected: 2, found: 3)) {
                try CSVReader.read(data: Data(text.utf8), source: "big.csv", options: options)
            }
        }
    }

    @Test("UTF-8 checked in pieces: an invalid byte in the second half is found, valid text passes")
    func utf8InPieces() {
        var bytes = Array(String(repeating: "école,1\n", count: 400_000).utf8)
        #expect(CSVReader.isValidUTF8(Data(bytes), threads: 2))
        bytes[bytes.count - 5] = 0xE9 // a Latin-1 é
        #expect(!CSVReader.isValidUTF8(Data(bytes), threads: 2))
        #expect(!CSVReader.isValidUTF8(Data(bytes), threads: 1))
    }
}

extension CSVReaderParallelTests {
    @Test("more rows than the first lines predict, and a file wider than the directly written columns, read in full")
    func estimatesAndWideFiles() throws {
        // Long first lines make the row estimate far too small: the rest are appended.
        var lines = ["a,b"] + (0..<64).map { "\($0)\(String(repeating: "0", count: 0)),\(String(repeating: "7", count: 200))" }
        lines += (64..<200_000).map { "\($0),\($0 % 10)" }
        let t = try Self.tables(lines.joined(separator: "\n"))
        #expect(t[0].rowCount == 199_999 + 1)
        #expect(try t[0].numeric("a")[199_999] == 199_999 && t[0].numeric("b")[123_456] == 6)
        #expect(Self.identical(t[0], t[1]) && Self.identical(t[0], t[2]))
        // 300 columns (more than ColumnStorage.maximumColumns).
        let header = (0..<300).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<300).map { "\($0).5" }.joined(separator: ",")
        let wide = try Self.tables(([header] + Array(repeating: row, count: 2_000)).joined(separator: "\n"))
        #expect(wide[0].columnNames.count == 300 && wide[0].rowCount == 2_000)
        #expect(try wide[0].numeric("c299")[1_999] == 299.5)
        #expect(Self.identical(wide[0], wide[1]))
    }
}
