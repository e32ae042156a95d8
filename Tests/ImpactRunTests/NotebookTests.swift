import Foundation
import Testing
import TestSupport
@testable import ImpactRun

/// One `<!-- check: analysis path expected tolerance -->` directive in a notebook.
struct NotebookCheck: CustomStringConvertible {
    let analysis: String, path: String, expected: Double, tolerance: Double
    var description: String { "\(analysis) \(path)" }

    /// The directives of a notebook, and the text of any that are malformed (which the test reports).
    static func parse(_ markdown: String) -> (checks: [NotebookCheck], malformed: [String]) {
        var checks: [NotebookCheck] = [], malformed: [String] = []
        for chunk in markdown.components(separatedBy: "<!-- check:").dropFirst() {
            let text = chunk.components(separatedBy: "-->")[0]
            // analysis, path (which may contain spaces, e.g. a unit name), expected, tolerance
            let body = text.split(separator: " ").map(String.init)
            if body.count >= 4, let e = Double(body[body.count - 2]), let t = Double(body[body.count - 1]) {
                let path = body[1..<(body.count - 2)].joined(separator: " ")
                checks.append(NotebookCheck(analysis: body[0], path: path, expected: e, tolerance: t))
            } else {
                malformed.append(text)
            }
        }
        return (checks, malformed)
    }
}

/// Splits a path at the dots outside brackets, so `rows[term=x[T.Y]].estimate` has two parts.
func pathComponents(_ path: String) -> [String] {
    var parts: [String] = [], current = "", depth = 0
    for ch in path {
        if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
        if ch == "." && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
    }
    parts.append(current)
    return parts
}

/// Follows `a.b.rows[term=t].c` or `a[3].b` into decoded JSON (the selector runs from the first `[`
/// to the last `]`, so factor terms such as `g[T.b]` can be selected).
func lookup(_ json: Any, _ path: String) -> Any? {
    var current: Any? = json
    for part in pathComponents(path) {
        var key = part
        var selector: String?
        if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
            selector = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
            key = String(key[..<open])
        }
        if !key.isEmpty { current = (current as? [String: Any])?[key] }
        if let selector {
            guard let list = current as? [Any] else { return nil }
            if let i = Int(selector) { current = i < list.count ? list[i] : nil } else {
                let kv = selector.split(separator: "=", maxSplits: 1).map(String.init)
                current = list.first { item in
                    guard let d = item as? [String: Any], kv.count == 2 else { return false }
                    if let s = d[kv[0]] as? String { return s == kv[1] }
                    if let n = d[kv[0]] as? Double, let v = Double(kv[1]) { return n == v }
                    return false
                }
            }
        }
    }
    return current
}

@Suite("Notebooks run and their quoted numbers hold")
struct NotebookTests {
    static let folders: [String] = {
        let root = TestData.root.appendingPathComponent("Notebooks")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/analysis.yaml").path) }.sorted()
    }()

    @Test("there are notebooks")
    func present() { #expect(!Self.folders.isEmpty) }

    @Test("notebook", arguments: folders)
    func notebook(_ folder: String) throws {
        let dir = TestData.root.appendingPathComponent("Notebooks").appendingPathComponent(folder)
        let markdown = try String(contentsOf: dir.appendingPathComponent("notebook.md"), encoding: .utf8)
        let (checks, malformed) = NotebookCheck.parse(markdown)
        #expect(!checks.isEmpty, "notebook \(folder) pins no numbers")
        for text in malformed { Issue.record("\(folder): malformed check directive '\(text)'") }
        let config = try ConfigLoader.load(path: dir.appendingPathComponent("analysis.yaml").path)
        let output = try Runner.run(config, threads: 2)
        let out = TestData.temporaryDirectory().appendingPathComponent(folder)
        _ = try OutputWriter.write(output, to: out, force: false, command: ["test"], threads: 2)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json")))
        let analyses = (results as! [String: Any])["analyses"] as! [[String: Any]]
        for check in checks {
            guard let entry = analyses.first(where: { $0["name"] as? String == check.analysis }) else {
                Issue.record("\(folder): no analysis named \(check.analysis)")
                continue
            }
            let value = lookup(entry["result"] as Any, check.path)
            guard let number = (value as? Double) ?? (value as? Int).map(Double.init) else {
                Issue.record("\(folder): \(check) is not a number in results.json (found \(String(describing: value)))")
                continue
            }
            #expect(abs(number - check.expected) <= check.tolerance, "\(folder): \(check) = \(number), notebook says \(check.expected)")
        }
    }
}
