import Foundation
import Tabular
import _CReadStat

/// Reads the data files of statistical packages through ReadStat (Evan Miller's C library, as R haven
/// and Python pyreadstat do): Stata `.dta`, SPSS `.sav`/`.zsav`/`.por`, SAS `.sas7bdat` and SAS
/// transport `.xpt`.
///
/// Numeric variables become numeric columns and string variables text columns. Every kind of
/// missing value is missing (NaN or nil): system missing, Stata's tagged `.a`–`.z`, and SPSS's
/// user-defined missing values. Value labels are not applied — a labelled variable keeps its codes,
/// as `haven::read_dta` does without `as_factor` — and dates keep the package's numeric encoding
/// (Stata: days since 1960-01-01; SPSS: seconds since 1582-10-14; SAS: days since 1960-01-01).
///
/// Complexity: O(rows × variables).
public enum StatisticalFileReader {
    /// The file extensions read here.
    public static let extensions: Set<String> = ["dta", "sav", "zsav", "por", "sas7bdat", "xpt"]

    /// Whether `url` names a file read here (by its extension).
    public static func handles(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }

    /// The table in the file at `url`.
    public static func read(contentsOf url: URL) throws(CSVError) -> Table {
        let path = url.path
        let kind = url.pathExtension.lowercased()
        guard extensions.contains(kind) else {
            throw .cannotRead(source: path, reason: "'.\(kind)' is not a Stata, SPSS or SAS data file")
        }
        let collector = Collector()
        guard let parser = readstat_parser_init() else { throw .cannotRead(source: path, reason: "ReadStat could not start") }
        defer { readstat_parser_free(parser) }
        readstat_set_metadata_handler(parser) { metadata, context in
            let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            c.rows = Int(readstat_get_row_count(metadata))
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_variable_handler(parser) { index, variable, _, context in
            let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            let name = String(cString: readstat_variable_get_name(variable))
            let isText = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING
            c.add(index: Int(index), name: name, text: isText)
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_handler(parser) { row, variable, value, context in
            let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            let j = Int(readstat_variable_get_index(variable))
            let missing = readstat_value_is_missing(value, variable) != 0
            if c.isText[j] {
                let text = missing ? nil : readstat_string_value(value).map { String(cString: $0) }
                c.set(row: Int(row), text: text.flatMap { $0.isEmpty ? nil : $0 }, column: j)
            } else {
                c.set(row: Int(row), number: missing ? .nan : readstat_double_value(value), column: j)
            }
            return Int32(READSTAT_HANDLER_OK)
        }
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let status: readstat_error_t
        switch kind {
        case "dta": status = readstat_parse_dta(parser, path, context)
        case "sav", "zsav": status = readstat_parse_sav(parser, path, context)
        case "por": status = readstat_parse_por(parser, path, context)
        case "sas7bdat": status = readstat_parse_sas7bdat(parser, path, context)
        default: status = readstat_parse_xport(parser, path, context)
        }
        guard status == READSTAT_OK else {
            throw .cannotRead(source: path, reason: "ReadStat: " + String(cString: readstat_error_message(status)))
        }
        guard !collector.names.isEmpty else { throw .empty(source: path) }
        var columns: [(String, Column)] = []
        for j in collector.names.indices {
            let column: Column = collector.isText[j] ? .categorical(Categorical(collector.texts[j])) : .numeric(collector.numbers[j])
            columns.append((collector.names[j], column))
        }
        do { return try Table(columns) } catch {
            if case .duplicateColumn(let name) = error { throw .duplicateHeader(source: path, name: name) }
            throw .cannotRead(source: path, reason: "\(error)")
        }
    }

    /// Receives ReadStat's callbacks; rows grow as values arrive (some formats give no row count).
    private final class Collector {
        var rows = -1
        var names: [String] = []
        var isText: [Bool] = []
        var numbers: [[Double]] = []
        var texts: [[String?]] = []

        func add(index: Int, name: String, text: Bool) {
            while names.count <= index {
                names.append("")
                isText.append(false)
                numbers.append([])
                texts.append([])
            }
            names[index] = name
            isText[index] = text
            let capacity = max(rows, 0)
            if text { texts[index].reserveCapacity(capacity) } else { numbers[index].reserveCapacity(capacity) }
        }

        func set(row: Int, number: Double, column j: Int) {
            while numbers[j].count < row { numbers[j].append(.nan) }
            numbers[j].append(number)
        }

        func set(row: Int, text: String?, column j: Int) {
            while texts[j].count < row { texts[j].append(nil) }
            texts[j].append(text)
        }
    }
}
