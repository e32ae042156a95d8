import Foundation
import Reporting

/// What one analysis produced, ready to be written: a JSON result, and a report section whose
/// tables are written as CSV files and whose figures as SVG files.
public struct AnalysisOutput: Sendable {
    public var name: String
    public var method: String
    public var data: String
    /// The method's typed result, encoded into `results.json` under `result`.
    public var result: any Encodable & Sendable
    /// The report section (rendered to Markdown; its tables to CSV, its figures to SVG).
    public var section: ReportSection
    /// Warnings, listed in `results.json` and shown in the report.
    public var warnings: [String]
    /// The analysis's column in the models-side-by-side table (coefficient models only).
    public var model: ModelColumn? = nil
}

/// Everything a run produced, before it is written.
public struct RunOutput: Sendable {
    public var config: Config
    public var inputs: [LoadedData]
    /// The analyses that ran, in config order.
    public var analyses: [AnalysisOutput]
    /// The analyses that failed, with their errors (the others' results are still written).
    public var failures: [RunError] = []
}
