import EstimationCore
import Foundation

/// Options for reading delimited text.
public struct CSVOptions: Sendable {
    /// The field separator; nil chooses tab for `.tsv`/`.tab` files (or a header with tabs and no commas), comma otherwise.
    public var delimiter: UInt8?
    /// Field texts read as missing (after removing quotes). Default: see `defaultMissingTokens`.
    public var missingTokens: Set<String>
    /// Columns always read as categorical text, even when every value is a number (IDs such as "007").
    public var categoricalColumns: Set<String>
    /// The text encoding: `.automatic` reads UTF-8 and falls back to Windows-1252 when the bytes are not UTF-8.
    public var encoding: TextEncoding = .automatic
    /// Threads that parse a large file's rows (each at least 1 MB of it); the table is the same for any count.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// How the bytes of a file are read as text.
    public enum TextEncoding: String, Sendable, CaseIterable {
        /// UTF-8, or Windows-1252 when the bytes are not valid UTF-8 (the table records which).
        case automatic = "auto"
        /// UTF-8 only: invalid bytes are an error naming the line.
        case utf8 = "utf-8"
        /// ISO 8859-1: every byte is the character with that code.
        case latin1
        /// Windows-1252: Latin-1 with printable characters (€, ‘ ’, “ ”, –, …) in 0x80–0x9F.
        case windows1252 = "windows-1252"
    }

    /// `""`, `NA`, `N/A`, `NaN`, `nan`, `NULL`, `null`, `.` (Stata), `#N/A` (spreadsheets).
    public static let defaultMissingTokens: Set<String> = ["", "NA", "N/A", "NaN", "nan", "NULL", "null", ".", "#N/A"]

    public init(
        delimiter: UInt8? = nil, missingTokens: Set<String> = CSVOptions.defaultMissingTokens,
        categoricalColumns: Set<String> = []
    ) {
        self.delimiter = delimiter
        self.missingTokens = missingTokens
        self.categoricalColumns = categoricalColumns
    }
}

/// An error reading delimited text. Every case names the source (file path or label) and, where it applies, the line.
public enum CSVError: Error, Equatable, Sendable {
    case cannotRead(source: String, reason: String)
    case empty(source: String)
    case fieldCount(source: String, line: Int, expected: Int, found: Int)
    case unterminatedQuote(source: String, line: Int)
    case textAfterClosingQuote(source: String, line: Int, column: String)
    case duplicateHeader(source: String, name: String)
}

extension CSVError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .cannotRead(source, reason): return "cannot read '\(source)': \(reason)"
        case let .empty(source): return "'\(source)' is empty (no header line)"
        case let .fieldCount(source, line, expected, found):
            return "'\(source)' line \(line): \(found) fields, but the header has \(expected)"
        case let .unterminatedQuote(source, line):
            return "'\(source)': the quoted field that starts on line \(line) is never closed"
        case let .textAfterClosingQuote(source, line, column):
            return "'\(source)' line \(line), column '\(column)': text after a closing quote (write \"\" for a quote inside a quoted field)"
        case let .duplicateHeader(source, name):
            return "'\(source)': the header names column '\(name)' more than once"
        }
    }
}

