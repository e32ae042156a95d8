import Foundation
import LinearAlgebra
import Yams

/// `impact verify RUN_DIR`: re-runs a finished run from its manifest and says whether it reproduces.
///
/// The check, in order:
/// 1. every output file the manifest lists is still in the folder with its recorded SHA-256;
/// 2. the config file, if still where it was, still holds the text run (otherwise each setting that
///    changed is named, with its value then and now; the re-run uses the recorded text);
/// 3. every input file still has its recorded SHA-256 (otherwise the file and both hashes are named;
///    the re-run reads the file as it is now);
/// 4. the recorded config is run again with the recorded seed, threads and command, and every output
///    is compared with the recorded hash; where `results.json` differs, the numbers that differ are
///    named by their JSON path, with both values.
///
/// Where the re-run's software differs from the run's (ImpactEval version, BLAS library or kernel,
/// platform), the report says so in its notes, whether or not anything differs: floating-point
/// results through another BLAS kernel can differ in their last digits, and an optimisation that
/// stops at an evaluation cap (the nested-V synthetic control's V search) can end elsewhere.
public enum Verifier {
    /// One way a run does not reproduce.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// An output file edited or missing since the run.
            case outputFile = "output file"
            /// A setting changed in the config file since the run.
            case setting
            /// An input whose SHA-256 changed.
            case input
            /// An output the re-run does not reproduce.
            case result
        }
        public let kind: Kind
        public let message: String
        public var description: String { "\(kind.rawValue): \(message)" }
    }

    public struct Report: Sendable {
        /// Output files re-created with their recorded SHA-256.
        public let identicalFiles: [String]
        public let differences: [Difference]
        /// How the software of the re-run differs from the run's (context, not differences).
        public var notes: [String] = []
        public var isIdentical: Bool { differences.isEmpty }
    }

    /// The parts of `manifest.json` a verification reads.
    struct RecordedManifest: Decodable {
        struct Config: Decodable {
            let path: String
            let sha256: String
            let text: String
        }
        struct Input: Decodable {
            let name: String
            let path: String
            let sha256: String
        }
        struct Output: Decodable {
            let path: String
            let sha256: String
        }
        struct BLAS: Decodable {
            let library: String
            let configuration: String
            let core: String
        }
        let impactEvalVersion: String?
        let blas: BLAS?
        let platform: String?
        let command: [String]
        let config: Config
        let seed: UInt64
        let threads: Int
        let inputs: [Input]
        let outputs: [Output]
    }

    public struct VerifyError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Verifies the run in `directory` (a folder `impact run` wrote).
    public static func verify(runDirectory directory: URL) throws -> Report {
        let manifestURL = directory.appendingPathComponent("manifest.json")
        guard let manifestData = try? Data(contentsOf: manifestURL) else {
            throw VerifyError(description: "\(manifestURL.path): no manifest (is this a folder written by 'impact run'?)")
        }
        let manifest: RecordedManifest
        do { manifest = try JSONDecoder().decode(RecordedManifest.self, from: manifestData) } catch {
            throw VerifyError(description: "\(manifestURL.path): not an ImpactEval manifest (\(error))")
        }
        var differences: [Difference] = []

        // 1. The outputs in the folder against the manifest.
        for output in manifest.outputs {
            let url = directory.appendingPathComponent(output.path)
            guard let data = try? Data(contentsOf: url) else {
                differences.append(.init(kind: .outputFile, message: "\(output.path) is listed in the manifest but missing from \(directory.path)"))
                continue
            }
            let hash = Fingerprint.sha256(data)
            if hash != output.sha256 {
                differences.append(
                    .init(
                        kind: .outputFile,
                        message: "\(output.path) was changed after the run (SHA-256 \(short(output.sha256)) in the manifest, \(short(hash)) now)"))
            }
        }

        // 2. The config file now against the text run.
        if let now = try? String(contentsOfFile: manifest.config.path, encoding: .utf8), now != manifest.config.text {
            let changes = settingChanges(from: manifest.config.text, to: now)
            if changes.isEmpty {
                differences.append(.init(kind: .setting, message: "\(manifest.config.path) changed since the run (layout or comments only)"))
            }
            for c in changes { differences.append(.init(kind: .setting, message: "\(manifest.config.path): \(c) (the re-run uses the config as run)")) }
        }

        // 3. and 4. The recorded config, run again on the inputs as they are now.
        var config: Config
        do { config = try ConfigLoader.parse(text: manifest.config.text, path: manifest.config.path) } catch {
            throw VerifyError(description: "the config recorded in the manifest no longer parses: \(error)")
        }
        for (k, spec) in config.data.enumerated() {
            if let recorded = manifest.inputs.first(where: { $0.name == spec.name }) { config.data[k].url = URL(fileURLWithPath: recorded.path) }
        }
        let loaded: [String: LoadedData]
        do { loaded = try DataLoader.load(config, threads: manifest.threads) } catch {
            differences.append(.init(kind: .input, message: "the inputs cannot be read as the run read them: \(error)"))
            return Report(identicalFiles: [], differences: differences, notes: environmentNotes(manifest))
        }
        for input in manifest.inputs {
            guard let now = loaded[input.name] else { continue }
            if now.sha256 != input.sha256 {
                differences.append(
                    .init(
                        kind: .input,
                        message: "'\(input.name)' (\(input.path)) has changed: SHA-256 \(short(input.sha256)) in the manifest, \(short(now.sha256)) now"))
            }
        }
        let only = onlyArguments(manifest.command)
        let output = try Runner.run(config, threads: manifest.threads, only: only)
        let files = try OutputWriter.render(output, command: manifest.command, threads: manifest.threads)
        let recorded = Dictionary(manifest.outputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        var identical: [String] = []
        for (path, data) in files where path != "manifest.json" {
            guard let hash = recorded[path] else {
                differences.append(.init(kind: .result, message: "the re-run writes \(path), which the run did not"))
                continue
            }
            if Fingerprint.sha256(data) == hash {
                identical.append(path)
            } else if path == "results.json", let old = try? Data(contentsOf: directory.appendingPathComponent(path)), Fingerprint.sha256(old) == hash {
                let numbers = numberDifferences(old, data)
                if numbers.isEmpty {
                    differences.append(.init(kind: .result, message: "results.json differs from the run's (no number differs)"))
                }
                for n in numbers.prefix(20) { differences.append(.init(kind: .result, message: n)) }
                if numbers.count > 20 { differences.append(.init(kind: .result, message: "… and \(numbers.count - 20) more numbers in results.json")) }
            } else {
                differences.append(.init(kind: .result, message: "\(path) differs from the run's"))
            }
        }
        let written = Set(files.map(\.0))
        for path in recorded.keys.sorted() where !written.contains(path) && path != "manifest.json" {
            differences.append(.init(kind: .result, message: "the run wrote \(path), the re-run does not"))
        }
        return Report(identicalFiles: identical, differences: differences, notes: environmentNotes(manifest))
    }

    /// How the recorded run's software differs from this process's: ImpactEval's version, the BLAS
    /// library, its build and kernel, and the platform (each only when recorded).
    static func environmentNotes(_ manifest: RecordedManifest) -> [String] {
        var notes: [String] = []
        if let version = manifest.impactEvalVersion, version != ImpactEvalVersion.string {
            notes.append("the run used ImpactEval \(version); this is \(ImpactEvalVersion.string)")
        }
        if let blas = manifest.blas {
            var changed: [String] = []
            if blas.library != BLASLibrary.path { changed.append("library \(blas.library) then, \(BLASLibrary.path) now") }
            if blas.core != BLASLibrary.coreName { changed.append("kernel \(blas.core) then, \(BLASLibrary.coreName) now") }
            if blas.configuration != BLASLibrary.configuration && blas.library == BLASLibrary.path {
                changed.append("build '\(blas.configuration)' then, '\(BLASLibrary.configuration)' now")
            }
            if !changed.isEmpty {
                notes.append(
                    "BLAS differs from the run's (\(changed.joined(separator: "; "))): numbers computed through it can differ in their last "
                        + "digits, and a nested-V synthetic control, whose V search stops at its evaluation cap, can end at other weights")
            }
        }
        let platform = ProcessInfo.processInfo.operatingSystemVersionString
        if let recorded = manifest.platform, recorded != platform { notes.append("the run was on \(recorded); this is \(platform)") }
        return notes
    }

    static func short(_ hash: String) -> String { String(hash.prefix(12)) + "…" }

    /// The analyses named after `--only` in a recorded command (nil: all).
    static func onlyArguments(_ command: [String]) -> [String]? {
        guard let k = command.firstIndex(of: "--only") else { return nil }
        let names = command[(k + 1)...].prefix { !$0.hasPrefix("-") }
        return names.isEmpty ? nil : Array(names)
    }

    /// The settings that differ between two config texts, as `path: value then → value now`.
    static func settingChanges(from old: String, to new: String) -> [String] {
        guard let a = try? Yams.compose(yaml: old), let b = try? Yams.compose(yaml: new) else {
            return ["the config file no longer parses as YAML"]
        }
        var out: [String] = []
        func render(_ n: Node?) -> String {
            guard let n else { return "(absent)" }
            if let s = n.scalar?.string { return s }
            return (try? Yams.serialize(node: n).trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")) ?? "…"
        }
        func walk(_ x: Node?, _ y: Node?, _ path: String) {
            switch (x, y) {
            case (.mapping(let m)?, .mapping(let n)?):
                var keys: [String] = []
                for (k, _) in m { if let s = k.string, !keys.contains(s) { keys.append(s) } }
                for (k, _) in n { if let s = k.string, !keys.contains(s) { keys.append(s) } }
                for k in keys { walk(m[Node(k)], n[Node(k)], path.isEmpty ? k : "\(path).\(k)") }
            case (.sequence(let s)?, .sequence(let t)?):
                for i in 0..<max(s.count, t.count) {
                    walk(i < s.count ? s[i] : nil, i < t.count ? t[i] : nil, "\(path)[\(i)]")
                }
            default:
                if render(x) != render(y) { out.append("\(path) was \(render(x)) in the run, is \(render(y)) now") }
            }
        }
        walk(a, b, "")
        return out
    }

    /// A JSON scalar as text; numbers in Swift's shortest round-trip form.
    static func text(_ value: Any?) -> String {
        guard let value else { return "(absent)" }
        if let s = value as? String { return "\"\(s)\"" }
        if let n = value as? NSNumber {
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        }
        return "\(value)"
    }

    /// The numbers (and other scalars) that differ between two `results.json` documents, by JSON path.
    static func numberDifferences(_ old: Data, _ new: Data) -> [String] {
        guard let a = try? JSONSerialization.jsonObject(with: old), let b = try? JSONSerialization.jsonObject(with: new) else {
            return ["results.json could not be read as JSON"]
        }
        var out: [String] = []
        func walk(_ x: Any?, _ y: Any?, _ path: String) {
            switch (x, y) {
            case (let m as [String: Any], let n as [String: Any]):
                for k in Set(m.keys).union(n.keys).sorted() { walk(m[k], n[k], path.isEmpty ? k : "\(path).\(k)") }
            case (let s as [Any], let t as [Any]):
                for i in 0..<max(s.count, t.count) { walk(i < s.count ? s[i] : nil, i < t.count ? t[i] : nil, "\(path)[\(i)]") }
            default:
                let l = text(x), r = text(y)
                if l != r { out.append("\(path) was \(l) in the run, is \(r) in the re-run") }
            }
        }
        walk(a, b, "")
        return out
    }
}
