import Foundation
import TestSupport
import Testing

@testable import ImpactRun

/// The bad-input harness: each case is a config (with its data files) that must fail as a careful
/// user would want — non-zero exit, a message naming the file and the line, row or key and the bad
/// value, no output or staging folder left behind, and the inputs unchanged. Every data-level case
/// is also caught by `impact validate`, which fits nothing.
@Suite("Bad inputs: the harness")
struct BadInputHarnessTests {
    struct Case: Sendable, CustomStringConvertible {
        var label: String
        /// Data files written next to the config (name → bytes).
        var files: [String: [UInt8]] = [:]
        /// The config text; `analysis.yaml` in the case folder.
        var config: String
        /// Fragments the message must contain (file, line/row/key, the bad value).
        var expect: [String]
        /// Extra `impact run` arguments.
        var arguments: [String] = []
        /// Whether `impact validate` must catch it too (false only for run-time failures and CLI flags).
        var validate = true
        /// Prepares the output folder (for the output-folder cases).
        var prepareOutput: (@Sendable (URL) throws -> Void)? = nil
        var description: String { label }
    }

    static let cross = Array(
        """
        id,treat,y,x,w,region,kind
        001,1,5.1,1.0,1,A,a
        002,0,4.2,2.0,1,A,b
        003,1,6.3,1.5,2,A,a
        004,0,3.9,2.5,1,A,b
        005,1,5.8,0.5,1,A,a
        006,0,4.0,3.0,1,A,b
        007,1,6.1,1.2,1,A,a
        008,0,4.4,2.2,1,A,b

        """.utf8)

    static var panel: [UInt8] {
        var text = "unit,year,y,adopt,w\n"
        for u in 1...6 {
            for year in 2001...2004 {
                let adopt = u <= 2 ? 2003 : 0
                text += "u\(u),\(year),\(Double(u) + Double(year - 2000) * 0.5 + (adopt > 0 && year >= adopt ? 1 : 0)),\(adopt),1\n"
            }
        }
        return Array(text.utf8)
    }

    static func config(_ analyses: String, data: String = "  cross: cross.csv\n  panel: panel.csv") -> String {
        "seed: 1\ndata:\n\(data)\nanalyses:\n\(analyses)"
    }

    static let ols = "  - name: a\n    method: ols\n    data: cross\n    outcome: y\n    treatment: treat\n"
    static let study = "  - name: s\n    method: event-study\n    data: panel\n    unit: unit\n    time: year\n    outcome: y\n    adoption: adopt\n"

    static func csv(_ text: String) -> [String: [UInt8]] { ["cross.csv": Array(text.utf8)] }

