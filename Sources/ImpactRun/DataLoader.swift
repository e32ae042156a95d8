import Foundation
import StatisticalFiles
import Tabular

/// One input data set as read for a run, with its fingerprint.
public struct LoadedData: Sendable {
    public let name: String
    public let url: URL
    public let sha256: String
    public let bytes: Int
    /// The data as analysed: after the `prepare` steps, when there are any.
    public var table: Table
    /// The rows as read from the file, before `prepare`.
    public var rowsRead: Int
    /// What each `prepare` step did, in order (empty when the data set has none).
    public var preparation: [DataPreparation.Record] = []
    /// The file row of each row of `table` (nil: the same rows, unprepared).
    var fileRows: [Int]? = nil

    /// A data set as read (`rowsRead` defaults to the table's rows: nothing prepared).
    public init(name: String, url: URL, sha256: String, bytes: Int, table: Table, rowsRead: Int? = nil) {
        self.name = name
        self.url = url
        self.sha256 = sha256
        self.bytes = bytes
        self.table = table
        self.rowsRead = rowsRead ?? table.rowCount
    }

    /// The data set as a join in a later data set's `prepare` sees it.
    var prepared: DataPreparation.Prepared {
        DataPreparation.Prepared(table: table, records: preparation, fileRows: fileRows ?? Array(0..<table.rowCount))
    }
}

