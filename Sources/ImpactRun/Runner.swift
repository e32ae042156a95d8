import Foundation
import LinearAlgebra

/// An analysis that failed while running (bad data for the method, a singular design, …).
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var analysis: String
    public var index: Int
    public var message: String
    public var description: String { "analysis '\(analysis)' (analyses[\(index)]) failed: \(message)" }
}

/// Runs the analyses of a validated config. Every analysis runs in memory
/// first; nothing is written unless all succeed (see `OutputWriter`).
public enum Runner {
    /// Loads data and runs every analysis in `config`.
    public static func run(_ config: Config, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> RunOutput {
        let inputs = try DataLoader.load(config)
        var outputs: [AnalysisOutput] = []
        for analysis in config.analyses {
            let data = inputs[analysis.data]!
            do {
                outputs.append(try run(analysis, data: data, seed: seed(for: analysis, master: config.seed), threads: threads))
            } catch {
                throw RunError(analysis: analysis.name, index: analysis.index, message: "\(error)")
            }
        }
        let used = config.data.compactMap { inputs[$0.name] }
        return RunOutput(config: config, inputs: used, analyses: outputs)
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
