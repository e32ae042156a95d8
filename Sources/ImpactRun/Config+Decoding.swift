import Foundation
import Tabular
import Yams

/// Decodes the top level of a config file.
struct ConfigBody: Decodable {
    var title: String?
    var seed: UInt64
    var data: [DataSourceSpec]
    var analyses: [AnalysisSpec]

    init(from decoder: any Decoder) throws {
        let m = try StrictMapping(decoder, allowed: Config.keys, context: "the config file")
        if let v: Int = try m.optional("version"), v != 1 {
            throw m.issue("version", "unsupported config version \(v); this is ImpactEval \(ImpactEvalVersion.string), which reads version 1")
        }
        title = try m.optional("title")
        let seed: Int = try m.value("seed", default: 1)
        guard seed >= 0 else { throw m.issue("seed", "the seed must be a non-negative whole number") }
        self.seed = UInt64(seed)
        data = try m.required("data", DataSources.self).sources
        analyses = try m.required("analyses", [AnalysisSpec].self)
        guard !analyses.isEmpty else { throw m.issue("analyses", "the list of analyses is empty") }
        for (i, a) in analyses.enumerated() { analyses[i].index = i; _ = a }
    }
}

/// The `data:` mapping, in file order.
struct DataSources: Decodable {
    var sources: [DataSourceSpec]

    init(from decoder: any Decoder) throws {
        let c: KeyedDecodingContainer<AnyKey>
        do { c = try decoder.container(keyedBy: AnyKey.self) } catch {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "expected a mapping from data set names to file paths")
        }
        sources = try c.allKeys.map { key in
            let sub = try c.superDecoder(forKey: key)
            if let path = try? c.decode(String.self, forKey: key) {
                return DataSourceSpec(
                    name: key.stringValue, path: path, url: URL(fileURLWithPath: path),
                    categorical: [], missing: nil, mark: sub.mark)
            }
            let m = try StrictMapping(sub, allowed: DataSourceSpec.keys, context: "data set '\(key.stringValue)'")
            var spec = DataSourceSpec(
                name: key.stringValue, path: try m.required("path"), url: URL(fileURLWithPath: "/"),
                categorical: try m.value("categorical", default: []),
                missing: try m.optional("missing"), mark: sub.mark)
            switch try m.optional("delimiter", String.self) {
            case nil: break
            case ",": spec.delimiter = UInt8(ascii: ",")
            case ";": spec.delimiter = UInt8(ascii: ";")
            case "|": spec.delimiter = UInt8(ascii: "|")
            case "tab", "\t": spec.delimiter = UInt8(ascii: "\t")
            case let other?: throw m.issue("delimiter", invalidChoice(other, [",", ";", "|", "tab"]))
            }
            let encoding = try m.choice("encoding", CSVOptions.TextEncoding.allCases.map(\.rawValue), default: "auto")
            spec.encoding = CSVOptions.TextEncoding(rawValue: encoding) ?? .automatic
            spec.dates = try m.value("dates", default: [])
            let unit: String? = try m.optional("unit"), time: String? = try m.optional("time")
            switch (unit, time) {
            case (let u?, let t?): spec.panel = TableExpression.PanelKeys(unit: u, time: t)
            case (nil, nil): break
            case (nil, _): throw m.issue("time", "'time' needs 'unit' too: together they name the panel for lag() and lead()")
            case (_, nil): throw m.issue("unit", "'unit' needs 'time' too: together they name the panel for lag() and lead()")
            }
            spec.prepare = try m.value("prepare", default: [PreparationStepSpec]())
            return spec
        }
        guard !sources.isEmpty else {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "no data sets are listed")
        }
    }
}

extension AnalysisSpec: Decodable {
    public init(from decoder: any Decoder) throws {
        // Read the method first: it decides which keys are allowed.
        let probe = try? decoder.container(keyedBy: AnyKey.self)
        let methodName = (try? probe?.decode(String.self, forKey: AnyKey("method"))) ?? nil
        let methodType = methodName.flatMap(MethodRegistry.method(named:))
        if let methodName, methodType == nil {
            throw DecodingIssue(
                codingPath: decoder.codingPath + [AnyKey("method")],
                message: invalidChoice(methodName, MethodRegistry.names))
        }
        let allowed = methodType.map(MethodRegistry.allowedKeys) ?? Self.commonKeys
        let context = methodName.map { "an analysis with method '\($0)'" } ?? "an analysis"
        let m = try StrictMapping(decoder, allowed: allowed, context: context)
        name = try m.required("name")
        method = try m.choice("method", MethodRegistry.names)
        data = try m.required("data")
        description = try m.optional("description")
        guard let methodType else { throw m.issue("method", invalidChoice(method, MethodRegistry.names)) }
        (settings, columns) = try MethodRegistry.decode(methodType, m, name: method)
        index = decoder.codingPath.last?.intValue ?? 0
        mark = decoder.mark
        var marks: [String: Mark] = [:]
        for key in m.container.allKeys {
            if let mk = (try? m.container.superDecoder(forKey: key))?.mark { marks[key.stringValue] = mk }
        }
        keyMarks = marks
    }
}