/// Reads delimited text (CSV, TSV) into a `Table`.
///
/// Follows RFC 4180: fields may be quoted with `"`, quoted fields may hold the
/// delimiter, line breaks and doubled quotes (`""`). Accepts LF, CRLF and CR
/// line ends and a UTF-8 byte-order mark; skips blank lines. Each column is
/// numeric when every non-missing field is a number (or `TRUE`/`FALSE`, read
/// as 1/0), categorical otherwise.
///
/// Numbers are parsed by an exact fast path (Clinger 1990: up to 19 significant
/// digits and |exponent| ≤ 22, where one correctly rounded operation gives the
/// correctly rounded result) and `strtod` otherwise, so every value is the
/// double nearest to its text. Complexity: one pass over the bytes.
public enum CSVReader {
    /// Reads the file at `url`.
    public static func read(contentsOf url: URL, options: CSVOptions = CSVOptions()) throws(CSVError) -> Table {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw .cannotRead(source: path, reason: reason)
        }
        var opts = options
        let plain = url.pathExtension.lowercased() == "gz" ? url.deletingPathExtension() : url
        if opts.delimiter == nil, ["tsv", "tab"].contains(plain.pathExtension.lowercased()) {
            opts.delimiter = UInt8(ascii: "\t")
        }
        return try parse(data, source: path, options: opts)
    }

    /// Parses `text` (for tests and inline data); `source` names it in errors.
    public static func read(text: String, source: String = "<text>", options: CSVOptions = CSVOptions()) throws(CSVError) -> Table {
        try parse(Data(text.utf8), source: source, options: options)
    }

    static func parse(_ data: Data, source: String, options: CSVOptions) throws(CSVError) -> Table {
        if Gzip.isCompressed(data) {
            let inflated: Data
            do { inflated = try Gzip.decompress(data) } catch {
                if case .cannotRead(_, let reason) = error { throw .cannotRead(source: source, reason: "it is gzip-compressed and " + reason) }
                throw error
            }
            return try parse(inflated, source: source, options: options)
        }
        if data.count >= 4 && data.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]) {
            throw .cannotRead(source: source, reason: "it is a zip archive or an Excel workbook; export the sheet as CSV")
        }
        if data.prefix(4096).contains(0) {
            throw .cannotRead(source: source, reason: "it holds binary data (NUL bytes), not delimited text (UTF-16 text: save it as UTF-8)")
        }
        switch options.encoding {
        case .latin1, .windows1252:
            var utf8 = options
            utf8.encoding = .utf8
            var table = try parse(Data(CSVReader.transcode(data, windows1252: options.encoding == .windows1252)), source: source, options: utf8)
            table.sourceEncoding = options.encoding.rawValue
            return table
        case .utf8:
            if !CSVReader.isValidUTF8(data, threads: options.threads) {
                let line = CSVReader.firstInvalidUTF8Line(data)
                throw .cannotRead(
                    source: source,
                    reason: "line \(line) is not valid UTF-8 (give the data set 'encoding: latin1' or 'windows-1252' if that is how it was saved)")
            }
        case .automatic:
            if !CSVReader.isValidUTF8(data, threads: options.threads) {
                // Not UTF-8: read it as Windows-1252 (Latin-1 with the printable 0x80–0x9F), the usual
                // encoding of exports from older Windows software, instead of replacing characters.
                var utf8 = options
                utf8.encoding = .utf8
                var table = try parse(Data(CSVReader.transcode(data, windows1252: true)), source: source, options: utf8)
                table.sourceEncoding = "windows-1252"
                return table
            }
        }
        let result: Result<Table, CSVError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var parser = CSVParser(bytes: bytes, source: source, options: options)
            do throws(CSVError) { return .success(try parser.parse()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

extension CSVReader {
    /// Windows-1252's characters for bytes 0x80–0x9F (Latin-1 maps every other byte to its code point).
    static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178
    ]

    /// Whether `data` is UTF-8: ASCII is checked eight bytes at a time, and the rest from the start of
    /// the line holding the first non-ASCII byte (a character boundary) by the standard library. A
    /// large file is checked in `threads` pieces split after line feeds.
    ///
    /// Complexity: O(n), without a copy when the data are ASCII.
    static func isValidUTF8(_ data: Data, threads: Int = 1) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            let pieces = max(1, min(threads, raw.count / CSVParser.minimumChunkBytes))
            let splits = lineAlignedSplits(raw.bindMemory(to: UInt8.self), from: 0, pieces: pieces)
            let bytes = UncheckedSendable(raw)
            return ParallelMap.map(splits.count - 1, threads: pieces) { k in
                isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes.value[splits[k]..<splits[k + 1]]))
            }.allSatisfy { $0 }
        }
    }

    /// `start`, then up to `pieces − 1` points about evenly spaced in `start..<bytes.count`, each moved
    /// forward to just after a line feed (duplicates and the end dropped), then `bytes.count`: the
    /// bounds of consecutive pieces that each begin at a line start.
    static func lineAlignedSplits(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, pieces: Int) -> [Int] {
        let end = bytes.count
        var bounds = [start]
        for k in 1..<max(pieces, 1) {
            var b = max(bounds[bounds.count - 1], start + (end - start) * k / pieces)
            while b < end && b > 0 && bytes[b - 1] != 0x0A { b += 1 }
            if b > bounds[bounds.count - 1] && b < end { bounds.append(b) }
        }
        bounds.append(end)
        return bounds
    }

    /// Whether `raw`, which starts at a character boundary, is UTF-8.
    static func isValidUTF8(_ raw: UnsafeRawBufferPointer) -> Bool {
        let n = raw.count
        var i = 0
        while i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
        while i < n && raw[i] < 0x80 { i += 1 }
        if i == n { return true }
        while i > 0 && raw[i - 1] != 0x0A { i -= 1 }
        return String(validating: UnsafeRawBufferPointer(rebasing: raw[i...]), as: UTF8.self) != nil
    }

    /// The 1-based line of the first byte sequence that is not UTF-8.
    static func firstInvalidUTF8Line(_ data: Data) -> Int {
        var line = 1, start = data.startIndex
        for (offset, byte) in data.enumerated() where byte == 0x0A {
            let end = data.startIndex + offset
            if String(validating: data[start..<end], as: UTF8.self) == nil { return line }
            line += 1
            start = end + 1
        }
        return line
    }

    /// Transcodes Latin-1 (or Windows-1252) bytes to UTF-8.
    static func transcode(_ data: Data, windows1252: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 8)
        for b in data {
            if b < 0x80 {
                out.append(b)
                continue
            }
            let scalar = windows1252 && b < 0xA0 ? windows1252High[Int(b - 0x80)] : UInt32(b)
            out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        }
        return out
    }
}

