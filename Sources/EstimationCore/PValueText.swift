import Foundation

/// How p-values are written in prose and warnings: "< 0.001" below that, three decimals otherwise.
public enum PValueText {
    /// "< 0.001" or "0.034"; "NA" when not finite.
    public static func value(_ p: Double) -> String {
        guard p.isFinite else { return "NA" }
        return p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }

    /// "p < 0.001" or "p = 0.034" (never "p = < 0.001").
    public static func clause(_ p: Double) -> String {
        let text = value(p)
        return text.hasPrefix("<") ? "p \(text)" : "p = \(text)"
    }
}
