import Foundation
import Testing
import TestSupport
@testable import ImpactRun

/// One `<!-- check: analysis path expected tolerance -->` directive in a notebook.
struct NotebookCheck: CustomStringConvertible {
    let analysis: String, path: String, expected: Double, tolerance: Double
    var description: String { "\(analysis) \(path)" }

    static func parse(_ markdown: String) -> [NotebookCheck] {
        markdown.components(separatedBy: "<!-- check:").dropFirst().compactMap { chunk in
            let body = chunk.components(separatedBy: "-->")[0].split(separator: " ").map(String.init)
            guard body.count == 4, let e = Double(body[2]), let t = Double(body[3]) else { return nil }
            return NotebookCheck(analysis: body[0], path: body[1], expected: e, tolerance: t)
        }
    }
}

/// Follows `a.b.rows[term=t].c` or `a[3].b` into decoded JSON.
func lookup(_ json: Any, _ path: String) -> Any? {
    var current: Any? = json
    for part in path.split(separator: ".") {
        var key = String(part)
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
        let checks = NotebookCheck.parse(markdown)
        #expect(!checks.isEmpty, "notebook \(folder) pins no numbers")
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