/// A field's byte range; `escaped` when it was quoted and holds doubled quotes.
struct FieldSpan: Sendable {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// The single-pass tokeniser and column builder behind `CSVReader`.
struct CSVParser {
    let p: UnsafeBufferPointer<UInt8>
    let source: String
    let options: CSVOptions
    let end: Int
    var delimiter: UInt8 = UInt8(ascii: ",")
    var names: [String] = []

    static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    init(bytes: UnsafeBufferPointer<UInt8>, source: String, options: CSVOptions) {
        self.p = bytes
        self.source = source
        self.options = options
        self.end = bytes.count
    }

    /// How a column is being built: numbers until a field is not one, then text spans.
    struct ColumnBuilder: Sendable {
        var numbers: [Double] = []
        var spans: [FieldSpan] = []
        var isText = false
    }

    mutating func parse() throws(CSVError) -> Table {
        var pos = 0
        if end >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { pos = 3 }
        // Skip leading blank lines.
        while pos < end && (p[pos] == Self.lf || p[pos] == Self.cr) { pos += 1 }
        guard pos < end else { throw .empty(source: source) }
        delimiter = options.delimiter ?? sniffDelimiter(from: pos)

        // Header.
        var line = 1
        var headerSpans: [FieldSpan] = []
        try readRow(at: &pos, line: &line) { span, _ in headerSpans.append(span) }
        var seen = Set<String>()
        for (k, span) in headerSpans.enumerated() {
            // Surrounding spaces in a header are almost always accidental ("age , sex").
            var name = text(span).trimmingCharacters(in: .whitespaces)
            if name.isEmpty { name = "column\(k + 1)" }
            guard seen.insert(name).inserted else { throw .duplicateHeader(source: source, name: name) }
            names.append(name)
        }
        let template = names.map { name -> ColumnBuilder in
            var b = ColumnBuilder()
            b.isText = options.categoricalColumns.contains(name)
            return b
        }
        let missing = options.missingTokens.map { Array($0.utf8) }
        // A missing token that reads as a number (e.g. -99) must be recognised before numbers are parsed,
        // which costs a comparison per field; otherwise numbers are parsed first, in place.
        let numericMissing = missing.contains { t in
            !t.isEmpty && t.withUnsafeBufferPointer { FastFloat.parse($0.baseAddress!, 0, t.count) != nil }
        }
        let context = RowContext(missing: missing, numericMissing: numericMissing)
        // Several threads when the file is large enough for it to pay: each parses the rows that start
        // in its byte range, and the ranges are joined if each ended exactly where the next began.
        let chunks = max(1, min(options.threads, (end - pos) / CSVParser.minimumChunkBytes))
        if chunks > 1, let table = parallelRows(from: pos, chunks: chunks, template: template, context: context) {
            return table
        }
        var rows = RowsChunk(builders: template)
        let stop = try parseRows(from: pos, until: end, line: line, into: &rows, context)
        precondition(stop == end)
        var parts = [rows]
        return try table(from: &parts)
    }

