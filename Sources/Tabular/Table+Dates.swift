import Foundation

extension Table {
    /// Adds the periods of an ISO 8601 date column (`2019-09-01`, or `2019-09` for a month) as
    /// numeric columns, so that dates can serve as the time of a panel:
    ///
    /// | column | value for 2019-09-01 |
    /// |---|---|
    /// | `<name>_year` | 2019 |
    /// | `<name>_quarter` | 4 × year + quarter − 1 = 8078 (consecutive quarters differ by 1) |
    /// | `<name>_month` | 12 × year + month − 1 = 24236 |
    /// | `<name>_day` | days since 1970-01-01 = 18140 (missing for a `YYYY-MM` value) |
    ///
    /// Missing cells give missing periods. The counts, rather than year fractions, keep differences
    /// between periods whole numbers, as event times need.
    ///
    /// - Throws: `TableError.invalidValue` naming the first cell that is not a date.
    public mutating func addDateParts(of name: String) throws(TableError) {
        let column = try self.column(name)
        var year = [Double](repeating: .nan, count: rowCount), quarter = year, month = year, day = year
        for r in 0..<rowCount where !column.isMissing(r) {
            let text = column.text(at: r).trimmingCharacters(in: .whitespaces)
            guard let (y, m, d) = Self.isoDate(text) else {
                throw .invalidValue(column: name, row: r, value: text, expected: "an ISO date such as 2019-09-01 (or 2019-09 for a month)")
            }
            year[r] = Double(y)
            quarter[r] = Double(4 * y + (m - 1) / 3)
            month[r] = Double(12 * y + m - 1)
            if let d { day[r] = Double(Self.daysSinceEpoch(y, m, d)) }
        }
        try addColumn(name + "_year", .numeric(year))
        try addColumn(name + "_quarter", .numeric(quarter))
        try addColumn(name + "_month", .numeric(month))
        try addColumn(name + "_day", .numeric(day))
    }

    /// `YYYY-MM-DD` or `YYYY-MM`, checked for a real calendar day.
    static func isoDate(_ s: String) -> (Int, Int, Int?)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count == 4, parts[1].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m)
        else { return nil }
        guard parts.count == 3 else { return (y, m, nil) }
        guard parts[2].count == 2, let d = Int(parts[2]), d >= 1 else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= lengths[m - 1] ? (y, m, d) : nil
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (Hinnant's `days_from_civil`).
    static func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
