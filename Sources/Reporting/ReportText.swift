import EstimationCore
import Foundation
import Tabular

/// Prose for a report: text with typed runs (numbers, p-values, code, emphasis) that each
/// renderer formats its own way (Markdown now, HTML later).
///
/// Built by string interpolation:
/// ```swift
/// let t: ReportText = "Pre-treatment RMSPE \(number: rmspe); placebo p = \(p: p) for \(code: "cigsale")."
/// ```
public struct ReportText: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// One run of text.
    public enum Run: Sendable, Equatable {
        case text(String)
        /// Emphasised text (bold in Markdown).
        case strong(String)
        /// A column, key or file name.
        case code(String)
        /// A number, formatted to 4 significant digits (`ReportFormat.number`).
        case number(Double, strong: Bool)
        /// A p-value (`ReportFormat.pValue`: "< 0.001", or 3 decimals).
        case pValue(Double)
    }

    public var runs: [Run]

    public init(runs: [Run]) { self.runs = runs }
    public init(stringLiteral value: String) { runs = [.text(value)] }
    public init(stringInterpolation: Interpolation) { runs = stringInterpolation.runs }

    /// Interpolations: `\(number:)`, `\(strongNumber:)`, `\(p:)`, `\(code:)`, `\(strong:)`, `\(period:)`, `\(percent:)`.
    public struct Interpolation: StringInterpolationProtocol {
        var runs: [Run] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { if !literal.isEmpty { runs.append(.text(literal)) } }
        public mutating func appendInterpolation(_ text: String) { runs.append(.text(text)) }
        public mutating func appendInterpolation(_ value: Int) { runs.append(.text(String(value))) }
        public mutating func appendInterpolation(_ text: ReportText) { runs += text.runs }
        public mutating func appendInterpolation(number x: Double) { runs.append(.number(x, strong: false)) }
        public mutating func appendInterpolation(strongNumber x: Double) { runs.append(.number(x, strong: true)) }
        public mutating func appendInterpolation(p: Double) { runs.append(.pValue(p)) }
        /// "p = 0.019", or "p < 0.001" (never "p = < 0.001").
        public mutating func appendInterpolation(pClause p: Double) {
            runs.append(.text(ReportFormat.pValue(p).hasPrefix("<") ? "p " : "p = "))
            runs.append(.pValue(p))
        }
        public mutating func appendInterpolation(code: String) { runs.append(.code(code)) }
        public mutating func appendInterpolation(strong: String) { runs.append(.strong(strong)) }
        /// A period or other label-like number in its shortest form (1989, 2012.25).
        public mutating func appendInterpolation(period x: Double) { runs.append(.text(ReportFormat.period(x))) }
        /// A confidence level as a percentage ("95%").
        public mutating func appendInterpolation(percent level: Double) { runs.append(.text(ConfidenceLevel.percent(level))) }
    }

    /// Concatenation.
    public static func + (a: ReportText, b: ReportText) -> ReportText { ReportText(runs: a.runs + b.runs) }
    public static func += (a: inout ReportText, b: ReportText) { a.runs += b.runs }

    /// `parts` joined by `separator`.
    public static func joined(_ parts: [ReportText], separator: String = ", ") -> ReportText {
        var out = ReportText(runs: [])
        for (i, p) in parts.enumerated() {
            if i > 0 { out.runs.append(.text(separator)) }
            out.runs += p.runs
        }
        return out
    }

    /// The estimate in one phrase: "b (SE s, 95% CI l to u, p = x; HC1)".
    public static func estimate(_ e: Estimate, strong: Bool = true, method: Bool = true) -> ReportText {
        var t = ReportText(runs: [.number(e.estimate, strong: strong)])
        var inner: [ReportText] = []
        if let se = e.standardError { inner.append("SE \(number: se)") }
        if let l = e.lower, let u = e.upper { inner.append("\(percent: e.level) CI \(number: l) to \(number: u)") }
        if let p = e.pValue { inner.append("\(pClause: p)") }
        if !inner.isEmpty || method {
            var body = ReportText.joined(inner)
            if method && e.inference.kind != .none { body += (inner.isEmpty ? "" : "; ") + ReportText(stringLiteral: e.inference.summary) }
            if !body.runs.isEmpty { t += " (" + body + ")" }
        }
        return t
    }
}

/// Number formats shared by every renderer.
public enum ReportFormat {
    /// A number for prose and tables: 4 significant digits, plain notation when reasonable.
    public static func number(_ x: Double) -> String { ProseNumbers.number(x) }

    /// A p-value: "< 0.001" below that, 3 decimals otherwise.
    public static func pValue(_ p: Double) -> String { ProseNumbers.pValue(p) }

    /// A p-value as a clause for plain-text prose: "p < 0.001" or "p = 0.034" (never "p = < 0.001").
    public static func pClause(_ p: Double) -> String { ProseNumbers.pClause(p) }

    /// A period label: whole numbers without decimals, others to 15 significant digits (Tabular's `formatNumber`).
    public static func period(_ x: Double) -> String { formatNumber(x) }

    /// A number for a CSV cell: the shortest text that reads back as the same double; NA when not finite.
    public static func csv(_ x: Double) -> String { x.isFinite ? "\(x)" : (x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf")) }
}