    /// The bytes below which a file is read on one thread.
    static let minimumChunkBytes = 1 << 20

    /// What every row of a file is parsed with: the missing tokens, and whether one reads as a number.
    struct RowContext: Sendable {
        let missing: [[UInt8]]
        let numericMissing: Bool
    }

    /// The columns of the rows read from one byte range, and where each of those rows starts.
    struct RowsChunk {
        var builders: [ColumnBuilder]
        var rowStarts: [Int] = []
    }

    /// Parses the rows that start in `start..<stop` into `rows`; returns the position after the last
    /// one (beyond `stop` when that row ran past it, as a quoted field with a line break can).
    /// `reserveUntil` sizes the columns for the rows up to that position instead (the first range
    /// reserves room for the whole file, so that the others are appended to it in place).
    ///
    /// The numbers of the rows the reserved room holds are written straight into each column's
    /// storage (no per-value checks of uniqueness and capacity, which cost as much as the parsing);
    /// any further rows are appended.
    ///
    /// Complexity: one pass over the bytes read.
    func parseRows(
        from start: Int, until stop: Int, reserveUntil: Int? = nil, line firstLine: Int, into rows: inout RowsChunk, _ context: RowContext
    ) throws(CSVError) -> Int {
        var cursor = (pos: start, line: firstLine)
        // Room for the likely number of rows (from the length of the first data lines), so the
        // columns do not grow by repeated reallocation on large files.
        let estimate = estimatedRows(from: start, to: reserveUntil ?? stop)
        rows.rowStarts.reserveCapacity(estimate)
        HugePages.advise(&rows.rowStarts)
        guard names.count <= ColumnStorage.maximumColumns else {
            // Very wide files: appended (opening the storage nests a call per column).
            for k in rows.builders.indices where !rows.builders[k].isText { rows.builders[k].numbers.reserveCapacity(estimate) }
            var sink = ColumnStorage.ArraySink()
            try parseRowLoop(&cursor, until: stop, maxRows: .max, into: &rows, &sink, context)
            return cursor.pos
        }
        var failure: CSVError?
        let columns = ColumnStorage.open(names.count, capacity: estimate) { pointers -> Int in
            var sink = ColumnStorage.PointerSink(pointers: pointers)
            do throws(CSVError) { try parseRowLoop(&cursor, until: stop, maxRows: estimate, into: &rows, &sink, context) } catch {
                failure = error
            }
            return rows.rowStarts.count
        }
        if let failure { throw failure }
        for k in rows.builders.indices where !rows.builders[k].isText { rows.builders[k].numbers = columns[k] }
        if cursor.pos < stop {
            var sink = ColumnStorage.ArraySink()
            try parseRowLoop(&cursor, until: stop, maxRows: .max, into: &rows, &sink, context)
        }
        return cursor.pos
    }