extension PreparationStepSpec {
    /// An error about this step, step `index` of data set `source`: located at the step's value (at a derived
    /// column's own line when `column` is given), the column moved `offset` characters into it (an
    /// expression's offending token).
    func error(_ message: String, config: Config, source: String, index: Int, column: String? = nil, offset: Int? = nil) -> ConfigError {
        var path = "data.\(source).prepare[\(index)].\(kind)"
        var mark = valueMarks[kind] ?? self.mark
        if let column {
            path += ".\(column)"
            mark = valueMarks[column] ?? mark
        }
        return ConfigError(
            file: config.path, line: mark?.line, column: mark.map { ConfigLoader.tokenColumn($0, offset: offset, in: config.text) },
            path: path, message: message)
    }
}

extension PreparationStepSpec: Decodable {
    public init(from decoder: any Decoder) throws {
        let probe = try? decoder.container(keyedBy: AnyKey.self)
        let present = PreparationStepSpec.kinds.filter { probe?.contains(AnyKey($0)) ?? false }
        guard present.count == 1 else {
            throw DecodingIssue(
                codingPath: decoder.codingPath,
                message: present.isEmpty
                    ? "a 'prepare' step is one of 'join: DATA', 'filter: CONDITION' or 'derive: {NAME: EXPRESSION, …}'"
                    : "one step per list item: this item has \(present.map { "'\($0)'" }.joined(separator: " and ")); start a new item (-) for each")
        }
        kind = present[0]
        mark = decoder.mark
        let allowed = kind == "join" ? PreparationStepSpec.joinKeys : [kind]
        if kind == "join", probe?.contains(AnyKey("on")) == true {
            throw DecodingIssue(
                codingPath: decoder.codingPath + [AnyKey("on")], atKey: true,
                message: "unknown key 'on' in a 'join' step: key columns are listed under 'by', as in dplyr (by: [area, year])")
        }
        let m = try StrictMapping(decoder, allowed: allowed, context: "a '\(kind)' step")
        var marks: [String: Mark] = [:]
        for key in m.container.allKeys {
            if let mk = (try? m.container.superDecoder(forKey: key))?.mark { marks[key.stringValue] = mk }
        }
        /// An expression, parsed now so that a malformed one is reported before any data is read.
        func formula(_ text: String, at path: [any CodingKey]) throws -> DataPreparation.Formula {
            do throws(ExpressionError) { return try DataPreparation.Formula(text) } catch {
                throw DecodingIssue(codingPath: path, message: error.pointing(into: text), columnOffset: error.range?.lowerBound)
            }
        }
        switch kind {
        case "join":
            // `by`, as dplyr's joins spell it (`on` would read as true in YAML 1.1 tools such as PyYAML).
            let by: [String] = try m.required("by")
            guard !by.isEmpty else { throw m.issue("by", "list the key columns to join by, e.g. [area, year]") }
            let unmatched = try m.choice("unmatched", Table.UnmatchedRows.allCases.map(\.rawValue), default: "error")
            step = .join(
                DataPreparation.JoinStep(
                    source: try m.required("join"), by: by, columns: try m.optional("columns"),
                    unmatched: Table.UnmatchedRows(rawValue: unmatched)!))
        case "filter":
            let text: String = try m.required("filter")
            step = .filter(try formula(text, at: decoder.codingPath + [AnyKey("filter")]))
        default:
            let sub = try m.container.superDecoder(forKey: AnyKey("derive"))
            let c: KeyedDecodingContainer<AnyKey>
            do { c = try sub.container(keyedBy: AnyKey.self) } catch {
                throw m.issue("derive", "expected a mapping of new column names to expressions, e.g. {post: year >= adoption}")
            }
            var columns: [DataPreparation.DerivedColumn] = []
            for key in c.allKeys {
                let path = decoder.codingPath + [AnyKey("derive"), key]
                let text: String
                if let s = try? c.decode(String.self, forKey: key) {
                    text = s
                } else if let x = try? c.decode(Double.self, forKey: key) {
                    text = formatNumber(x)
                } else {
                    throw DecodingIssue(codingPath: path, message: "expected an expression, e.g. whole_school_hours / total_hours")
                }
                if let mk = (try? c.superDecoder(forKey: key))?.mark { marks[key.stringValue] = mk }
                let f = try formula(text, at: path)
                columns.append(DataPreparation.DerivedColumn(name: key.stringValue, formula: f))
            }
            guard !columns.isEmpty else { throw m.issue("derive", "no columns are derived; add NAME: EXPRESSION lines") }
            step = .derive(columns)
        }
        valueMarks = marks
    }
}
