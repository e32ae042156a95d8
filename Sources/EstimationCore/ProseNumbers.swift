import Foundation

/// How numbers and p-values are written in prose, warnings and report tables, so that a library's
/// typed warning and a report say the same thing: 4 significant digits; p-values "< 0.001" below
/// that and three decimals otherwise.
public enum ProseNumbers {
    /// 4 significant digits, plain notation between 0.001 and 10⁷; "NA", "∞" or "−∞" when not finite.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e7 {
            let decimals = max(0, 3 - Int(floor(log10(a))))
            return String(format: "%.\(decimals)f", x)
        }
        return String(format: "%.3e", x)
    }

    /// "< 0.001" or "0.034"; "NA" when not finite.
    public static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "NA" }
        return p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }

    /// "p < 0.001" or "p = 0.034" (never "p = < 0.001").
    public static func pClause(_ p: Double) -> String {
        let text = pValue(p)
        return text.hasPrefix("<") ? "p \(text)" : "p = \(text)"
    }
}
