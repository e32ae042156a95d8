import Foundation
import LinearAlgebra

/// An analysis that failed while running (bad data for the method, a singular design, …).
public struct RunError: Error, Sendable, CustomStringConvertible, Encodable {
    public var analysis: String
    public var index: Int
    public var method: String = ""
    public var message: String
    public var description: String { "analysis '\(analysis)' (analyses[\(index)]) failed: \(message)" }
}

/// Runs the analyses of a validated config, each in memory first.
///
/// An analysis that fails does not stop the others (`failFast: false`, the default): its error is
/// kept in `RunOutput.failures`, written to `results.json` and the report, and the command exits
/// non-zero. With `failFast: true` the first failure is thrown and nothing is written.
public enum Runner {
    /// What a run reports while it works (for progress on a terminal; results never depend on it).
    public enum Progress: Sendable {
        /// Analysis `index` of `total` (counting those selected) has started.
        case started(index: Int, total: Int, name: String, method: String)
        /// It has finished (or failed) after `seconds`.
        case finished(index: Int, total: Int, name: String, seconds: Double, failed: Bool)
    }

    /// Loads data and runs the analyses in `config` (all, or those named in `only`), calling
    /// `progress` before and after each.
    public static func run(
        _ config: Config, threads: Int = ProcessInfo.processInfo.activeProcessorCount, only: [String]? = nil, failFast: Bool = false,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) throws -> RunOutput {
        if let only, let unknown = only.first(where: { name in !config.analyses.contains { $0.name == name } }) {
            throw RunError(
                analysis: unknown, index: -1,
                message: "no analysis has this name; the config has " + config.analyses.map { "'\($0.name)'" }.joined(separator: ", "))
        }
        let inputs = try DataLoader.load(config, threads: threads)
        var outputs: [AnalysisOutput] = []
        var failures: [RunError] = []
        let selected = config.analyses.filter { only?.contains($0.name) ?? true }
        for (position, analysis) in selected.enumerated() {
            let data = inputs[analysis.data]!
            progress?(.started(index: position + 1, total: selected.count, name: analysis.name, method: analysis.method))
            let start = DispatchTime.now().uptimeNanoseconds
            func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            do {
                outputs.append(try run(analysis, data: data, seed: seed(for: analysis, master: config.seed), threads: threads))
                progress?(.finished(index: position + 1, total: selected.count, name: analysis.name, seconds: seconds(), failed: false))
            } catch {
                progress?(.finished(index: position + 1, total: selected.count, name: analysis.name, seconds: seconds(), failed: true))
                let failure = RunError(analysis: analysis.name, index: analysis.index, method: analysis.method, message: "\(error)")
                if failFast { throw failure }
                failures.append(failure)
            }
        }
        let used = config.data.compactMap { inputs[$0.name] }
        return RunOutput(config: config, inputs: used, analyses: outputs, failures: failures)
    }

    /// Runs one analysis.
    public static func run(_ analysis: AnalysisSpec, data: LoadedData, seed: UInt64, threads: Int) throws -> AnalysisOutput {
        try analysis.settings.runAnalysis(RunContext(analysis: analysis, data: data, seed: seed, threads: threads))
    }

    /// The seed of one analysis: the master seed mixed with the analysis's position, so that
    /// adding an analysis later in the file does not change the draws of earlier ones.
    public static func seed(for analysis: AnalysisSpec, master: UInt64) -> UInt64 {
        var z = master &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(analysis.index + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
