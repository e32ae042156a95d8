import Foundation

/// CSV rendering of report tables (RFC 4180; numbers in shortest round-trip form).
extension ReportTable.Cell {
    /// The cell as CSV text (unquoted): full-precision numbers, empty when absent.
    public var csv: String {
        switch self {
        case .text(let s), .code(let s): return s
        case .number(let x), .pValue(let x): return x.map(ReportFormat.csv) ?? ""
        case .integer(let i): return i.map(String.init) ?? ""
        case .interval(let l, let u): return (l.map(ReportFormat.csv) ?? "") + ";" + (u.map(ReportFormat.csv) ?? "")
        case .period(let x): return ReportFormat.period(x)
        case .empty: return ""
        }
    }
}

extension ReportTable {
    /// The table as CSV text, header first, rows ending in "\n".
    public var csv: String {
        ([columns.map(\.header)] + rows.map { $0.map(\.csv) }).map { $0.map(Self.quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
