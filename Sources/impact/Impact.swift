import ArgumentParser
import Foundation
import ImpactRun
import LinearAlgebra

/// `impact`: runs the analyses described in a YAML config file.
///
/// The command only parses arguments, calls the `ImpactRun` library and reports;
/// everything it does is available to scripts through that library.
@main
struct Impact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract:
            "Impact evaluation from reproducible YAML configs: regression, matching and weighting, synthetic control, staggered DiD and its sensitivity to parallel trends, and dose–response curves.",
        discussion: "Methods (the 'method:' of an analysis):\n" + MethodRegistry.listing,
        version: ImpactEvalVersion.string,
        subcommands: [Run.self, Validate.self, Verify.self, Schema.self, MethodHelp.self],
        defaultSubcommand: nil)
}

/// Progress on a terminal: one line per analysis, its elapsed seconds updated in place while it runs.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?
    private var label = ""
    private var start = Date()

    func handle(_ event: Runner.Progress) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .started(let index, let total, let name, let method):
            label = "[\(index)/\(total)] \(name) (\(method))"
            start = Date()
            write("\(label)…")
            let t = DispatchSource.makeTimerSource(queue: .global())
            t.schedule(deadline: .now() + 1, repeating: 1)
            t.setEventHandler { [weak self] in self?.tick() }
            t.resume()
            timer = t
        case .finished(_, _, _, let seconds, let failed):
            timer?.cancel()
            timer = nil
            write(String(format: "\r\u{1B}[K%@ %@ in %.1f s\n", label, failed ? "failed" : "done", seconds))
        }
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard timer != nil else { return }
        write(String(format: "\r\u{1B}[K%@ %.0f s…", label, Date().timeIntervalSince(start)))
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// Prints `message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
}

