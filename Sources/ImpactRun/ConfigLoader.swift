import Foundation
import Tabular
import Yams

/// Reads, decodes and validates configuration files.
public enum ConfigLoader {
    /// Loads the config at `path`: YAML syntax, strict decoding, and the checks that need no data.
    ///
    /// - Throws: `ConfigError` naming the file, line, key path and what was expected.
    public static func load(path: String) throws(ConfigError) -> Config {
        let text: String
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigError(file: path, path: "", message: "cannot read config file: it is a folder, not a YAML file")
        }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "no such file"
            throw ConfigError(file: path, path: "", message: "cannot read config file (\(reason))")
        }
        return try parse(text: text, path: path)
    }

    /// Decodes config `text`; `path` names it in errors and anchors relative data paths.
    public static func parse(text: String, path: String) throws(ConfigError) -> Config {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                throw ConfigError(file: path, path: "", message: "the file is empty; expected 'data:' and 'analyses:'")
            }
            node = n
        } catch let e as ConfigError {
            throw e
        } catch let e as YamlError {
            throw yamlSyntaxError(e, file: path)
        } catch {
            throw ConfigError(file: path, path: "", message: "invalid YAML: \(error)")
        }
        var body: ConfigBody
        do {
            body = try YAMLDecoder().decode(ConfigBody.self, from: node)
        } catch let issue as DecodingIssue {
            let mark = issue.atKey ? keyNode(at: issue.codingPath, in: node)?.mark : self.node(at: issue.codingPath, in: node)?.mark
            throw ConfigError(
                file: path, line: mark?.line, column: mark.map { tokenColumn($0, offset: issue.columnOffset, in: text) },
                path: renderPath(issue.codingPath), message: issue.message)
        } catch let e as DecodingError {
            throw decodingError(e, file: path, root: node)
        } catch {
            throw ConfigError(file: path, path: "", message: "\(error)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        for i in body.data.indices {
            let p = body.data[i].path
            body.data[i].url = p.hasPrefix("/") ? URL(fileURLWithPath: p) : folder.appendingPathComponent(p).standardizedFileURL
        }
        let config = Config(path: path, text: text, title: body.title, seed: body.seed, data: body.data, analyses: body.analyses)
        try checkReferences(config)
        return config
    }

    /// Unique analysis names; every analysis names a declared data set; a join names a data set declared above.
    static func checkReferences(_ config: Config) throws(ConfigError) {
        for (position, source) in config.data.enumerated() {
            for (i, spec) in source.prepare.enumerated() {
                guard case .join(let join) = spec.step else { continue }
                let earlier = config.data.prefix(position).map(\.name)
                guard !earlier.contains(join.source) else { continue }
                var message: String
                if join.source == source.name {
                    message = "a data set cannot be joined to itself"
                } else if config.source(join.source) != nil {
                    message = "'\(join.source)' is declared after '\(source.name)'; a join can use only data sets declared above it (move it up)"
                } else {
                    message = "no data set named '\(join.source)'"
                    if let s = closestMatch(to: join.source, in: config.data.map(\.name)) { message += " (did you mean '\(s)'?)" }
                }
                throw spec.error(message, config: config, source: source.name, index: i)
            }
        }
        var seen: [String: Int] = [:]
        for a in config.analyses {
            if let first = seen[a.name] {
                throw ConfigError(
                    file: config.path, line: a.keyMarks["name"]?.line, column: a.keyMarks["name"]?.column,
                    path: "analyses[\(a.index)].name",
                    message: "analysis name '\(a.name)' is already used by analyses[\(first)]; names must be unique")
            }
            seen[a.name] = a.index
            // An analysis's folder sits next to the run's own files: its name must not take one of theirs.
            let reserved = ["results.json", "report.md", "manifest.json", "models-side-by-side"]
            if reserved.contains(a.name.lowercased()) {
                throw ConfigError(
                    file: config.path, line: a.keyMarks["name"]?.line, column: a.keyMarks["name"]?.column,
                    path: "analyses[\(a.index)].name",
                    message: "analysis name '\(a.name)' is the name of a file every run writes (\(reserved.joined(separator: ", "))); choose another")
            }
            guard config.source(a.data) != nil else {
                let names = config.data.map(\.name)
                var message = "no data set named '\(a.data)'"
                if let s = closestMatch(to: a.data, in: names) { message += " (did you mean '\(s)'?)" }
                message += "; data sets are: " + names.joined(separator: ", ")
                throw ConfigError(
                    file: config.path, line: a.keyMarks["data"]?.line, column: a.keyMarks["data"]?.column,
                    path: "analyses[\(a.index)].data", message: message)
            }
        }
    }

    /// The column of a token `offset` characters into the scalar that starts at `mark`
    /// (one more when the scalar is quoted); the scalar's own column when `offset` is nil.
    static func tokenColumn(_ mark: Mark, offset: Int?, in text: String) -> Int {
        guard let offset else { return mark.column }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return mark.column }
        let line = Array(lines[mark.line - 1])
        let start = mark.column - 1
        let quoted = start >= 0 && start < line.count && (line[start] == "\"" || line[start] == "'")
        return mark.column + offset + (quoted ? 1 : 0)
    }

    static func yamlSyntaxError(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column, path: "",
                message: "duplicate key(s) \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        default:
            return ConfigError(file: file, path: "", message: "invalid YAML: \(e)")
        }
    }

    static func decodingError(_ e: DecodingError, file: String, root: Node) -> ConfigError {
        func located(_ codingPath: [any CodingKey], _ message: String) -> ConfigError {
            let mark = node(at: codingPath, in: root)?.mark
            return ConfigError(file: file, line: mark?.line, column: mark?.column, path: renderPath(codingPath), message: message)
        }
        switch e {
        case let .typeMismatch(type, ctx): return located(ctx.codingPath, "expected \(describe(type))")
        case let .valueNotFound(type, ctx): return located(ctx.codingPath, "expected \(describe(type)), found nothing")
        case let .keyNotFound(key, ctx): return located(ctx.codingPath, "missing required key '\(key.stringValue)'")
        case let .dataCorrupted(ctx): return located(ctx.codingPath, ctx.debugDescription)
        @unknown default: return ConfigError(file: file, path: "", message: "\(e)")
        }
    }

    /// The key node (not its value) at the end of a coding path.
    static func keyNode(at path: [any CodingKey], in root: Node) -> Node? {
        guard let last = path.last, let parent = node(at: Array(path.dropLast()), in: root)?.mapping else { return nil }
        return parent.first { $0.key.string == last.stringValue }?.key
    }

    /// The node at a coding path, for its line number.
    static func node(at path: [any CodingKey], in root: Node) -> Node? {
        var current: Node? = root
        for key in path {
            guard let n = current else { return nil }
            if let i = key.intValue, let seq = n.sequence {
                current = i < seq.count ? seq[i] : nil
            } else if let map = n.mapping {
                current = map[key.stringValue]
            } else {
                return nil
            }
        }
        return current
    }
}
