import Foundation
import Reporting

/// An error writing a run's output folder. Nothing is left half-written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// `results.json`: the machine-readable results of a run.
///
/// Schema `impacteval/results/v2`:
/// ```
/// { "schema": "impacteval/results/v2", "impactEvalVersion": "0.2.0", "title": "…" | null,
///   "config": "analysis.yaml", "seed": 1,
///   "analyses": [ { "name": "…", "method": "ols", "data": "nsw", "folder": "…",
///                   "files": ["…/coefficients.csv", "…/coefficients.svg"], "warnings": ["…"],
///                   "result": { …method-specific, see README… } } ] }
/// ```
/// Every estimate with uncertainty in a result is an `Estimate` object (see the README's
/// "results.json" section for the changes from v1).
/// Keys are sorted; non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity".
struct ResultsDocument: Encodable {
    struct Entry: Encodable {
        let name: String
        let method: String
        let data: String
        let folder: String
        let files: [String]
        let warnings: [String]
        let result: AnyResult
    }
    /// A method's typed result, encoded as itself.
    struct AnyResult: Encodable {
        let value: any Encodable & Sendable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }
    /// The run's title, written as `null` when there is none.
    struct Title: Encodable {
        let value: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let value { try c.encode(value) } else { try c.encodeNil() }
        }
    }
    var schema = "impacteval/results/v2"
    var impactEvalVersion = ImpactEvalVersion.string
    let title: Title
    let config: String
    let seed: UInt64
    let analyses: [Entry]
    /// Analyses that failed, with their errors.
    let failed: [RunError]
}

/// Writes a run's outputs: `results.json`, `report.md`, one folder per analysis with its CSV tables and
/// SVG plots, and `manifest.json` (written last, with the SHA-256 of every other file).
///
/// Everything is written into a temporary sibling folder and renamed into
/// place at the end, so an existing folder is never partly overwritten; an
/// existing folder is replaced only with `force`, and only if it holds earlier ImpactEval results (see
/// `checkReplaceable`).
public enum OutputWriter {
    /// The staging folder being written, if any, so that a signal handler can remove it.
    public static let staging = StagingRegister()