/// Reads a config's data sets and checks every column each analysis names.
public enum DataLoader {
    /// Reads every data set the config lists, then checks the columns of every analysis.
    ///
    /// - Throws: `ConfigErrors` with every problem found (unreadable files, missing or mistyped columns),
    ///   each naming the config file, line and key.
    ///   `threads` parse large delimited files (the tables are the same for any count).
    public static func load(_ config: Config, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ConfigErrors) -> [String: LoadedData] {
        var loaded: [String: LoadedData] = [:]
        var errors: [ConfigError] = []
        for source in config.data {
            do throws(ConfigError) {
                var data = try read(source, config: config, threads: threads)
                try prepare(&data, source: source, loaded: loaded, config: config)
                loaded[source.name] = data
            } catch {
                errors.append(error)
            }
        }
        for analysis in config.analyses {
            guard let data = loaded[analysis.data] else { continue }
            let columnErrors = checkColumns(analysis, data: data, config: config)
            errors += columnErrors
            if columnErrors.isEmpty { errors += checkData(analysis, data: data, config: config) }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return loaded
    }

    static func read(_ source: DataSourceSpec, config: Config, threads: Int) throws(ConfigError) -> LoadedData {
        let path = source.url.path
        func fail(_ message: String) -> ConfigError {
            ConfigError(
                file: config.path, line: source.mark?.line, column: source.mark?.column,
                path: "data.\(source.name)", message: message)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("data file '\(path)' does not exist (paths are relative to the config file's folder)")
        }
        guard !isDirectory.boolValue else { throw fail("'\(path)' is a folder; give the path of a CSV or TSV file") }
        let statistical = StatisticalFileReader.handles(source.url)
        if statistical {
            // Stata, SPSS and SAS files: read by ReadStat; the CSV options do not apply.
            for (key, given) in [("delimiter", source.delimiter != nil), ("encoding", source.encoding != .automatic), ("missing", source.missing != nil)]
            where given {
                throw fail("'\(key)' applies to delimited text, not to the \(source.url.pathExtension) file '\(path)'")
            }
        }
        let bytes: Data
        do { bytes = try Data(contentsOf: source.url, options: .alwaysMapped) } catch {
            throw fail("cannot read data file '\(path)': \(error.localizedDescription)")
        }
        var options = CSVOptions(delimiter: source.delimiter, categoricalColumns: Set(source.categorical))
        options.encoding = source.encoding
        options.threads = max(1, threads)
        if let missing = source.missing { options.missingTokens = Set(missing) }
        do {
            var table =
                statistical
                ? try StatisticalFileReader.read(contentsOf: source.url) : try CSVReader.read(data: bytes, source: path, options: options)
            for c in source.categorical {
                guard table.hasColumn(c) else { throw fail("'categorical' names column '\(c)', which '\(path)' does not have") }
                // A numeric code read as categories (a labelled region in a .dta): its values as text.
                if case .numeric(let v)? = table[c] {
                    try table.setColumn(c, .categorical(Categorical(v.map { $0.isNaN ? nil : formatNumber($0) })))
                }
            }
            for c in source.dates {
                do throws(TableError) { try table.addDateParts(of: c) } catch {
                    throw fail("dates: \(error)")
                }
            }
            guard table.rowCount > 0 else { throw fail("'\(path)' has column names but no rows of data") }
            return LoadedData(
                name: source.name, url: source.url, sha256: Fingerprint.sha256(bytes), bytes: bytes.count, table: table, rowsRead: table.rowCount)
        } catch let e as CSVError {
            if statistical, Self.looksLikeText(bytes) {
                throw fail(
                    "'\(path)' is named as a \(source.url.pathExtension) file but holds text (\(e.description)); if it is a CSV or TSV file, give it that extension"
                )
            }
            throw fail(e.description)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw fail("\(error)")
        }
    }

    /// Applies the data set's `prepare` steps (joins use the data sets declared above it, as prepared).
    ///
    /// - Throws: `ConfigError` at the failing step's key (a derived column's own line), with the
    ///   column of the offending token of an expression.
    static func prepare(_ data: inout LoadedData, source: DataSourceSpec, loaded: [String: LoadedData], config: Config) throws(ConfigError) {
        guard !source.prepare.isEmpty else { return }
        // A join of a data set that could not be read: its own error says why; say what it stops here.
        for (i, spec) in source.prepare.enumerated() {
            if case .join(let join) = spec.step, loaded[join.source] == nil {
                throw spec.error(
                    "data set '\(join.source)' could not be read (see its error), so '\(source.name)' cannot be prepared",
                    config: config, source: source.name, index: i)
            }
        }
        do {
            let prepared = try DataPreparation.apply(
                source.prepare.map(\.step), to: data.prepared, sources: loaded.mapValues(\.prepared), panel: source.panel)
            data.table = prepared.table
            data.preparation = prepared.records
            data.fileRows = prepared.fileRows
        } catch {
            // Name the data file for faults in the data (an unmatched key's row); an expression's own fault points into it.
            let message =
                error.expressionError == nil ? "in '\(data.url.lastPathComponent)' (data set '\(source.name)'): \(error.description)" : error.description
            throw source.prepare[error.step].error(
                message, config: config, source: source.name, index: error.step, column: error.column,
                offset: error.expressionError?.range?.lowerBound)
        }
    }

    static func checkColumns(_ analysis: AnalysisSpec, data: LoadedData, config: Config) -> [ConfigError] {
        var errors: [ConfigError] = []
        for req in analysis.columns {
            func error(_ message: String) -> ConfigError { located(analysis, key: req.key, message, config: config) }
            guard let column = data.table[req.column] else {
                var message = "column '\(req.column)' is not in data set '\(data.name)' (\(data.url.lastPathComponent))"
                if let s = closestMatch(to: req.column, in: data.table.columnNames) { message += " (did you mean '\(s)'?)" }
                errors.append(error(message))
                continue
            }
            if req.numeric, case .categorical(let c) = column {
                // Name the first cell that is not a number, with its row and line, and how many such cells there are.
                let isNumber = c.levels.map { Double($0.trimmingCharacters(in: .whitespaces)) != nil }
                let bad = c.codes.indices.filter { c.codes[$0] >= 0 && !isNumber[Int(c.codes[$0])] }
                if let first = bad.first {
                    let value = c.levels[Int(c.codes[first])]
                    let more = bad.count > 1 ? " (\(bad.count) cells in all are not numbers)" : ""
                    errors.append(
                        error(
                            "column '\(req.column)' in '\(data.name)' (\(data.url.lastPathComponent)) must be numeric, but row \(first + 1) (line \(first + 2) of the file) holds '\(value)'\(more); "
                                + "fix the value, or mark it missing (empty, NA)"))
                }
                // Every value a number (identifiers with leading zeros): used as numbers where needed.
            }
            if req.numeric, case .numeric(let v) = column {
                let source = "column '\(req.column)' in '\(data.name)' (\(data.url.lastPathComponent))"
                if !v.isEmpty && v.allSatisfy(\.isNaN) {
                    errors.append(error("\(source) has no values: every one of its \(v.count) cells is missing"))
                } else if let r = v.firstIndex(where: \.isInfinite) {
                    let more = v.filter(\.isInfinite).count
                    errors.append(
                        error(
                            "\(source) must hold finite numbers, but row \(r + 1) holds \(v[r] > 0 ? "Inf" : "-Inf")"
                                + (more > 1 ? " (\(more) cells in all are infinite)" : "") + "; fix the value, or mark it missing (empty, NA)"))
                }
            }
        }
        return errors
    }
}

extension DataLoader {
    /// Whether the file's first kilobyte is plain text (no NUL or other control bytes but tab and line ends).
    static func looksLikeText(_ bytes: Data) -> Bool {
        let head = bytes.prefix(1024)
        return !head.isEmpty && head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 != 127) }
    }

    /// The method's own checks on the data (units exist, treatment times lie inside the data, …),
    /// located at the key each names.
    static func checkData(_ analysis: AnalysisSpec, data: LoadedData, config: Config) -> [ConfigError] {
        analysis.settings.check(data).map { located(analysis, key: $0.key, $0.message, config: config) }
    }

    /// An error at `key` of `analysis` (`key` may carry an index, `donors[2]`; the line is the key's own).
    static func located(_ analysis: AnalysisSpec, key: String, _ message: String, config: Config) -> ConfigError {
        let mark = analysis.keyMarks[String(key.prefix { $0 != "[" && $0 != "." })] ?? analysis.mark
        return ConfigError(
            file: config.path, line: mark?.line, column: mark?.column,
            path: "analyses[\(analysis.index)].\(key)", message: message)
    }
}
