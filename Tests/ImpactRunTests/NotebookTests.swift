import Foundation
import TestSupport
import Testing

@testable import ImpactRun

/// One `<!-- check: analysis path expected tolerance [shown TEXT]… -->` directive in a notebook.
///
/// `shown TEXT` binds the prose to the check: TEXT (e.g. `-2.040`, `1,068`, or `|2.0|` for a
/// magnitude quoted as "2.0 days less") must appear in the prose of the section before the directive,
/// and the result rounded to TEXT's decimals must print as TEXT.
struct NotebookCheck: CustomStringConvertible {
    let analysis: String, path: String, expected: Double, tolerance: Double
    let shown: [String]
    /// The section's prose before the directive (comments removed), with − written as -.
    let prose: String
    var description: String { "\(analysis) \(path)" }

    /// The directives of a notebook, and the text of any that are malformed (which the test reports).
    static func parse(_ markdown: String) -> (checks: [NotebookCheck], malformed: [String]) {
        var checks: [NotebookCheck] = [], malformed: [String] = []
        var section: [String] = []
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("#") { section = [] }
            guard line.hasPrefix("<!-- check:") else {
                if !line.hasPrefix("<!--") { section.append(line) }
                continue
            }
            let text = String(line.dropFirst("<!-- check:".count)).components(separatedBy: "-->")[0]
            var body = text.split(separator: " ").map(String.init)
            var shown: [String] = []
            while body.count >= 2 && body[body.count - 2] == "shown" {
                shown.insert(body.removeLast(), at: 0)
                body.removeLast()
            }
            // analysis, path (which may contain spaces, e.g. a unit name), expected, tolerance
            if body.count >= 4, let e = Double(body[body.count - 2]), let t = Double(body[body.count - 1]), !body.contains("shown") {
                let path = body[1..<(body.count - 2)].joined(separator: " ")
                checks.append(
                    NotebookCheck(
                        analysis: body[0], path: path, expected: e, tolerance: t, shown: shown,
                        prose: section.joined(separator: "\n").replacingOccurrences(of: "\u{2212}", with: "-")))
            } else {
                malformed.append(text)
            }
        }
        if markdown.components(separatedBy: "<!-- check:").count - 1 != checks.count + malformed.count {
            malformed.append("a check directive that does not start a line")
        }
        return (checks, malformed)
    }

    /// Problems binding `value` to the prose: each shown text must be in the prose and be `value` at its printed precision.
    func proseProblems(_ value: Double) -> [String] {
        shown.compactMap { text in
            let magnitude = text.hasPrefix("|") && text.hasSuffix("|")
            let printed = magnitude ? String(text.dropFirst().dropLast()) : text
            let plain = printed.replacingOccurrences(of: ",", with: "")
            let decimals = plain.split(separator: ".").dropFirst().first?.count ?? 0
            var rounded = String(format: "%.\(decimals)f", magnitude ? abs(value) : value)
            if rounded.hasPrefix("-"), Double(rounded) == 0 { rounded.removeFirst() }
            if rounded != plain { return "the prose shows \(text) but the result is \(rounded) at that precision" }
            if !prose.contains(printed) { return "'\(printed)' does not appear in the prose before the check" }
            return nil
        }
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
            if let i = Int(selector) {
                current = i < list.count ? list[i] : nil
            } else {
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
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/notebook.md").path) }.sorted()
    }()

    @Test("there are notebooks")
    func present() { #expect(!Self.folders.isEmpty) }

    @Test("notebook", arguments: folders)
    func notebook(_ folder: String) throws {
        let dir = TestData.root.appendingPathComponent("Notebooks").appendingPathComponent(folder)
        let markdown = try String(contentsOf: dir.appendingPathComponent("notebook.md"), encoding: .utf8)
        let (checks, malformed) = NotebookCheck.parse(markdown)
        #expect(!checks.isEmpty, "notebook \(folder) pins no numbers")
        #expect(checks.filter { !$0.shown.isEmpty }.count * 4 >= checks.count * 3, "notebook \(folder): most checks should bind a number shown in the prose")
        for text in malformed { Issue.record("\(folder): malformed check directive '\(text)'") }
        // `<!-- config: PATH -->` names the config the notebook runs (relative to it); else its analysis.yaml.
        let named = markdown.components(separatedBy: "\n").first { $0.hasPrefix("<!-- config:") }.map {
            $0.dropFirst("<!-- config:".count).replacingOccurrences(of: "-->", with: "").trimmingCharacters(in: .whitespaces)
        }
        let config = try ConfigLoader.load(path: dir.appendingPathComponent(named ?? "analysis.yaml").standardizedFileURL.path)
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
            for problem in check.proseProblems(number) { Issue.record("\(folder): \(check): \(problem)") }
        }
    }
}

@Suite("Notebook checks bind the prose")
struct NotebookProseBindingTests {
    @Test("a number printed in the prose must be the result at its printed precision")
    func binding() {
        let markdown = """
            ## Clustering
            The SE falls from 0.332 to 0.231, and the effect is 2.0 days less (−2.040).
            <!-- check: a x.se 0.331473889524 1e-9 shown 0.332 -->
            <!-- check: a y.se 0.230947485077 1e-9 shown 0.231 -->
            <!-- check: a b -2.04013977674 1e-9 shown -2.040 shown |2.0| -->
            <!-- check: a c 0.5 1e-9 shown 0.50 -->
            """
        let (checks, malformed) = NotebookCheck.parse(markdown)
        #expect(malformed.isEmpty && checks.count == 4)
        #expect(checks[0].proseProblems(0.331473889524) == ["the prose shows 0.332 but the result is 0.331 at that precision"])
        #expect(checks[1].proseProblems(0.230947485077).isEmpty)
        #expect(checks[2].proseProblems(-2.04013977674).isEmpty)
        #expect(checks[2].proseProblems(-2.06).count == 2)
        #expect(checks[3].proseProblems(0.5) == ["'0.50' does not appear in the prose before the check"])
    }
}
