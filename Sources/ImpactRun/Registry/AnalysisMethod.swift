import Foundation
import Reporting

/// One analysis method: its name, its config keys, its checks on the data and its run.
///
/// A method is one type in one file, registered by one line in `MethodRegistry.all`:
///
/// ```swift
/// struct RegressionAnalysis: AnalysisMethod {
///     static let names = ["ols", "wls"]
///     static let summary = "linear regression with robust and cluster-robust inference"
///     struct Keys: KeySet { let outcome = CommonKeys.outcome; … }
///     init(_ s: SettingsReader<Keys>, name: String) throws { outcome = try s(\.outcome); … }
///     func run(_ context: RunContext) throws -> MethodOutput<RegressionResult> { … }
/// }
/// ```
///
/// The decoder allows exactly the declared keys (plus `name`, `method`, `data`, `description`),
/// `impact validate` runs `check` on the data, and `impact run` calls `run`, which returns a typed
/// `Codable` result (written to `results.json`) and a report section (rendered to Markdown and CSV).
public protocol AnalysisMethod: Sendable {
    associatedtype Keys: KeySet
    associatedtype Result: Encodable & Sendable

    /// The names of the method in a config (`method: ols`); usually one.
    static var names: [String] { get }
    /// One line for `impact --help` and the docs.
    static var summary: String { get }

    /// Decodes and validates the settings; `name` is the method name used in the config.
    /// Throws a `DecodingIssue` located at the offending key.
    init(_ settings: SettingsReader<Keys>, name: String) throws

    /// Checks on the data that need no fitting (units exist, treatment times lie inside the data, …).
    func check(_ data: LoadedData) -> [SettingIssue]

    /// Runs the analysis.
    func run(_ context: RunContext) throws -> MethodOutput<Result>
}

extension AnalysisMethod {
    public func check(_ data: LoadedData) -> [SettingIssue] { [] }
}

/// A data-level problem with one key of an analysis (`key` may carry an index: `donors[2]`).
public struct SettingIssue: Sendable, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
}

/// What a method's run is given.
public struct RunContext: Sendable {
    /// The analysis as configured (name, data set, description).
    public let analysis: AnalysisSpec
    public let data: LoadedData
    /// This analysis's seed, derived from the config's master seed and the analysis's position.
    public let seed: UInt64
    /// Worker threads for parallel loops; results do not depend on it.
    public let threads: Int
}

/// What a method's run returns: its typed result and its report.
public struct MethodOutput<Result: Encodable & Sendable>: Sendable {
    public var result: Result
    /// The report section's blocks (prose, tables, figures, notes, warnings).
    public var blocks: [ReportBlock]
    /// Tables written as CSV files but not shown in the report.
    public var attachments: [ReportTable]
    /// Things a reader should know before trusting a number; also listed in `results.json`.
    public var warnings: [String]
    /// The analysis's headline estimates, for the report's summary table.
    public var keyEstimates: [KeyEstimate]
    /// The analysis's column in the models-side-by-side table, for methods that fit a coefficient model.
    public var model: ModelColumn? = nil

    public init(
        result: Result, blocks: [ReportBlock], attachments: [ReportTable] = [], warnings: [String] = [], keyEstimates: [KeyEstimate] = []
    ) {
        self.result = result
        self.blocks = blocks
        self.attachments = attachments
        self.warnings = warnings
        self.keyEstimates = keyEstimates
    }
}

extension AnalysisMethod {
    /// Runs and wraps the output for writing.
    func runAnalysis(_ context: RunContext) throws -> AnalysisOutput {
        let out = try run(context)
        let a = context.analysis
        var blocks: [ReportBlock] = []
        if let d = a.description { blocks.append(.paragraph(ReportText(stringLiteral: d))) }
        blocks += out.warnings.map { .warning(ReportText(stringLiteral: $0)) }
        blocks += out.blocks
        let section = ReportSection(
            title: "\(a.name) (`\(a.method)` on `\(a.data)`)", blocks: blocks, attachments: out.attachments, keyEstimates: out.keyEstimates)
        return AnalysisOutput(
            name: a.name, method: a.method, data: a.data, result: out.result, section: section, warnings: out.warnings, model: out.model)
    }
}