/// Runs a subcommand's body: an `ExitCode` passes through, any other error is printed and exits 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every analysis in a config file and write results, tables, plots, a report and a manifest.")

    @Argument(help: "The YAML config file.")
    var config: String

    @Option(name: .shortAndLong, help: "Output folder (default: impact-results/<config name>). Never overwritten without --force.")
    var out: String?

    @Flag(help: "Replace the output folder if it exists.")
    var force = false

    @Option(help: "Worker threads for parallel loops (placebo fits, bootstrap draws, random starts); BLAS runs single-threaded. Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(parsing: .upToNextOption, help: "Run only these analyses (by name).")
    var only: [String] = []

    @Flag(help: "Stop at the first failing analysis and write nothing (default: write the others' results, record the failure, exit non-zero).")
    var failFast = false

    @Flag(help: "No progress lines on stderr (they are shown only when stderr is a terminal).")
    var quiet = false

    func run() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let out, out.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--out needs a folder name; it was given an empty one") }
        let outURL = URL(fileURLWithPath: out ?? "impact-results/" + ((config as NSString).lastPathComponent as NSString).deletingPathExtension)
        OutputWriter.removeStagingOnSignals()
        // BLAS runs single-threaded: the run's parallelism is its own loops (placebos, draws, refits) on
        // `threads` workers. OpenBLAS's threads busy-wait between calls, so on a shared machine the many
        // small solves outside those loops ran 4–25 times slower with them than without; the matrices here
        // are too small for threaded BLAS to pay.
        BLASLibrary.setThreadCount(1)
        try reportingErrors {
            let cfg = try ConfigLoader.load(path: config)
            // The output folder is checked before any computing.
            for note in OutputWriter.tidy(outURL) { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            try OutputWriter.preflight(outURL, force: force, config: cfg)
            var progress: (@Sendable (Runner.Progress) -> Void)? = nil
            if !quiet && isatty(STDERR_FILENO) != 0 {
                let reporter = ProgressReporter()
                progress = { reporter.handle($0) }
            }
            let output = try Runner.run(cfg, threads: threads, only: only.isEmpty ? nil : only, failFast: failFast, progress: progress)
            let files = try OutputWriter.write(output, to: outURL, force: force, command: CommandLine.arguments, threads: threads)
            print("wrote \(files.count) files to \(outURL.path):")
            for a in output.analyses { print("  \(a.name) (\(a.method))") }
            print("  report: \(outURL.appendingPathComponent("report.html").path) (also report.md)")
            if !output.failures.isEmpty {
                for f in output.failures { printError("\(f)") }
                printError("\(output.failures.count) analysis(es) failed; the others' results were written and the failures recorded in results.json")
                throw ExitCode.failure
            }
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config file and its data (keys, types, files, columns) without running anything.")

    @Argument(help: "The YAML config file.")
    var config: String

    func run() throws {
        try reportingErrors {
            let cfg = try ConfigLoader.load(path: config)
            let data = try DataLoader.load(cfg)
            print("\(config): OK — \(cfg.analyses.count) analysis(es) on \(data.count) data set(s)")
            for a in cfg.analyses { print("  \(a.name): \(a.method) on \(a.data)") }
            // What preparation did to each data set that has steps (rows kept, what each step noticed).
            for source in cfg.data {
                guard let d = data[source.name], !d.preparation.isEmpty else { continue }
                print("  data set \(source.name): \(d.rowsRead) rows read, \(d.table.rowCount) after \(d.preparation.count) prepare step(s)")
                for r in d.preparation where r.rowsAfter != r.rowsBefore || !r.notes.isEmpty {
                    print("    \(r.step): \(r.rowsBefore) → \(r.rowsAfter)" + (r.notes.isEmpty ? "" : "; " + r.notes.joined(separator: "; ")))
                }
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run a finished run from its manifest and report whether every output reproduces, or which input, setting or number differs.")

    @Argument(help: "The folder 'impact run' wrote (it holds manifest.json).")
    var runDirectory: String

    func run() throws {
        BLASLibrary.setThreadCount(1) // as `impact run`
        try reportingErrors {
            let report = try Verifier.verify(runDirectory: URL(fileURLWithPath: runDirectory))
            for note in report.notes { print("note: \(note)") }
            if report.isIdentical {
                print("\(runDirectory): identical — \(report.identicalFiles.count) output files re-created with their recorded SHA-256")
                return
            }
            print("\(runDirectory): differs (\(report.differences.count) difference(s); \(report.identicalFiles.count) output files identical)")
            for d in report.differences { print("  \(d)") }
            throw ExitCode.failure
        }
    }
}

/// `impact help METHOD`: a method's keys; `impact help` alone (or with a subcommand's name) is the usual help.
struct MethodHelp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "help", abstract: "Show a method's keys (impact help did), or help on a subcommand (impact help run).")

    @Argument(help: "A method (ols, did, synth, …) or a subcommand.")
    var topic: [String] = []

    func run() throws {
        guard let name = topic.first else {
            print(Impact.helpMessage())
            return
        }
        if let text = MethodRegistry.help(for: name) {
            print(text, terminator: "")
            return
        }
        let subcommands: [any ParsableCommand.Type] = [Run.self, Validate.self, Verify.self, Schema.self]
        if let command = subcommands.first(where: { $0._commandName == name }) {
            print(Impact.helpMessage(for: command))
            return
        }
        printError("no method or subcommand named '\(name)'; methods: \(MethodRegistry.names.joined(separator: ", "))")
        throw ExitCode.failure
    }
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of config files (generated from the methods' declared keys), for editors to validate and complete configs.")

    @Option(name: .shortAndLong, help: "Write the schema to this file instead of standard output (never overwrites without --force).")
    var output: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func run() throws {
        let text = MethodRegistry.configSchemaText
        guard let output else {
            print(text, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            printError("\(output) exists; add --force to replace it")
            throw ExitCode.failure
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch {
            printError("cannot write \(output): \(error.localizedDescription)")
            throw ExitCode.failure
        }
    }
}
