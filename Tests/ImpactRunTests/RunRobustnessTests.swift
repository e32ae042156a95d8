import EstimationCore
import Foundation
import Reporting
import Tabular
import TestSupport
import Testing

@testable import ImpactRun

/// A config in a temporary folder whose second analysis fails at run time (a collinear design, which
/// only the fit can see), and whose first succeeds.
func writeTwoAnalysisConfig(in folder: URL) throws -> URL {
    let csv = folder.appendingPathComponent("d.csv")
    var rows = "y,x,z\n"
    for i in 0..<40 { rows += "\(Double(i % 7) + 0.1 * Double(i)),\(i % 5),\(2 * (i % 5))\n" }
    try rows.write(to: csv, atomically: true, encoding: .utf8)
    let url = folder.appendingPathComponent("two.yaml")
    let text = """
        seed: 1
        data:
          d: d.csv
        analyses:
          - name: good
            method: ols
            data: d
            outcome: y
            covariates: [x]
          - name: bad
            method: ols
            data: d
            outcome: y
            covariates: [x, z]
        """
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

@Suite("Runs that fail early and well")
struct RunRobustnessTests {
    @Test("one failing analysis keeps the others' results: written, the failure recorded in results.json and the report, exit non-zero")
    func failureIsolation() throws {
        let folder = TestData.temporaryDirectory()
        let config = try writeTwoAnalysisConfig(in: folder)
        let out = folder.appendingPathComponent("out")
        let r = try runImpact(["run", config.path, "--out", out.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("analysis 'bad'") && r.stderr.contains("rank deficient"))
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
        let analyses = results["analyses"] as! [[String: Any]]
        #expect(analyses.map { $0["name"] as! String } == ["good"])
        let failed = results["failed"] as! [[String: Any]]
        #expect(failed.first?["analysis"] as? String == "bad" && (failed.first?["message"] as? String)?.contains("'z' = 2·x") == true)
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("Analysis `bad` (`ols`) failed and has no results"))
        // --fail-fast writes nothing; --only runs a subset.
        let strict = folder.appendingPathComponent("strict")
        #expect(try runImpact(["run", config.path, "--out", strict.path, "--fail-fast"]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: strict.path))
        let subset = folder.appendingPathComponent("subset")
        #expect(try runImpact(["run", config.path, "--out", subset.path, "--only", "good", "--threads", "1"]).status == 0)
        // --threads 1 caps BLAS too, and the manifest says so.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: subset.appendingPathComponent("manifest.json"))) as! [String: Any]
        #expect((manifest["blas"] as? [String: Any])?["threads"] as? Int == 1)
        let unknown = try runImpact(["run", config.path, "--out", folder.appendingPathComponent("x").path, "--only", "nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("'nope'") && unknown.stderr.contains("'good'"))
    }

    @Test("an existing output folder is refused before anything is computed")
    func outputCheckedFirst() throws {
        let folder = TestData.temporaryDirectory()
        let config = try writeTwoAnalysisConfig(in: folder)
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try runImpact(["run", config.path, "--out", out.path])
        // The folder error, not the failing analysis: the check ran first.
        #expect(r.status != 0 && r.stderr.contains("already exists") && !r.stderr.contains("rank deficient"))
    }

    @Test("--force refuses to delete files a user added to an earlier results folder, and lists them")
    func forceKeepsUserFiles() throws {
        let folder = TestData.temporaryDirectory()
        let config = try writeTwoAnalysisConfig(in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try runImpact(["run", config.path, "--out", out.path, "--only", "good"]).status == 0)
        // Replacing an untouched earlier run works.
        #expect(try runImpact(["run", config.path, "--out", out.path, "--only", "good", "--force"]).status == 0)
        let notes = out.appendingPathComponent("good/my-notes.txt")
        try "mine".write(to: notes, atomically: true, encoding: .utf8)
        let r = try runImpact(["run", config.path, "--out", out.path, "--only", "good", "--force"])
        #expect(r.status != 0 && r.stderr.contains("'good/my-notes.txt'") && r.stderr.contains("would delete"))
        #expect(try String(contentsOf: notes, encoding: .utf8) == "mine")
    }

    @Test("staging folders left by killed runs are removed by the next run")
    func staleStaging() throws {
        let folder = TestData.temporaryDirectory()
        let config = try writeTwoAnalysisConfig(in: folder)
        let stale = folder.appendingPathComponent(".out.partial-999999")
        try FileManager.default.createDirectory(at: stale.appendingPathComponent("good"), withIntermediateDirectories: true)
        let r = try runImpact(["run", config.path, "--out", folder.appendingPathComponent("out").path, "--only", "good"])
        #expect(r.status == 0 && r.stderr.contains("removed") && r.stderr.contains(".out.partial-999999"))
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }

    @Test("a replacement cut short between its renames: the next run puts the previous results back, or removes them if replaced")
    func interruptedReplacement() throws {
        let fm = FileManager.default
        let folder = TestData.temporaryDirectory()
        let config = try writeTwoAnalysisConfig(in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try runImpact(["run", config.path, "--out", out.path, "--only", "good"]).status == 0)
        let manifest = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        // Killed after the first of the two renames (pid 999999 is gone): the results sit aside, none in place.
        let aside = folder.appendingPathComponent(".out.replaced-999999")
        try fm.moveItem(at: out, to: aside)
        let again = try runImpact(["run", config.path, "--out", out.path, "--only", "good"])
        // Put back first, so this run (without --force) finds them in place and refuses to overwrite them.
        #expect(again.status != 0 && again.stderr.contains("restored") && again.stderr.contains("already exists"))
        #expect(try Data(contentsOf: out.appendingPathComponent("manifest.json")) == manifest && !fm.fileExists(atPath: aside.path))
        // Killed after both renames: the new results are in place, the previous ones are removed.
        try fm.createDirectory(at: aside, withIntermediateDirectories: true)
        let r = try runImpact(["run", config.path, "--out", out.path, "--only", "good", "--force"])
        #expect(r.status == 0 && r.stderr.contains("removed") && !fm.fileExists(atPath: aside.path))
        #expect(try fm.contentsOfDirectory(atPath: folder.path).sorted() == ["d.csv", "out", "two.yaml"])
    }

    @Test("--force replaces the folder in one atomic exchange (renameat2): no moment without results under the name")
    func atomicExchange() throws {
        let fm = FileManager.default
        let folder = TestData.temporaryDirectory()
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        try fm.createDirectory(at: a, withIntermediateDirectories: true)
        try fm.createDirectory(at: b, withIntermediateDirectories: true)
        try "old".write(to: a.appendingPathComponent("x"), atomically: true, encoding: .utf8)
        try "new".write(to: b.appendingPathComponent("y"), atomically: true, encoding: .utf8)
        #if os(Linux)
            #expect(OutputWriter.exchange(b, a))
            #expect(fm.fileExists(atPath: a.appendingPathComponent("y").path) && fm.fileExists(atPath: b.appendingPathComponent("x").path))
        #endif
        #expect(!OutputWriter.exchange(b, folder.appendingPathComponent("missing")))
    }

    @Test("SIGTERM during a run leaves no output or staging folder")
    func terminated() throws {
        let folder = TestData.temporaryDirectory()
        let out = folder.appendingPathComponent("out")
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var bin = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: bin.appendingPathComponent("impact").path) && bin.path != "/" { bin = bin.deletingLastPathComponent() }
        let p = Process()
        p.executableURL = bin.appendingPathComponent("impact")
        p.arguments = ["run", TestData.root.appendingPathComponent("Notebooks/03-california-prop99/analysis.yaml").path, "--out", out.path, "--threads", "1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.3)
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(left.isEmpty, "left behind: \(left)")
    }
}

@Suite("Bad cells are located")
struct BadCellTests {
    @Test("a non-numeric cell in a numeric column is named with its row, line and value, for 'abc', '?' and '1 234' alike")
    func nonNumericCell() throws {
        for bad in ["abc", "?", "1 234"] {
            let folder = TestData.temporaryDirectory()
            let csv = folder.appendingPathComponent("d.csv")
            try "y,x\n1,3.712699\n2,4.5\n3,\(bad.contains(" ") ? "\"\(bad)\"" : bad)\n4,5\n".write(to: csv, atomically: true, encoding: .utf8)
            let text = """
                seed: 1
                data:
                  d: \(csv.path)
                analyses:
                  - name: a
                    method: ols
                    data: d
                    outcome: y
                    covariates: [x]
                """
            #expect {
                _ = try DataLoader.load(try ConfigLoader.parse(text: text, path: folder.appendingPathComponent("c.yaml").path))
            } throws: { error in
                let message = "\(error)"
                return message.contains("row 3 (line 4 of the file) holds '\(bad)'") && message.contains("d.csv") && !message.contains("3.712699")
            }
        }
    }

    @Test("a p-value below 0.001 reads 'p < 0.001' in prose, never 'p = < 0.001'")
    func pClause() {
        let e = EstimationCore.Estimate.wald(estimate: 5, standardError: 0.5, degreesOfFreedom: nil, level: 0.95, inference: .init(kind: .robust))
        let text = Reporting.ReportText.estimate(e).markdown
        #expect(text.contains("p < 0.001") && !text.contains("p = <"))
        // Plain-text prose (warnings) too: the DiD pre-test's warning said "p = < 0.001".
        #expect(Reporting.ReportFormat.pClause(0.0001) == "p < 0.001" && Reporting.ReportFormat.pClause(0.0346) == "p = 0.035")
    }
}

@Suite("validate checks the data before running")
struct ValidateDataTests {
    static let base = """
        seed: 1
        data:
          lalonde: ../Datasets/lalonde_matchit.csv
        analyses:
          - name: a
        """

    @Test("treatment values other than 0/1, negative weights, one cluster, an absent reference level and a reserved name are caught without fitting")
    func dataLevel() throws {
        let cases: [(String, String)] = [
            ("    method: match\n    data: lalonde\n    treatment: educ\n    covariates: [age]", "'educ' must be 0 or 1; row 1 has 11"),
            ("    method: weight\n    data: lalonde\n    treatment: age\n    covariates: [educ]", "'age' must be 0 or 1"),
            ("    method: wls\n    data: lalonde\n    outcome: re78\n    covariates: [age]\n    weights: re75", ""),
            (
                "    method: ols\n    data: lalonde\n    outcome: re78\n    factors: [married]\n    reference: {married: '3'}",
                "reference level '3' of factor 'married' does not occur"
            )
        ]
        for (body, message) in cases {
            let config = try parseExample(Self.base + "\n" + body)
            if message.isEmpty {
                #expect(throws: Never.self) { _ = try DataLoader.load(config) }
            } else {
                #expect { _ = try DataLoader.load(config) } throws: { "\($0)".contains(message) }
            }
        }
        // Negative weights, a single cluster.
        var table = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        try table.addColumn("w", .numeric((0..<table.rowCount).map { $0 == 4 ? -1 : 1 }))
        try table.addColumn("one", .numeric([Double](repeating: 7, count: table.rowCount)))
        let folder = TestData.temporaryDirectory()
        let csv = folder.appendingPathComponent("l.csv")
        var text = "re78,age,w,one\n"
        let re78 = try table.numeric("re78"), age = try table.numeric("age")
        for i in 0..<table.rowCount { text += "\(re78[i]),\(age[i]),\(i == 4 ? -1 : 1),7\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        for (extra, message) in [("    weights: w", "row 5 has -1"), ("    cluster: one", "has 1 cluster")] {
            let yaml =
                "seed: 1\ndata:\n  l: \(csv.path)\nanalyses:\n  - name: a\n    method: ols\n    data: l\n    outcome: re78\n    covariates: [age]\n" + extra
            let config = try ConfigLoader.parse(text: yaml, path: folder.appendingPathComponent("c.yaml").path)
            #expect { _ = try DataLoader.load(config) } throws: { "\($0)".contains(message) }
        }
        #expect {
            try parseExample(Self.base.replacingOccurrences(of: "name: a", with: "name: report.md") + "\n    method: ols\n    data: lalonde\n    outcome: re78")
        } throws: {
            "\($0)".contains("is the name of a file every run writes")
        }
    }
}

