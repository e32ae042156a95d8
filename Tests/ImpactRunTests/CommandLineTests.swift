import Foundation
import TestSupport
import Testing

@testable import ImpactRun

/// Runs the built `impact` executable (next to the test bundle in `.build/<config>/`).
func runImpact(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = bundle.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("impact").path) && folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    let executable = folder.appendingPathComponent("impact")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "impact executable near \(bundle.path)"])
    }
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    p.currentDirectoryURL = TestData.root
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite("impact command line")
struct CommandLineTests {
    @Test("a misspelt key fails with the key named, non-zero exit, nothing written")
    func misspelledKey() throws {
        let dir = TestData.temporaryDirectory().appendingPathComponent("out")
        let r = try runImpact(["run", TestData.fixture("ImpactRunTests", "misspelled_key.yaml").path, "--out", dir.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("misspelled_key.yaml:10:5: analyses[0].covariate: unknown key 'covariate'"))
        #expect(r.stderr.contains("did you mean 'covariates'?"))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path).isEmpty)
    }

    @Test("progress: the library reports each analysis's start and end; the CLI prints nothing when stderr is not a terminal")
    func progress() throws {
        final class Events: @unchecked Sendable {
            var list: [String] = []
            let lock = NSLock()
            func add(_ s: String) { lock.withLock { list.append(s) } }
        }
        let events = Events()
        let config = try ConfigLoader.load(path: TestData.example("nsw_regression.yaml").path)
        _ = try Runner.run(config, threads: 1) { event in
            switch event {
            case .started(let i, let n, let name, _): events.add("start \(i)/\(n) \(name)")
            case .finished(let i, let n, let name, let seconds, let failed): events.add("end \(i)/\(n) \(name) \(seconds >= 0) \(failed)")
            }
        }
        let n = config.analyses.count
        #expect(events.list.count == 2 * n)
        #expect(events.list.first == "start 1/\(n) \(config.analyses[0].name)")
        #expect(events.list.last == "end \(n)/\(n) \(config.analyses[n - 1].name) true false")
        let dir = TestData.temporaryDirectory().appendingPathComponent("out")
        let r = try runImpact(["run", TestData.example("nsw_regression.yaml").path, "--out", dir.path])
        #expect(r.status == 0 && !r.stderr.contains("[1/"), "\(r.stderr)")
    }

    @Test("a missing input file fails naming the file, non-zero exit, nothing written")
    func missingInput() throws {
        let dir = TestData.temporaryDirectory().appendingPathComponent("out")
        let r = try runImpact(["run", TestData.fixture("ImpactRunTests", "missing_file.yaml").path, "--out", dir.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("Datasets/no_such_file.tsv' does not exist"))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test("validate checks without writing; a missing config file is named")
    func validate() throws {
        let ok = try runImpact(["validate", "Examples/nsw_regression.yaml"])
        #expect(ok.status == 0 && ok.stdout.contains("OK"))
        let missing = try runImpact(["validate", "Examples/nope.yaml"])
        #expect(missing.status != 0 && missing.stderr.contains("Examples/nope.yaml: cannot read config file (no such file)"))
    }

    @Test("run writes results, report, plots and a manifest with input and output hashes; never overwrites without --force")
    func runAndManifest() throws {
        let dir = TestData.temporaryDirectory().appendingPathComponent("nsw")
        let first = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", dir.path])
        #expect(first.status == 0, "\(first.stderr)")
        for f in [
            "results.json", "report.md", "manifest.json", "difference-in-means/coefficients.csv",
            "difference-in-means/coefficients.svg", "adjusted/coefficients.csv"
        ] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        let inputs = manifest["inputs"] as! [[String: Any]]
        #expect(inputs[0]["sha256"] as? String == "c98677daee7f16fda29967d13e74d0ce26b0e98fe80574a03d818cc9a1b1c295")
        #expect(manifest["seed"] as? Int == 20_261_124)
        #expect(
            (manifest["config"] as! [String: Any])["text"] as? String
                == (try String(contentsOf: TestData.example("nsw_regression.yaml"), encoding: .utf8)))
        #expect(((manifest["blas"] as! [String: Any])["library"] as! String).contains("blas"))
        let outputs = manifest["outputs"] as! [[String: Any]]
        let results = try Data(contentsOf: dir.appendingPathComponent("results.json"))
        #expect(outputs.first { $0["path"] as? String == "results.json" }?["sha256"] as? String == Fingerprint.sha256(results))

        // The treatment estimate is in results.json (1.794 in $1000s).
        let doc = try JSONSerialization.jsonObject(with: results) as! [String: Any]
        let first0 = (doc["analyses"] as! [[String: Any]])[0]["result"] as! [String: Any]
        let classical = (first0["coefficients"] as! [String: Any])["classical"] as! [String: Any]
        let tRow = (classical["rows"] as! [[String: Any]]).first { $0["term"] as? String == "t" }!
        #expect(abs((tRow["estimate"] as! Double) - 1.7943430782) < 1e-8)

        // Again without --force: refused, folder untouched.
        let before = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
        let second = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", dir.path])
        #expect(second.status != 0 && second.stderr.contains("already exists"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("manifest.json")) == before)
        // With --force: replaced, and results.json is byte-identical (deterministic).
        let third = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", dir.path, "--force"])
        #expect(third.status == 0)
        #expect(try Data(contentsOf: dir.appendingPathComponent("results.json")) == results)
    }

    /// `--force` must not turn a mistyped `--out` into data loss.
    @Test("--force replaces only earlier ImpactEval results, never a folder holding the config or inputs")
    func forceIsGuarded() throws {
        // A folder of the user's own files.
        let mine = TestData.temporaryDirectory().appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: mine.appendingPathComponent("notes.txt"))
        let a = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", mine.path, "--force"])
        #expect(a.status != 0 && a.stderr.contains("is not an ImpactEval output folder"), "\(a.stderr)")
        #expect(try String(contentsOf: mine.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")
        // The folder holding the config (and, above it, the data): refused even though it exists.
        for out in ["Examples", "."] {
            let b = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", out, "--force"])
            #expect(b.status != 0 && b.stderr.contains("which this run reads"), "\(out): \(b.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: TestData.example("nsw_regression.yaml").path))
        // An empty folder is fine.
        let empty = TestData.temporaryDirectory().appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let c = try runImpact(["run", "Examples/nsw_regression.yaml", "--out", empty.path, "--force"])
        #expect(c.status == 0, "\(c.stderr)")
    }
}
