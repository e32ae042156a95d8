import Foundation

/// What one analysis produced, ready to be written: a JSON result, CSV tables, SVG plots and a report section.
public struct AnalysisOutput: Sendable {
    public var name: String
    public var method: String
    public var data: String
    /// The method's result, encoded into `results.json` under `result`.
    public var result: any Encodable & Sendable
    public var tables: [OutputTable]
    public var plots: [OutputPlot]
    /// Markdown for the report (without the section heading).
    public var report: String

    public init(name: String, method: String, data: String, result: any Encodable & Sendable,
                tables: [OutputTable] = [], plots: [OutputPlot] = [], report: String = "") {
        self.name = name
        self.method = method
        self.data = data
        self.result = result
        self.tables = tables
        self.plots = plots
        self.report = report
    }
}

/// A table written as CSV (RFC 4180, numbers in shortest round-trip form).
public struct OutputTable: Sendable {
    public var fileName: String
    public var header: [String]
    public var rows: [[String]]

    public init(fileName: String, header: [String], rows: [[String]]) {
        self.fileName = fileName
        self.header = header
        self.rows = rows
    }

    /// The CSV text.
    public var csv: String {
        ([header] + rows).map { $0.map(Self.quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A number for a CSV cell: the shortest text that reads back as the same double; NA when not finite.
    public static func cell(_ x: Double) -> String { x.isFinite ? "\(x)" : (x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf")) }
    public static func cell(_ x: Double?) -> String { x.map { cell($0) } ?? "" }
}

/// An SVG plot.
public struct OutputPlot: Sendable {
    public var fileName: String
    public var caption: String
    public var svg: String

    public init(fileName: String, caption: String, svg: String) {
        self.fileName = fileName
        self.caption = caption
        self.svg = svg
    }
}

/// Everything a run produced, before it is written.
public struct RunOutput: Sendable {
    public var config: Config
    public var inputs: [LoadedData]
    public var analyses: [AnalysisOutput]
}
