/// Adoption times: the first treated period of each unit in a staggered design.
extension Panel {
    /// Each treated unit's adoption time from `column` (0 or missing: never treated).
    ///
    /// The convention every staggered method shares (staggered synthetic control, and the
    /// difference-in-differences estimators to come): the column holds a unit's first treated
    /// period, constant within the unit; 0 or missing means never treated. An adoption time must
    /// leave at least one period before it (so it is after the first period) and lie within the
    /// data (not after the last period). Otherwise the error names the unit and the likely fix:
    /// a 0/1 indicator given instead of a period, units treated from the start, adoption after
    /// the data end.
    ///
    /// Complexity: O(rows).
    public func adoptionTimes(_ column: String) throws(PanelError) -> [String: Double] {
        let values: [Double]
        do { values = try table.numeric(column) } catch { throw .table(error) }
        func fail(_ message: String) -> PanelError { .invalidAdoption(column: column, message: message) }
        var adoption: [String: Double] = [:]
        for (r, v) in values.enumerated() where !v.isNaN && v != 0 {
            let u = units[unitOfRow[r]]
            if let existing = adoption[u], existing != v {
                throw fail(
                    "unit '\(u)' has two adoption times in '\(column)' (\(formatNumber(existing)) and \(formatNumber(v))); it must be constant within a unit")
            }
            adoption[u] = v
        }
        guard let first = times.first, let last = times.last else { return adoption }
        if let (u, v) = adoption.filter({ $0.value <= first }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            let hint =
                Set(adoption.values) == [1]
                ? "'\(column)' looks like a 0/1 indicator; it should hold each unit's first treated period (0 or missing for never treated)"
                : "drop units treated from the first period, or start the data earlier"
            throw fail(
                "unit '\(u)' adopts at \(formatNumber(v)), not after the first period \(formatNumber(first)), so it has no pre-treatment period; \(hint)")
        }
        if let (u, v) = adoption.filter({ $0.value > last }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            throw fail(
                "unit '\(u)' adopts at \(formatNumber(v)), after the last period \(formatNumber(last)); code units first treated after the data end as 0 to use them as never-treated donors, or drop them"
            )
        }
        return adoption
    }
}
