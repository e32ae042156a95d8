import Foundation
import Tabular

/// One input data set as read for a run, with its fingerprint.
public struct LoadedData: Sendable {
    public let name: String
    public let url: URL
    public let sha256: String
    public let bytes: Int
    public let table: Table
}

/// Reads a config's data sets and checks every column each analysis names.
public enum DataLoader {
    /// Reads every data set the config lists, then checks the columns of every analysis.
    ///
    /// - Throws: `ConfigErrors` with every problem found (unreadable files, missing or mistyped columns),
    ///   each naming the config file, line and key.
    public static func load(_ config: Config) throws(ConfigErrors) -> [String: LoadedData] {
        var loaded: [String: LoadedData] = [:]
        var errors: [ConfigError] = []
        for source in config.data {
            do throws(ConfigError) {
                loaded[source.name] = try read(source, config: config)
            } catch {
                errors.append(error)
            }
        }
        for analysis in config.analyses {
            guard let data = loaded[analysis.data] else { continue }
            let columnErrors = checkColumns(analysis, data: data, config: config)
            errors += columnErrors
            if columnErrors.isEmpty { errors += checkUnits(analysis, data: data, config: config) }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return loaded
    }

    static func read(_ source: DataSourceSpec, config: Config) throws(ConfigError) -> LoadedData {
        let path = source.url.path
        func fail(_ message: String) -> ConfigError {
            ConfigError(file: config.path, line: source.mark?.line, column: source.mark?.column,
                        path: "data.\(source.name)", message: message)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail("data file '\(path)' does not exist (paths are relative to the config file's folder)")
        }
        let bytes: Data
        do { bytes = try Data(contentsOf: source.url) } catch {
            throw fail("cannot read data file '\(path)': \(error.localizedDescription)")
        }
        var options = CSVOptions(categoricalColumns: Set(source.categorical))
        if let missing = source.missing { options.missingTokens = Set(missing) }
        do {
            let table = try CSVReader.read(data: bytes, source: path, options: options)
            for c in source.categorical where !table.hasColumn(c) {
                throw fail("'categorical' names column '\(c)', which '\(path)' does not have")
            }
            return LoadedData(name: source.name, url: source.url, sha256: SHA256.hex(bytes), bytes: bytes.count, table: table)
        } catch let e as CSVError {
            throw fail(e.description)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw fail("\(error)")
        }
    }

    static func checkColumns(_ analysis: AnalysisSpec, data: LoadedData, config: Config) -> [ConfigError] {
        var errors: [ConfigError] = []
        for req in analysis.settings.columnRequirements {
            let baseKey = String(req.key.prefix { $0 != "[" && $0 != "." })
            let mark = analysis.keyMarks[baseKey] ?? analysis.mark
            func error(_ message: String) -> ConfigError {
                ConfigError(file: config.path, line: mark?.line, column: mark?.column,
                            path: "analyses[\(analysis.index)].\(req.key)", message: message)
            }
            guard let column = data.table[req.column] else {
                var message = "column '\(req.column)' is not in data set '\(data.name)' (\(data.url.lastPathComponent))"
                if let s = closestMatch(to: req.column, in: data.table.columnNames) { message += " (did you mean '\(s)'?)" }
                errors.append(error(message))
                continue
            }
            if req.numeric, case .categorical(let c) = column {
                let example = c.levels.first.map { " such as '\($0)'" } ?? ""
                errors.append(error("column '\(req.column)' in '\(data.name)' holds text\(example); a number is expected"))
            }
        }
        return errors
    }
}

extension DataLoader {
    /// Panel-level checks for methods that name units and dates: the units exist, and the
    /// treatment time (or, in staggered designs, every adoption time) leaves at least one period
    /// before and one at or after it.
    static func checkUnits(_ analysis: AnalysisSpec, data: LoadedData, config: Config) -> [ConfigError] {
        let unitColumn: String, timeColumn: String, named: [(key: String, unit: String)], treatmentTime: Double?
        switch analysis.settings {
        case .syntheticControl(let s) where s.adoption != nil:
            // Staggered: the adoption column (a panel error, e.g. a repeated unit-period, is left to the run).
            guard let panel = try? Panel(data.table, unit: s.unit, time: s.time) else { return [] }
            do throws(RunnerMessage) {
                _ = try SyntheticControlRunner.adoptionTimes(panel, column: s.adoption!)
                return []
            } catch {
                let mark = analysis.keyMarks["adoption"] ?? analysis.mark
                return [ConfigError(file: config.path, line: mark?.line, column: mark?.column,
                                    path: "analyses[\(analysis.index)].adoption", message: error.description)]
            }
        case .syntheticControl(let s):
            unitColumn = s.unit; timeColumn = s.time; treatmentTime = s.treatmentTime
            named = (s.treated.map { [("treated", $0)] } ?? []) + (s.donors ?? []).enumerated().map { ("donors[\($0.offset)]", $0.element) }
                + s.exclude.enumerated().map { ("exclude[\($0.offset)]", $0.element) }
        case .syntheticDiD(let s):
            unitColumn = s.unit; timeColumn = s.time; treatmentTime = s.treatmentTime
            named = s.treated.enumerated().map { ("treated[\($0.offset)]", $0.element) }
        default:
            return []
        }
        guard let units = try? data.table.strings(unitColumn), let times = try? data.table.numeric(timeColumn) else { return [] }
        let present = Set(units.compactMap { $0 })
        var errors: [ConfigError] = []
        for (key, unit) in named where !present.contains(unit) {
            let base = String(key.prefix { $0 != "[" })
            let mark = analysis.keyMarks[base] ?? analysis.mark
            var message = "unit '\(unit)' does not occur in column '\(unitColumn)' of '\(data.name)'"
            if let s = closestMatch(to: unit, in: Array(present)) { message += " (did you mean '\(s)'?)" }
            errors.append(ConfigError(file: config.path, line: mark?.line, column: mark?.column,
                                      path: "analyses[\(analysis.index)].\(key)", message: message))
        }
        if let t = treatmentTime {
            let finite = times.filter { !$0.isNaN }
            if !(finite.contains { $0 < t }) || !(finite.contains { $0 >= t }) {
                let mark = analysis.keyMarks["treatment_time"] ?? analysis.mark
                errors.append(ConfigError(file: config.path, line: mark?.line, column: mark?.column,
                                          path: "analyses[\(analysis.index)].treatment_time",
                                          message: "\(formatNumber(t)) leaves no period \(finite.contains { $0 < t } ? "at or after it" : "before it") in column '\(timeColumn)' (\(formatNumber(finite.min() ?? .nan))–\(formatNumber(finite.max() ?? .nan)))"))
            }
        }
        return errors
    }
}

extension MethodSettings {
    var columnRequirements: [ColumnRequirement] {
        switch self {
        case .regression(let s): return s.columnRequirements
        case .match(let s): return s.columnRequirements
        case .weight(let s): return s.columnRequirements
        case .abadieImbens(let s): return s.columnRequirements
        case .syntheticControl(let s): return s.columnRequirements
        case .syntheticDiD(let s): return s.columnRequirements
        }
    }
}