    /// Removes the staging folder on SIGINT and SIGTERM, then exits with 128 + the signal number.
    /// Call once at start-up (the `impact` command does).
    public static func removeStagingOnSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let committed = staging.abandon()
                let message =
                    committed ? "interrupted after the results were in place; the previous results were removed\n" : "interrupted; nothing was written\n"
                FileHandle.standardError.write(Data(message.utf8))
                exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }
    nonisolated(unsafe) static var signalSources: [any DispatchSourceSignal] = []

    /// Every check on the output folder that needs no results, run before any computing: an existing
    /// folder without `force`, a file in its place, `--force` on a folder that is not earlier output or
    /// holds the config or an input, and a parent folder that cannot be created or written. Call `tidy`
    /// first (the `impact` command does, and prints its notes even when these checks fail).
    public static func preflight(_ directory: URL, force: Bool, config: Config) throws {
        let fm = FileManager.default
        let target = directory.standardizedFileURL
        let parent = target.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: target.path, isDirectory: &isDirectory)
        if exists && !force {
            throw OutputError(
                message: "output folder '\(target.path)' already exists; nothing was written. Use --force to replace it or --out to choose another folder")
        }
        if exists && !isDirectory.boolValue {
            throw OutputError(message: "'\(target.path)' exists and is not a folder; nothing was written")
        }
        if exists { try checkReplaceable(target, protected: [URL(fileURLWithPath: config.path)] + config.data.map(\.url)) }
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw OutputError(message: "cannot create '\(parent.path)': \(error.localizedDescription); nothing was computed")
        }
        guard fm.isWritableFile(atPath: parent.path) else {
            throw OutputError(message: "cannot write in '\(parent.path)' (permission denied); nothing was computed. Choose another --out folder")
        }
    }

    /// Tidies what killed runs left beside `directory`: staging folders (`.NAME.partial-PID` of a
    /// process that is gone) are removed, and previous results set aside by a replacement cut short
    /// (`.NAME.replaced-PID`) are put back where nothing took their place (else removed). Returns a
    /// note for each.
    @discardableResult
    public static func tidy(_ directory: URL) -> [String] {
        let fm = FileManager.default
        let target = directory.standardizedFileURL
        let parent = target.deletingLastPathComponent()
        var notes: [String] = []
        let partial = ".\(target.lastPathComponent).partial-", replaced = ".\(target.lastPathComponent).replaced-"
        for name in ((try? fm.contentsOfDirectory(atPath: parent.path)) ?? []).sorted() {
            let prefix = name.hasPrefix(partial) ? partial : name.hasPrefix(replaced) ? replaced : nil
            guard let prefix, let pid = Int32(name.dropFirst(prefix.count)), pid != ProcessInfo.processInfo.processIdentifier else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let path = parent.appendingPathComponent(name)
            if prefix == replaced && !fm.fileExists(atPath: target.path) {
                if (try? fm.moveItem(at: path, to: target)) != nil { notes.append("restored '\(target.path)' from '\(path.path)'") }
            } else if (try? fm.removeItem(at: path)) != nil {
                notes.append("removed '\(path.path)', left by an interrupted run")
            }
        }
        return notes
    }

    /// Exchanges two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`, looked up at run
    /// time); false where the system or the file system does not support it, and nothing then changed.
    static func exchange(_ a: URL, _ b: URL) -> Bool {
        #if os(Linux)
            typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            let renameExchange: UInt32 = 1 << 1
            return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
        #else
            return false
        #endif
    }

    public static func write(_ output: RunOutput, to directory: URL, force: Bool, command: [String], threads: Int) throws -> [String] {
        let fm = FileManager.default
        let target = directory.standardizedFileURL
        tidy(target)
        try preflight(target, force: force, config: output.config)
        let exists = fm.fileExists(atPath: target.path)
        let parent = target.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(pid)")
        try? fm.removeItem(at: staging)
        Self.staging.set(staging)
        defer { Self.staging.set(nil) }
        do {
            let files = try render(output, command: command, threads: threads)
            for (path, data) in files {
                let url = staging.appendingPathComponent(path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
            // Under the register's lock, so an interrupt sees the folders before or after, never between.
            try Self.staging.commit {
                if !exists {
                    try fm.moveItem(at: staging, to: target)
                } else if !exchange(staging, target) {
                    // No atomic exchange here: two renames; a run killed between them leaves the previous
                    // results in `.NAME.replaced-PID`, which the next run into the same place puts back.
                    let old = parent.appendingPathComponent(".\(target.lastPathComponent).replaced-\(pid)")
                    try fm.moveItem(at: target, to: old)
                    try fm.moveItem(at: staging, to: target)
                    try fm.moveItem(at: old, to: staging)
                }
            }
            // The staging path now holds the previous results, if there were any.
            try? fm.removeItem(at: staging)
            return files.map(\.0)
        } catch {
            try? fm.removeItem(at: staging)
            if let e = error as? OutputError { throw e }
            throw OutputError(message: "cannot write '\(target.path)': \(error.localizedDescription); nothing was written")
        }
    }

    /// `--force` replaces only what ImpactEval wrote: an empty folder or one holding an ImpactEval
    /// `manifest.json`, and never a folder that contains the config or one of its inputs. So a mistyped
    /// `--out .` or `--out Datasets` cannot delete the user's files.
    static func checkReplaceable(_ target: URL, protected: [URL]) throws {
        let fm = FileManager.default
        let resolved = target.resolvingSymlinksInPath().path
        for file in protected {
            let path = file.standardizedFileURL.resolvingSymlinksInPath().path
            if path.hasPrefix(resolved.hasSuffix("/") ? resolved : resolved + "/") {
                throw OutputError(
                    message:
                        "'\(target.path)' contains '\(path)', which this run reads; --force never replaces it. Nothing was written; choose another --out folder"
                )
            }
        }
        let contents = (try? fm.contentsOfDirectory(atPath: target.path)) ?? []
        guard !contents.isEmpty else { return }
        let manifest = target.appendingPathComponent("manifest.json")
        if let data = try? Data(contentsOf: manifest),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            (json["schema"] as? String)?.hasPrefix("impacteval/manifest/") == true
        {
            // Replace only what that run wrote: any other file is the user's, and is listed.
            let written = Set(((json["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String } + ["manifest.json"])
            var added: [String] = []
            if let walker = fm.enumerator(at: target, includingPropertiesForKeys: [.isRegularFileKey]) {
                for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                    let relative = String(url.standardizedFileURL.path.dropFirst(target.standardizedFileURL.path.count + 1))
                    if !written.contains(relative) { added.append(relative) }
                }
            }
            guard added.isEmpty else {
                let shown = added.sorted().prefix(10).map { "'\($0)'" }.joined(separator: ", ")
                throw OutputError(
                    message:
                        "'\(target.path)' holds \(added.count) file(s) the earlier run did not write (\(shown)\(added.count > 10 ? ", …" : "")); --force would delete them. Move them out or choose another --out folder; nothing was written"
                )
            }
            return
        }
        throw OutputError(
            message:
                "'\(target.path)' is not an ImpactEval output folder (it has no ImpactEval manifest.json); --force replaces only earlier results. Nothing was written; choose another --out folder"
        )
    }

    /// Every output file as (relative path, bytes), manifest last.
    public static func render(_ output: RunOutput, command: [String], threads: Int) throws -> [(String, Data)] {
        let models = ModelsTable.section(output)
        let allFolders = folderNames(output.analyses.map(\.name) + (models == nil ? [] : ["models-side-by-side"]))
        let folders = Array(allFolders.prefix(output.analyses.count))
        var files: [(String, Data)] = []
        if let models, let folder = allFolders.last {
            for (file, table) in models.files { files.append(("\(folder)/\(file)", Data(table.csv.utf8))) }
        }
        var entries: [ResultsDocument.Entry] = []
        for (analysis, folder) in zip(output.analyses, folders) {
            var names: [String] = []
            for (file, table) in analysis.section.files {
                files.append(("\(folder)/\(file)", Data(table.csv.utf8)))
                names.append("\(folder)/\(file)")
            }
            for p in analysis.section.figures {
                files.append(("\(folder)/\(p.fileName)", Data(p.svg.utf8)))
                names.append("\(folder)/\(p.fileName)")
            }
            entries.append(
                .init(
                    name: analysis.name, method: analysis.method, data: analysis.data,
                    folder: folder, files: names, warnings: analysis.warnings, result: .init(value: analysis.result)))
        }
        let document = ResultsDocument(
            title: .init(value: output.config.title), config: (output.config.path as NSString).lastPathComponent,
            seed: output.config.seed, analyses: entries, failed: output.failures)
        files.insert(("results.json", try encode(document)), at: 0)
        var report = RunReport.document(output, folders: folders)
        if let models, let folder = allFolders.last { report.sections.append((folder, models)) }
        files.insert(("report.md", Data(report.markdown.utf8)), at: 1)
        let appendix = RunReport.provenance(output, command: command, threads: threads)
        files.insert(("report.html", Data(report.html(appendix: [appendix]).utf8)), at: 2)
        let manifest = Manifest.make(output, command: command, threads: threads, files: files)
        files.append(("manifest.json", try encode(manifest)))
        return files
    }

    /// JSON with sorted keys and visible non-finite values.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// File-system-safe, unique folder names for analyses.
    static func folderNames(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            var base = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
            if base.isEmpty || base.hasPrefix(".") { base = "analysis" + base }
            var candidate = base, k = 2
            while !used.insert(candidate.lowercased()).inserted { candidate = "\(base)-\(k)"; k += 1 }
            return candidate
        }
    }
}

/// The staging folder of the write in progress (thread-safe).
public final class StagingRegister: @unchecked Sendable {
    private let lock = NSLock()
    private var url: URL?
    private var committed = false
    public var current: URL? { lock.lock(); defer { lock.unlock() }; return url }
    func set(_ value: URL?) {
        lock.lock()
        url = value
        committed = false
        lock.unlock()
    }

    /// Runs `body` (the renames that put the results in place) under the lock; afterwards the staging
    /// path holds only what is to be removed.
    func commit(_ body: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        try body()
        committed = true
    }

    /// On an interrupt: removes the staging folder (before the commit, the unfinished results; after it,
    /// the previous ones) and says whether the new results were already in place. Keeps the lock, since
    /// the process exits next.
    func abandon() -> Bool {
        lock.lock()
        if let url { try? FileManager.default.removeItem(at: url) }
        return committed
    }
}
