import Foundation
import TestSupport
import Testing

@testable import ImpactRun

/// `impact verify`: a finished run re-run from its manifest.
@Suite("Verify a finished run")
struct VerifyTests {
    /// A run of the NSW example on a private copy of its data, in a fresh folder: (folder, config, data).
    static func finishedRun() throws -> (run: URL, config: URL, data: URL) {
        let dir = TestData.temporaryDirectory()
        let data = dir.appendingPathComponent("nsw.tsv")
        try FileManager.default.copyItem(at: TestData.dataset("nsw_dehejia_wahba_445.tsv"), to: data)
        let text = try String(contentsOf: TestData.example("nsw_regression.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../Datasets/nsw_dehejia_wahba_445.tsv", with: "nsw.tsv")
        let config = dir.appendingPathComponent("study.yaml")
        try Data(text.utf8).write(to: config)
        let run = dir.appendingPathComponent("results")
        let output = try Runner.run(try ConfigLoader.load(path: config.path), threads: 2)
        _ = try OutputWriter.write(output, to: run, force: false, command: ["impact", "run", config.path], threads: 2)
        return (run, config, data)
    }

    @Test("an untouched run reproduces every output file")
    func identical() throws {
        let (run, _, _) = try Self.finishedRun()
        let report = try Verifier.verify(runDirectory: run)
        #expect(report.isIdentical, "\(report.differences)")
        #expect(report.identicalFiles.contains("results.json") && report.identicalFiles.contains("report.html") && report.identicalFiles.count == 8)
        #expect(report.notes.isEmpty, "\(report.notes)")
    }

    @Test("a run recorded with another BLAS kernel, version and platform: each is noted, and the outputs are still compared")
    func otherEnvironment() throws {
        let (run, _, _) = try Self.finishedRun()
        let url = run.appendingPathComponent("manifest.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var blas = try #require(manifest["blas"] as? [String: Any])
        let core = try #require(blas["core"] as? String)
        blas["core"] = "Prescott"
        manifest["blas"] = blas
        manifest["impactEvalVersion"] = "0.0.1"
        manifest["platform"] = "Another OS 1.0"
        try JSONSerialization.data(withJSONObject: manifest).write(to: url)
        let report = try Verifier.verify(runDirectory: run)
        #expect(report.isIdentical, "\(report.differences)")
        #expect(report.notes.count == 3, "\(report.notes)")
        #expect(report.notes.contains { $0.hasPrefix("BLAS differs from the run's (kernel Prescott then, \(core) now)") })
        #expect(report.notes.contains("the run used ImpactEval 0.0.1; this is \(ImpactEvalVersion.string)"))
        #expect(report.notes.contains { $0.hasPrefix("the run was on Another OS 1.0; this is ") })
        let command = try runImpact(["verify", run.path])
        #expect(command.status == 0 && command.stdout.contains("note: BLAS differs from the run's"), "\(command)")
    }

    @Test("one byte of the input changed: the file and both hashes are named, and the numbers that moved")
    func changedInput() throws {
        let (run, _, data) = try Self.finishedRun()
        var bytes = try Data(contentsOf: data)
        let row = bytes.firstIndex(of: 0x0A)! + 1
        bytes[row] = bytes[row] == UInt8(ascii: "7") ? UInt8(ascii: "8") : UInt8(ascii: "7") // the first earnings figure
        try bytes.write(to: data)
        let report = try Verifier.verify(runDirectory: run)
        let input = try #require(report.differences.first { $0.kind == .input })
        #expect(input.message.contains("'nsw' (\(data.path)) has changed: SHA-256"))
        #expect(report.differences.contains { $0.kind == .result && $0.message.hasPrefix("analyses[0].result.coefficients.classical.rows[0].estimate was") })
    }

    @Test("a setting changed in the config file is named with both values; an edited output is caught")
    func changedSettingAndOutput() throws {
        let (run, config, _) = try Self.finishedRun()
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "inference: [hc1, hc3]", with: "inference: [hc1, hc2]")
        try Data(text.utf8).write(to: config)
        var report = try Verifier.verify(runDirectory: run)
        #expect(
            report.differences.map(\.description) == [
                "setting: \(config.path): analyses[1].inference[1] was hc3 in the run, is hc2 now (the re-run uses the config as run)"
            ])
        let csv = run.appendingPathComponent("adjusted/coefficients.csv")
        try Data((try String(contentsOf: csv, encoding: .utf8) + "\n").utf8).write(to: csv)
        report = try Verifier.verify(runDirectory: run)
        #expect(report.differences.contains { $0.kind == .outputFile && $0.message.hasPrefix("adjusted/coefficients.csv was changed after the run") })
    }

    @Test("impact verify exits 0 when identical and 1 naming the difference otherwise")
    func commandLine() throws {
        let (run, _, data) = try Self.finishedRun()
        let ok = try runImpact(["verify", run.path])
        #expect(ok.status == 0 && ok.stdout.contains("identical — 8 output files"), "\(ok)")
        try Data((try String(contentsOf: data, encoding: .utf8) + "\n").utf8).write(to: data)
        let changed = try runImpact(["verify", run.path])
        #expect(changed.status == 1 && changed.stdout.contains("input: 'nsw'"), "\(changed)")
        let missing = try runImpact(["verify", run.deletingLastPathComponent().path])
        #expect(missing.status == 1 && missing.stderr.contains("no manifest"))
    }
}