    /// Parses rows from `cursor` while they start before `stop` and `rows` has fewer than `maxRows`,
    /// handing each number to `sink`.
    @inline(__always)
    func parseRowLoop<Sink: NumberSink>(
        _ cursor: inout (pos: Int, line: Int), until stop: Int, maxRows: Int, into rows: inout RowsChunk, _ sink: inout Sink, _ context: RowContext
    ) throws(CSVError) {
        var pos = cursor.pos, line = cursor.line
        defer { cursor = (pos, line) }
        let ncol = names.count
        let missing = context.missing, numericMissing = context.numericMissing
        while pos < stop && rows.rowStarts.count < maxRows {
            if p[pos] == Self.lf || p[pos] == Self.cr { // blank line
                if p[pos] == Self.cr && pos + 1 < end && p[pos + 1] == Self.lf { pos += 1 }
                pos += 1
                line += 1
                continue
            }
            let row = rows.rowStarts.count
            rows.rowStarts.append(pos)
            let startLine = line
            var col = 0
            while true {
                // Fast path: an unquoted field of a numeric column that is one complete number is
                // parsed in place, without a separate scan for its end.
                if !numericMissing && col < ncol && !rows.builders[col].isText && pos < end && p[pos] != Self.quote,
                    let (x, stop) = FastFloat.parsePrefix(p.baseAddress!, pos, end), !zeroPadded(pos, stop)
                {
                    var j = stop
                    while j < end && (p[j] == 0x20 || p[j] == 0x09) { j += 1 }
                    if j == end || p[j] == delimiter || p[j] == Self.lf || p[j] == Self.cr {
                        sink.append(x, column: col, row: row, into: &rows)
                        pos = j
                        col += 1
                        if endOfField(at: &pos, line: &line) { break }
                        continue
                    }
                }
                let span = try readField(at: &pos, line: &line, column: col)
                if col < ncol {
                    if !rows.builders[col].isText {
                        if let x = number(span, missing: missing, missingFirst: numericMissing) {
                            sink.append(x, column: col, row: row, into: &rows)
                        } else {
                            // Not a number: this column is text; recover its earlier fields.
                            rows.builders[col].isText = true
                            rows.builders[col].numbers = []
                            rows.builders[col].spans.reserveCapacity(row + 1)
                            for r in 0..<row {
                                rows.builders[col].spans.append(self.span(ofColumn: col, inRowStartingAt: rows.rowStarts[r]))
                            }
                            rows.builders[col].spans.append(span)
                        }
                    } else {
                        rows.builders[col].spans.append(span)
                    }
                }
                col += 1
                if endOfField(at: &pos, line: &line) { break }
            }
            guard col == ncol else {
                throw .fieldCount(source: source, line: startLine, expected: ncol, found: col)
            }
        }
    }

    /// Parses `chunks` byte ranges of about equal size, each starting after a line feed, on as many
    /// threads; nil when a range did not end where the next began (a quoted field holding a line
    /// break across the split) or one failed, and the file is then read on one thread, which also
    /// gives errors their line numbers.
    ///
    /// The result is the same table as one thread's: a column is numeric when every range read it as
    /// numbers, and text otherwise, with the ranges that read it as numbers re-read as text.
    func parallelRows(from start: Int, chunks: Int, template: [ColumnBuilder], context: RowContext) -> Table? {
        let splits = CSVReader.lineAlignedSplits(p, from: start, pieces: chunks)
        guard splits.count > 2 else { return nil }
        let parser = UncheckedSendable(self)
        var results = ParallelMap.map(splits.count - 1, threads: splits.count - 1) { k -> UncheckedSendable<RowsChunk?> in
            var rows = RowsChunk(builders: template)
            guard
                let stop = try? parser.value.parseRows(
                    from: splits[k], until: splits[k + 1], reserveUntil: k == 0 ? splits.last : nil, line: 0, into: &rows, context),
                stop == splits[k + 1]
            else { return UncheckedSendable(nil) }
            return UncheckedSendable(rows)
        }
        var parts = results.compactMap(\.value)
        guard parts.count == results.count else { return nil }
        results = [] // the ranges' columns are now referenced once, so they can grow in place
        return try? table(from: &parts)
    }