    static let cases: [Case] = {
        var c: [Case] = []
        // CSV files (line numbers count the header as line 1).
        c.append(
            .init(
                label: "ragged row", files: csv("id,treat,y\n1,1,2\n2,0\n"), config: config(ols), expect: ["cross.csv' line 3: 2 fields, but the header has 3"])
        )
        c.append(
            .init(
                label: "unterminated quote", files: csv("id,treat,y\n1,1,\"2\n"), config: config(ols),
                expect: ["cross.csv'", "starts on line 2 is never closed"]))
        c.append(
            .init(
                label: "text after closing quote", files: csv("id,treat,y\n1,\"1\"x,2\n"), config: config(ols),
                expect: ["cross.csv' line 2, column 'treat': text after a closing quote"]))
        c.append(
            .init(label: "duplicate header", files: csv("id,y,y\n1,1,2\n"), config: config(ols), expect: ["cross.csv'", "names column 'y' more than once"]))
        c.append(.init(label: "empty file", files: csv(""), config: config(ols), expect: ["cross.csv' is empty"]))
        for bad in ["abc", "?", "1 234", "1,5"] {
            let quoted = bad.contains(",") ? "\"\(bad)\"" : bad
            c.append(
                .init(
                    label: "non-numeric outcome \(bad)", files: csv("id,treat,y\n1,1,2\n2,0,\(quoted)\n3,1,4\n"), config: config(ols),
                    expect: ["analysis.yaml:", "analyses[0].outcome", "row 2 (line 3 of the file) holds '\(bad)'"]))
        }
        c.append(
            .init(
                label: "zip file", files: ["cross.csv": [0x50, 0x4B, 0x03, 0x04, 0, 0]], config: config(ols),
                expect: ["cross.csv'", "zip archive or an Excel workbook"]))
        c.append(.init(label: "UTF-16 file", files: ["cross.csv": [0xFF, 0xFE, 0x69, 0, 0x64, 0]], config: config(ols), expect: ["cross.csv'", "binary data"]))
        c.append(
            .init(
                label: "truncated gzip", files: ["cross.csv": [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3, 0x4B]], config: config(ols),
                expect: ["cross.csv'", "gzip-compressed and"]))
        c.append(
            .init(
                label: "declared UTF-8, saved as Latin-1", files: ["cross.csv": Array("id,treat,y\n".utf8) + [0x45, 0xE9] + Array(",1,2\n".utf8)],
                config: config(ols, data: "  cross: {path: cross.csv, encoding: utf-8}"), expect: ["cross.csv'", "line 2 is not valid UTF-8"]))
        c.append(
            .init(
                label: "missing data file", config: config(ols, data: "  cross: nope.csv"),
                expect: ["analysis.yaml:3:", "data.cross", "nope.csv' does not exist"]))
        c.append(.init(label: "data path is a folder", config: config(ols, data: "  cross: ."), expect: ["analysis.yaml:3:", "is a folder"]))
        c.append(
            .init(
                label: "column not found", files: ["cross.csv": cross], config: config(ols.replacingOccurrences(of: "outcome: y", with: "outcome: yy")),
                expect: ["analysis.yaml:9:14", "analyses[0].outcome", "column 'yy'", "did you mean 'y'?"]))
        c.append(
            .init(
                label: "semicolon file with a comma delimiter declared", files: csv("id;treat;y\n1;1;2\n"),
                config: config(ols, data: "  cross: {path: cross.csv, delimiter: ','}"),
                expect: ["analyses[0].outcome", "column 'y' is not in data set 'cross'"]))
        c.append(
            .init(
                label: "time column of text", files: ["panel.csv": Array("unit,year,y,adopt\nu1,a,1,0\nu1,b,2,0\n".utf8)], config: config(study),
                expect: ["analyses[0].time", "holds 'a'"]))
        // YAML.
        c.append(
            .init(label: "YAML syntax", config: "seed: 1\ndata:\n  cross: cross.csv\nanalyses:\n  - name: a\n   method: ols\n", expect: ["analysis.yaml:6:"]))
        c.append(
            .init(label: "unknown top-level key", files: ["cross.csv": cross], config: config(ols) + "colour: blue\n", expect: ["analysis.yaml:", "colour"]))
        c.append(
            .init(
                label: "unknown method", files: ["cross.csv": cross], config: config(ols.replacingOccurrences(of: "method: ols", with: "method: olss")),
                expect: ["analysis.yaml:7:13", "'olss' is not a valid value", "did you mean 'ols'?"]))
        c.append(
            .init(
                label: "missing required key", files: ["cross.csv": cross], config: config("  - name: a\n    method: ols\n    data: cross\n"),
                expect: ["analysis.yaml:", "outcome"]))
        c.append(
            .init(
                label: "misspelt key", files: ["cross.csv": cross], config: config(ols + "    covariate: [x]\n"),
                expect: ["analysis.yaml:11:5", "unknown key 'covariate'", "did you mean 'covariates'?"]))
        c.append(
            .init(
                label: "level as text", files: ["cross.csv": cross], config: config(ols + "    level: high\n"),
                expect: ["analysis.yaml:11:12", "analyses[0].level", "expected a number"]))
        c.append(
            .init(
                label: "level as a percentage", files: ["cross.csv": cross], config: config(ols + "    level: 95\n"),
                expect: ["analysis.yaml:11:12", "analyses[0].level", "got 95"]))
        c.append(
            .init(
                label: "no analyses", files: ["cross.csv": cross], config: "seed: 1\ndata:\n  cross: cross.csv\nanalyses: []\n",
                expect: ["analysis.yaml:", "analyses"]))
        c.append(.init(label: "duplicate analysis names", files: ["cross.csv": cross], config: config(ols + ols), expect: ["analysis.yaml:", "'a'"]))
        c.append(
            .init(
                label: "analysis named report.md", files: ["cross.csv": cross],
                config: config(ols.replacingOccurrences(of: "name: a", with: "name: report.md")), expect: ["analysis.yaml:", "report.md"]))
        c.append(
            .init(
                label: "undeclared data set", files: ["cross.csv": cross], config: config(ols.replacingOccurrences(of: "data: cross", with: "data: crosss")),
                expect: ["analysis.yaml:", "crosss"]))
        c.append(.init(label: "empty config", config: "", expect: ["analysis.yaml", "empty"]))
        c.append(
            .init(
                label: "inference a method lacks", files: ["cross.csv": cross], config: config(ols + "    inference: placebo\n"),
                expect: ["analysis.yaml:11:16", "'placebo' is not available"]))
        c.append(
            .init(
                label: "sensitivity with a misspelt key", files: ["panel.csv": panel], config: config(study + "    sensitivity: {relative_magnitude: [1]}\n"),
                expect: ["analysis.yaml:", "relative_magnitude", "did you mean 'relative_magnitudes'?"]))
        c.append(
            .init(
                label: "sensitivity with a negative bound", files: ["panel.csv": panel], config: config(study + "    sensitivity: {smoothness: [-0.1]}\n"),
                expect: ["analysis.yaml:", "-0.1"]))
        c.append(
            .init(
                label: "did sampling misspelt", files: ["panel.csv": panel],
                config: config(study.replacingOccurrences(of: "event-study", with: "did") + "    sampling: unbalanced\n"),
                expect: ["analysis.yaml:", "unbalanced"]))
        c.append(
            .init(
                label: "did replications too few", files: ["panel.csv": panel],
                config: config(study.replacingOccurrences(of: "event-study", with: "did") + "    replications: 10\n"),
                expect: ["analysis.yaml:", "replications", "at least 99"]))
        c.append(
            .init(
                label: "event-study window without the reference", files: ["panel.csv": panel], config: config(study + "    window: [0, 2]\n"),
                expect: ["analysis.yaml:", "window", "reference period -1"]))
        c.append(
            .init(
                label: "negative anticipation", files: ["panel.csv": panel],
                config: config(study.replacingOccurrences(of: "event-study", with: "did") + "    anticipation: -1\n"),
                expect: ["analysis.yaml:", "anticipation", "0 or more"]))
        c.append(
            .init(
                label: "delimiter not allowed", files: ["cross.csv": cross], config: config(ols, data: "  cross: {path: cross.csv, delimiter: ':'}"),
                expect: ["analysis.yaml:", "':'"]))
        c.append(
            .init(
                label: "unknown encoding", files: ["cross.csv": cross], config: config(ols, data: "  cross: {path: cross.csv, encoding: ebcdic}"),
                expect: ["analysis.yaml:", "ebcdic"]))
        c.append(
            .init(
                label: "seed as text", files: ["cross.csv": cross], config: config(ols).replacingOccurrences(of: "seed: 1", with: "seed: one"),
                expect: ["analysis.yaml:1:", "seed"]))
        // Data-level problems that need no fitting (validate catches each).
        let match = "  - name: m\n    method: match\n    data: cross\n    treatment: kind\n    covariates: [x]\n    outcome: y\n"
        c.append(
            .init(label: "treatment not 0/1", files: ["cross.csv": cross], config: config(match), expect: ["analysis.yaml:", "analyses[0].treatment", "kind"]))
        c.append(
            .init(
                label: "one cluster", files: ["cross.csv": cross], config: config(ols + "    cluster: region\n    inference: cr1\n"),
                expect: ["analysis.yaml:11:14", "analyses[0].cluster", "'region' has 1 cluster"]))
        c.append(
            .init(
                label: "negative weights", files: csv("id,treat,y,w\n1,1,2,1\n2,0,3,-1\n3,1,4,1\n4,0,2,1\n"),
                config: config(ols.replacingOccurrences(of: "method: ols", with: "method: wls") + "    weights: w\n"),
                expect: ["analysis.yaml:", "weights", "-1"]))
        c.append(
            .init(
                label: "duplicate unit-period rows", files: ["panel.csv": Array("unit,year,y,adopt\nu1,2001,1,0\nu1,2001,2,0\n".utf8)], config: config(study),
                expect: ["analysis.yaml:", "u1", "2001"]))
        c.append(
            .init(
                label: "absent reference level", files: ["cross.csv": cross], config: config(ols + "    factors: [kind]\n    reference: {kind: c}\n"),
                expect: ["analysis.yaml:", "reference level 'c'", "kind"]))
        c.append(
            .init(
                label: "one-level factor", files: ["cross.csv": cross], config: config(ols + "    factors: [region]\n"),
                expect: ["analysis.yaml:", "analyses[0].factors[0]", "factor 'region' has one level ('A')"]))
        let synth =
            "  - name: sc\n    method: synth\n    data: panel\n    unit: unit\n    time: year\n    outcome: y\n    treated: u9\n    adoption: 2003\n"
        c.append(
            .init(label: "synth treated unit absent", files: ["panel.csv": panel], config: config(synth), expect: ["analysis.yaml:", "'u9'", "did you mean"]))
        c.append(
            .init(
                label: "synth treatment time outside the data", files: ["panel.csv": panel],
                config: config(synth.replacingOccurrences(of: "u9", with: "u1").replacingOccurrences(of: "2003", with: "2010")),
                expect: ["analysis.yaml:", "adoption", "2010"]))
        let scpi = synth.replacingOccurrences(of: "u9", with: "u1") + "    inference: prediction-intervals\n"
        c.append(
            .init(
                label: "prediction intervals without outcome-only weights", files: ["panel.csv": panel], config: config(scpi),
                expect: ["analysis.yaml:", "analyses[0].inference", "set 'predictor_weights: outcome-only'"]))
        c.append(
            .init(
                label: "prediction intervals with a bad rho", files: ["panel.csv": panel],
                config: config(scpi + "    predictor_weights: outcome-only\n    rho: -1\n"),
                expect: ["analysis.yaml:", "rho", "positive number", "-1"]))
        c.append(
            .init(
                label: "did on an unbalanced panel",
                files: ["panel.csv": Array("unit,year,y,adopt\nu1,2001,1,2002\nu1,2002,2,2002\nu2,2001,1,0\nu2,2002,1,0\nu3,2001,1,0\n".utf8)],
                config: config(study.replacingOccurrences(of: "event-study", with: "did")), expect: ["analysis.yaml:", "sampling", "unbalanced-panel"]))
        c.append(
            .init(
                label: "adoption varies within a unit",
                files: ["panel.csv": Array("unit,year,y,adopt\nu1,2001,1,2002\nu1,2002,2,2003\nu2,2001,1,0\nu2,2002,1,0\n".utf8)], config: config(study),
                expect: ["analysis.yaml:", "adoption", "u1"]))
        c.append(
            .init(
                label: "sensitivity covariance of the wrong size", files: ["cross.csv": Array("b,v1\n0.1,1\n0.2,1\n".utf8)],
                config: config("  - name: h\n    method: sensitivity\n    data: cross\n    estimate: b\n    covariance: [v1]\n    preperiods: 1\n"),
                expect: ["analysis.yaml:", "covariance", "names 1 columns but 'cross' has 2"]))
        c.append(
            .init(
                label: "sensitivity with a missing covariance cell", files: ["cross.csv": Array("b,v1,v2\n0.1,1,\n0.2,0,1\n".utf8)],
                config: config("  - name: h\n    method: sensitivity\n    data: cross\n    estimate: b\n    covariance: [v1, v2]\n    preperiods: 1\n"),
                expect: ["analysis.yaml:", "covariance[1]", "row 1"]))
        c.append(
            .init(
                label: "sensitivity with a reference other than -1", files: ["panel.csv": panel],
                config: config(study + "    reference_period: -2\n    sensitivity: {relative_magnitudes: [1]}\n"),
                expect: ["analysis.yaml:", "sensitivity", "reference_period: -1"]))
        c.append(
            .init(
                label: "the event study's old 'reference' key", files: ["panel.csv": panel], config: config(study + "    reference: -2\n"),
                expect: ["analysis.yaml:", "'reference' is spelled 'reference_period' since ImpactEval 0.3"]))
        c.append(
            .init(
                label: "sensitivity on a varying base period", files: ["panel.csv": panel],
                config: config(study.replacingOccurrences(of: "event-study", with: "did") + "    sensitivity: {relative_magnitudes: [1]}\n"),
                expect: ["analysis.yaml:", "base_period: universal"]))
        c.append(
            .init(
                label: "unit column missing for a panel", files: ["panel.csv": panel],
                config: config(study.replacingOccurrences(of: "event-study", with: "did").replacingOccurrences(of: "    unit: unit\n", with: "")),
                expect: ["analysis.yaml:", "unit"]))
        // Data preparation: joins, filters, derived columns, and model formulas.
        func prepared(_ steps: String, regions: String? = nil) -> String {
            config(ols, data: (regions == nil ? "" : "  regions: regions.csv\n") + "  cross:\n    path: cross.csv\n    prepare:\n" + steps)
        }
        let regions = { (text: String) -> [String: [UInt8]] in ["cross.csv": cross, "regions.csv": Array(text.utf8)] }
        c.append(
            .init(
                label: "join with unmatched keys", files: regions("region,size\nB,1\n"),
                config: prepared("      - join: regions\n        by: [region]\n", regions: ""),
                expect: [
                    "analysis.yaml:7:15", "data.cross.prepare[0].join", "cross.csv", "8 of 8 rows have no match in 'regions'",
                    "row 1 (line 2 of the file) with key (A)", "unmatched: drop"
                ]))
        c.append(
            .init(
                label: "join with a repeated key", files: regions("region,size\nA,1\nA,2\n"),
                config: prepared("      - join: regions\n        by: [region]\n", regions: ""),
                expect: ["analysis.yaml:7:15", "'regions' has more than one row for the key (A) (rows 1 and 2"]))
        c.append(
            .init(
                label: "join of a data set declared below", files: regions("region,size\nA,1\n"),
                config: config(ols, data: "  cross:\n    path: cross.csv\n    prepare:\n      - join: regions\n        by: [region]\n  regions: regions.csv"),
                expect: ["analysis.yaml:6:15", "'regions' is declared after 'cross'"]))
        c.append(
            .init(
                label: "join of a data set that cannot be read", files: ["cross.csv": cross],
                config: prepared("      - join: regions\n        by: [region]\n", regions: ""),
                expect: ["regions.csv' does not exist", "analysis.yaml:7:15", "data set 'regions' could not be read (see its error)"]))
        c.append(
            .init(
                label: "join keyed 'on'", files: regions("region,size\nA,1\n"),
                config: prepared("      - join: regions\n        on: [region]\n", regions: ""),
                expect: ["analysis.yaml:8:9", "unknown key 'on'", "key columns are listed under 'by'"]))
        c.append(
            .init(
                label: "filter that removes every row", files: ["cross.csv": cross], config: prepared("      - filter: x > 100\n"),
                expect: ["analysis.yaml:6:17", "data.cross.prepare[0].filter", "keeps none of the 8 rows"]))
        c.append(
            .init(
                label: "filter comparing text with a number", files: ["cross.csv": cross], config: prepared("      - filter: region == 1\n"),
                expect: ["analysis.yaml:6:27", "'1' is a number, but 'region' is text"]))
        c.append(
            .init(
                label: "derived column naming a missing column", files: ["cross.csv": cross], config: prepared("      - derive:\n          z: log(xx) + 1\n"),
                expect: ["analysis.yaml:7:18", "data.cross.prepare[0].derive.z", "no column named 'xx' (did you mean 'x'?)", "    log(xx) + 1\n        ^^"]))
        c.append(
            .init(
                label: "malformed expression", files: ["cross.csv": cross], config: prepared("      - derive:\n          z: \"x +* 2\"\n"),
                expect: ["analysis.yaml:7:18", "unexpected '*' where a value was expected"]))
        c.append(
            .init(
                label: "derived column overwriting one", files: ["cross.csv": cross], config: prepared("      - derive:\n          x: x * 2\n"),
                expect: ["analysis.yaml:7:14", "data.cross.prepare[0].derive.x", "already has a column 'x'"]))
        c.append(
            .init(
                label: "lag without a panel", files: ["cross.csv": cross], config: prepared("      - derive:\n          z: lag(x)\n"),
                expect: ["analysis.yaml:7:14", "need the data set's 'unit' and 'time' columns"]))
        c.append(
            .init(
                label: "two steps in one item", files: ["cross.csv": cross], config: prepared("      - filter: x > 0\n        derive: {z: x}\n"),
                expect: ["analysis.yaml:6:9", "one step per list item"]))
        c.append(
            .init(
                label: "malformed formula", files: ["cross.csv": cross],
                config: config("  - name: a\n    method: ols\n    data: cross\n    formula: y ~ treat + + x\n"),
                expect: ["analysis.yaml:9:26", "analyses[0].formula", "expected a column name at character 13, found '+'"]))
        // Output folders and command-line flags.
        c.append(
            .init(
                label: "output folder exists", files: ["cross.csv": cross], config: config(ols), expect: ["exists"], validate: false,
                prepareOutput: { try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: true) }))
        c.append(
            .init(
                label: "--force on a folder the tool did not write", files: ["cross.csv": cross], config: config(ols),
                expect: ["is not an ImpactEval output folder", "Nothing was written"], arguments: ["--force"],
                validate: false,
                prepareOutput: {
                    try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: true)
                    try Data("mine".utf8).write(to: $0.appendingPathComponent("notes.txt"))
                }))
        c.append(
            .init(
                label: "output path is a file", files: ["cross.csv": cross], config: config(ols), expect: ["out"], validate: false,
                prepareOutput: { try Data("x".utf8).write(to: $0) }))
        c.append(
            .init(
                label: "--only names no analysis", files: ["cross.csv": cross], config: config(ols), expect: ["nope"], arguments: ["--only", "nope"],
                validate: false))
        c.append(
            .init(label: "--threads 0", files: ["cross.csv": cross], config: config(ols), expect: ["threads"], arguments: ["--threads", "0"], validate: false))
        c.append(.init(label: "unknown flag", files: ["cross.csv": cross], config: config(ols), expect: ["--colour"], arguments: ["--colour"], validate: false))
        return c
    }()

    @Test("every bad input fails with the file and location named, leaves nothing behind and changes no input", arguments: cases)
    func badInput(_ c: Case) throws {
        let folder = TestData.temporaryDirectory()
        let defaults: [String: [UInt8]] = ["cross.csv": Self.cross, "panel.csv": Self.panel]
        for (name, bytes) in defaults.merging(c.files, uniquingKeysWith: { $1 }) {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        let configURL = folder.appendingPathComponent("analysis.yaml")
        try Data(c.config.utf8).write(to: configURL)
        let out = folder.appendingPathComponent("out")
        try c.prepareOutput?(out)
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != "out" {
                let url = folder.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[name] = try Data(contentsOf: url)
                }
            }
            return files
        }
        let before = try snapshot()
        let outBefore = try? FileManager.default.contentsOfDirectory(atPath: out.path)
        let r = try runImpact(["run", configURL.path, "--out", out.path] + c.arguments)
        #expect(r.status != 0, "\(c.label): exit status 0")
        for fragment in c.expect {
            #expect(r.stderr.contains(fragment), "\(c.label): '\(fragment)' not in: \(r.stderr)")
        }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("NSCocoaErrorDomain"), "\(c.label): \(r.stderr)")
        // Nothing left behind: no new output, no staging folder, inputs byte for byte as they were.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: out.path)) == outBefore, "\(c.label): output changed")
        let staging = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".partial") }
        #expect(staging.isEmpty, "\(c.label): staging left: \(staging)")
        #expect(try snapshot() == before, "\(c.label): an input changed")
        if c.validate {
            let v = try runImpact(["validate", configURL.path])
            #expect(v.status != 0, "\(c.label): validate passed it")
            for fragment in c.expect { #expect(v.stderr.contains(fragment), "\(c.label): validate: '\(fragment)' not in: \(v.stderr)") }
        }
    }

    @Test("the harness has at least 60 bad inputs")
    func size() { #expect(Self.cases.count >= 60, "\(Self.cases.count) cases") }
}