@Suite("validate refuses what run would refuse or get wrong")
struct ValidateMoreTests {
    /// A config over one data file written into a fresh folder, with `analysis` as its only analysis.
    static func load(file name: String, contents: String, analysis: String) throws {
        let folder = TestData.temporaryDirectory()
        try contents.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let text = "seed: 1\ndata:\n  d: \(name)\nanalyses:\n  - name: a\n    data: d\n" + analysis
        let config = try ConfigLoader.parse(text: text, path: folder.appendingPathComponent("c.yaml").path)
        _ = try DataLoader.load(config)
    }

    static func refused(_ name: String, _ contents: String, _ analysis: String, _ message: String) {
        #expect { try load(file: name, contents: contents, analysis: analysis) } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a header-only file, an all-missing outcome, infinite cells, and text named .dta")
    func files() {
        let ols = "    method: ols\n    outcome: y\n    covariates: [x]\n"
        Self.refused("h.csv", "y,x\n", ols, "has column names but no rows of data")
        Self.refused("m.csv", "y,x\nNA,1\n,2\nNA,3\n", ols, "column 'y' in 'd' (m.csv) has no values: every one of its 3 cells is missing")
        Self.refused("i.csv", "y,x\n1,1\n2,2\n3,Inf\n4,-Inf\n", ols, "must hold finite numbers, but row 3 holds Inf (2 cells in all are infinite)")
        Self.refused("t.dta", "y,x\n1,2\n3,4\n", ols, "is named as a dta file but holds text")
        Self.refused(
            "o.csv", "y,x\n1,2\n3,4\n", "    method: ols\n    outcome: y\n    covariates: [x, y]\n",
            "'y' is the outcome; it cannot also be on the right-hand side")
        Self.refused("f.csv", "y,x\n1,2\n3,4\n", "    method: ols\n    formula: y ~ x + y\n", "'y' is the outcome; it cannot also be on the right-hand side")
    }

    @Test("a coefficient in wald that the model does not have is named, with the nearest one")
    func waldTerm() {
        var rows = "y,x,g\n"
        for i in 0..<20 { rows += "\(Double(i) * 0.3 + Double(i % 3)),\(i % 7),\(i % 4)\n" }
        Self.refused(
            "w.csv", rows, "    method: ols\n    outcome: y\n    covariates: [x]\n    cluster: g\n    inference: [cr2]\n    wald: [xx]\n",
            "analyses[0].wald[0]: 'xx' is not a coefficient of the model (did you mean 'x'?)")
    }

    @Test("did without never-treated units, a one-donor synthetic control, a zero dose denominator")
    func designs() throws {
        var panel = "u,t,y,g\n"
        for u in 1...4 { for t in 1...4 { panel += "\(u),\(t),\(Double(u * t) / 3),\(u <= 2 ? 2 : 3)\n" } }
        Self.refused("p.csv", panel, "    method: did\n    unit: u\n    time: t\n    outcome: y\n    adoption: g\n", "no unit is never treated")
        var smoking = "state,year,y\n"
        for s in ["A", "B"] { for t in 1...6 { smoking += "\(s),\(t),\(Double(t) + (s == "A" ? 0.5 : 0))\n" } }
        Self.refused(
            "s.csv", smoking, "    method: synth\n    unit: state\n    time: year\n    outcome: y\n    treated: A\n    adoption: 4\n",
            "the donor pool has 1 unit(s) (B); a synthetic control needs at least 2")
        var dose = "y,d,h,x\n"
        for i in 0..<30 { dose += "\(Double(i) / 7),\(i % 9),\(i == 4 ? 0 : 10),\(i % 4)\n" }
        Self.refused(
            "d.csv", dose, "    method: dose\n    estimator: weighting\n    outcome: y\n    dose: d\n    dose_denominator: h\n    covariates: [x]\n",
            "'h' is 0 in row 5")
    }
}