    /// Joins the columns of consecutive row ranges into a table, a column per thread.
    func table(from parts: inout [RowsChunk]) throws(CSVError) -> Table {
        let rowCount = parts.reduce(0) { $0 + $1.rowStarts.count }
        let ncol = names.count
        // Each numeric column is moved out of the first range (which reserved room for the whole file)
        // into a slot of its own, where one task appends the other ranges' numbers in place.
        let firsts = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: ncol)
        defer { firsts.deinitialize().deallocate() }
        var numeric: [Bool] = []
        for k in 0..<ncol {
            var numbers: [Double] = []
            let isNumeric = parts.allSatisfy { !$0.builders[k].isText }
            if isNumeric { swap(&numbers, &parts[0].builders[k].numbers) }
            (firsts.baseAddress! + k).initialize(to: numbers)
            numeric.append(isNumeric)
        }
        let shared = UncheckedSendable((parser: self, parts: parts, firsts: firsts)), isNumeric = numeric
        let columns = ParallelMap.map(ncol, threads: min(options.threads, parts.count)) { k -> UncheckedSendable<Column> in
            let (parser, parts, firsts) = shared.value
            if isNumeric[k] {
                if parts.count > 1 {
                    firsts[k].reserveCapacity(rowCount)
                    for part in parts.dropFirst() { firsts[k].append(contentsOf: part.builders[k].numbers) }
                }
                var numbers: [Double] = []
                swap(&numbers, &firsts[k])
                return UncheckedSendable(.numeric(numbers))
            }
            var spans: [FieldSpan] = []
            spans.reserveCapacity(rowCount)
            for part in parts {
                if part.builders[k].isText {
                    spans.append(contentsOf: part.builders[k].spans)
                } else {
                    for r in part.rowStarts { spans.append(parser.span(ofColumn: k, inRowStartingAt: r)) }
                }
            }
            return UncheckedSendable(.categorical(parser.categorical(spans)))
        }
        var table = Table(rowCount: rowCount)
        for (k, column) in columns.enumerated() {
            do { try table.addColumn(names[k], column.value) } catch {
                throw .duplicateHeader(source: source, name: names[k])
            }
        }
        return table
    }

    /// Rows expected in `start..<stop`, from the mean length of up to 64 lines after `start` (+10%).
    func estimatedRows(from start: Int, to stop: Int) -> Int {
        var i = start, lines = 0
        while i < stop && lines < 64 {
            if p[i] == Self.lf { lines += 1 }
            i += 1
        }
        guard lines > 0, i > start else { return 16 }
        let perLine = Double(i - start) / Double(lines)
        return Int(Double(stop - start) / perLine * 1.1) + 16
    }

    /// The header's delimiter: tab, semicolon or pipe when the header has it and no commas (outside
    /// quotes), the most frequent of them when several; comma otherwise.
    func sniffDelimiter(from start: Int) -> UInt8 {
        var i = start, quoted = false
        var counts: [UInt8: Int] = [:]
        let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: "|")]
        while i < end && (quoted || (p[i] != Self.lf && p[i] != Self.cr)) {
            if p[i] == Self.quote {
                quoted.toggle()
            } else if !quoted && candidates.contains(p[i]) {
                counts[p[i], default: 0] += 1
            }
            i += 1
        }
        if counts[UInt8(ascii: ","), default: 0] > 0 { return UInt8(ascii: ",") }
        return candidates.dropFirst().max { counts[$0, default: 0] < counts[$1, default: 0] }.flatMap { counts[$0, default: 0] > 0 ? $0 : nil }
            ?? UInt8(ascii: ",")
    }

    /// Reads one record starting at `pos`, calling `field` for each field, and leaves `pos` after its line end.
    func readRow(at pos: inout Int, line: inout Int, _ field: (FieldSpan, Int) -> Void) throws(CSVError) {
        var k = 0
        while true {
            field(try readField(at: &pos, line: &line, column: k), k)
            k += 1
            if endOfField(at: &pos, line: &line) { return }
        }
    }

    /// Reads the field at `pos` (quoted or not) and leaves `pos` at the byte after it.
    @inline(__always)
    func readField(at pos: inout Int, line: inout Int, column k: Int) throws(CSVError) -> FieldSpan {
        if pos < end && p[pos] == Self.quote {
            let openLine = line
            var i = pos + 1
            var escaped = false
            while true {
                guard i < end else { throw .unterminatedQuote(source: source, line: openLine) }
                let c = p[i]
                if c == Self.quote {
                    if i + 1 < end && p[i + 1] == Self.quote { escaped = true; i += 2; continue }
                    break
                }
                if c == Self.lf { line += 1 }
                i += 1
            }
            let span = FieldSpan(start: pos + 1, end: i, escaped: escaped)
            pos = i + 1
            if pos < end && p[pos] != delimiter && p[pos] != Self.lf && p[pos] != Self.cr {
                let name = k < names.count ? names[k] : "#\(k + 1)"
                throw .textAfterClosingQuote(source: source, line: line, column: name)
            }
            return span
        }
        var i = pos
        let d = delimiter
        while i < end {
            let c = p[i]
            if c == d || c == Self.lf || c == Self.cr { break }
            i += 1
        }
        let span = FieldSpan(start: pos, end: i, escaped: false)
        pos = i
        return span
    }

    /// Consumes what follows a field: a delimiter (returns false: the record goes on) or a line end
    /// or the end of the data (returns true). A delimiter at the very end leaves one empty field to read.
    @inline(__always)
    func endOfField(at pos: inout Int, line: inout Int) -> Bool {
        if pos >= end { line += 1; return true }
        let c = p[pos]
        if c == delimiter { pos += 1; return false }
        if c == Self.cr && pos + 1 < end && p[pos + 1] == Self.lf { pos += 1 }
        pos += 1
        line += 1
        return true
    }

    /// The span of field `column` in the record that starts at `start` (used when a column turns out to be text).
    func span(ofColumn column: Int, inRowStartingAt start: Int) -> FieldSpan {
        var pos = start, line = 0
        var found = FieldSpan(start: start, end: start, escaped: false)
        try? readRow(at: &pos, line: &line) { span, k in if k == column { found = span } }
        return found
    }

    /// The field's text with quotes undoubled.
    func text(_ span: FieldSpan) -> String {
        let slice = UnsafeBufferPointer(rebasing: p[span.start..<span.end])
        let s = String(decoding: slice, as: UTF8.self)
        return span.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }

    func isMissing(_ span: FieldSpan, _ missing: [[UInt8]]) -> Bool {
        let n = span.end - span.start
        outer: for token in missing where token.count == n {
            for j in 0..<n where p[span.start + j] != token[j] { continue outer }
            return true
        }
        return false
    }

    /// The field as a number, NaN when it is a missing token, nil when it is text. With `missingFirst`
    /// (some token reads as a number, e.g. -99) the tokens are compared before the number is parsed.
    @inline(__always)
    func number(_ span: FieldSpan, missing: [[UInt8]], missingFirst: Bool) -> Double? {
        if span.start == span.end { return .nan }
        if missingFirst && isMissing(span, missing) { return .nan }
        if zeroPadded(span.start, span.end) { return nil }
        if !span.escaped, let x = FastFloat.parse(p.baseAddress!, span.start, span.end) { return x }
        if isMissing(span, missing) { return .nan }
        switch text(span) {
        case "TRUE", "True", "true": return 1
        case "FALSE", "False", "false": return 0
        default: return nil
        }
    }

    /// Whether the field is a whole number written with a leading zero ("007", "01"): an identifier,
    /// kept as text so that it reads as written (it still converts to a number where one is needed).
    func zeroPadded(_ start: Int, _ stop: Int) -> Bool {
        guard stop - start >= 2, p[start] == UInt8(ascii: "0") else { return false }
        for i in (start + 1)..<stop where !(p[i] >= UInt8(ascii: "0") && p[i] <= UInt8(ascii: "9")) { return false }
        return true
    }

    /// Dictionary-encodes text spans, with missing tokens as missing.
    func categorical(_ spans: [FieldSpan]) -> Categorical {
        var index: [String: Int32] = [:]
        var levels: [String] = []
        var codes = [Int32]()
        codes.reserveCapacity(spans.count)
        let missingSet = options.missingTokens
        for span in spans {
            let s = text(span)
            if missingSet.contains(s) { codes.append(-1); continue }
            if let c = index[s] {
                codes.append(c)
            } else {
                let c = Int32(levels.count)
                index[s] = c
                levels.append(s)
                codes.append(c)
            }
        }
        return Categorical(levels: levels, codes: codes)
    }
}

extension CSVReader {
    /// Parses bytes already in memory; `source` names them in errors, and a `.tsv`/`.tab` source defaults to tabs.
    public static func read(data: Data, source: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> Table {
        var opts = options
        var ext = (source as NSString).pathExtension.lowercased()
        if ext == "gz" { ext = ((source as NSString).deletingPathExtension as NSString).pathExtension.lowercased() }
        if opts.delimiter == nil, ["tsv", "tab"].contains(ext) { opts.delimiter = UInt8(ascii: "\t") }
        return try parse(data, source: source, options: opts)
    }
}
