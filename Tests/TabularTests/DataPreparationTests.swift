import Foundation
import TestSupport
import Testing

@testable import Tabular

/// Expressions, joins and preparation steps, against pandas on the simulated MHST data and against
/// R's semantics by hand on small tables.
@Suite("Data preparation")
struct DataPreparationTests {
    struct Reference: Decodable {
        struct Summary: Decodable {
            var sum: Double
            var missing: Int
            var first: [Double?]
        }
        var rowsRead: Int
        var rowsJoined: Int
        var rowsKept: Int
        var columns: [String: Summary]
        var bands: [String: Int]
        var firstSchools: [String]
        var firstYears: [Int]
        enum CodingKeys: String, CodingKey {
            case columns, bands
            case rowsRead = "rows_read"
            case rowsJoined = "rows_joined"
            case rowsKept = "rows_kept"
            case firstSchools = "first_schools"
            case firstYears = "first_years"
        }
    }

    @Test("join, filter and ten derived columns equal pandas on the simulated MHST schools (sums to 1e-9 relative, first rows exactly)")
    func mhstAgainstPandas() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: TestData.fixture("TabularTests", "preparation_pandas.json")))
        let areas = try CSVReader.read(contentsOf: TestData.dataset("mhst_simulated_areas.csv"))
        let schools = try CSVReader.read(contentsOf: TestData.dataset("mhst_simulated_schools.csv"))
        let steps: [DataPreparation.Step] = [
            .join(.init(source: "areas", by: ["area", "year"], columns: ["imd_score", "funding_per_pupil_gbp", "lead_org"])),
            .filter(try .init("year >= 2016 & phase == \"secondary\"")),
            .derive([
                try .init(name: "post", "year >= school_adoption"),
                try .init(name: "share", "whole_school_share / 100"),
                try .init(name: "log_pupils", "log(pupils)"),
                try .init(name: "lag_wb", "lag(wellbeing)"),
                try .init(name: "lead2_ref", "lead(referral_rate, 2)"),
                try .init(name: "band", "band(imd_score, 0, 15, 25, 60)"),
                try .init(name: "funded", "ifelse(funding_per_pupil_gbp > 20 & lead_org == 'nhs_trust', 1, 0)"),
                try .init(name: "area_dose", "group_mean(whole_school_share, area, year)"),
                try .init(name: "area_pupils", "group_sum(pupils, area)"),
                try .init(name: "area_schools", "group_count(area, year)")
            ])
        ]
        let prepared = try DataPreparation.apply(
            steps, to: .init(schools), sources: ["areas": .init(areas)], panel: .init(unit: "school", time: "year"))
        let t = prepared.table
        #expect(schools.rowCount == reference.rowsRead)
        #expect(prepared.records[0].rowsAfter == reference.rowsJoined)
        #expect(t.rowCount == reference.rowsKept)
        #expect(prepared.records.map(\.rowsAfter) == [reference.rowsJoined] + [Int](repeating: reference.rowsKept, count: 11))
        #expect(try t.strings("school").prefix(12).map { $0! } == reference.firstSchools)
        #expect(try t.numeric("year").prefix(12).map { Int($0) } == reference.firstYears)
        for (name, expected) in reference.columns {
            let v = try t.numeric(name)
            let present = v.filter { !$0.isNaN }
            #expect(v.count - present.count == expected.missing, "\(name) missing")
            let sum = present.reduce(0, +)
            #expect(abs(sum - expected.sum) <= 1e-9 * max(1, abs(expected.sum)), "\(name): \(sum) vs pandas \(expected.sum)")
            for (i, e) in expected.first.enumerated() {
                if let e { #expect(abs(v[i] - e) <= 1e-12 * max(1, abs(e)), "\(name)[\(i)]") } else { #expect(v[i].isNaN, "\(name)[\(i)] missing") }
            }
        }
        var bands: [String: Int] = [:]
        for label in try t.strings("band") { if let label { bands[label, default: 0] += 1 } }
        #expect(bands == reference.bands)
        // Every row's file row is kept: the first kept row is the file's first secondary school from 2016.
        let firstFileRow = prepared.fileRows[0]
        #expect(try schools.strings("school")[firstFileRow] == reference.firstSchools[0])
        #expect(try schools.numeric("year")[firstFileRow] == Double(reference.firstYears[0]))
    }

    static func small() throws -> Table {
        try Table([
            ("id", .categorical(Categorical(["a", "a", "a", "b", "b", "c"]))),
            ("t", .numeric([1, 2, 4, 1, 2, 1])),
            ("x", .numeric([1, 0, .nan, 4, -2, 8])),
            ("g", .categorical(Categorical(["p", "q", nil, "p", "p", "q"])))
        ])
    }

    func evaluate(_ source: String, panel: Bool = true) throws -> TableExpression.Evaluation {
        try TableExpression.parse(source).evaluate(on: Self.small(), source: source, panel: panel ? .init(unit: "id", time: "t") : nil)
    }

    func numbers(_ source: String) throws -> [Double] {
        guard case .numeric(let v) = try evaluate(source).column else { throw ExpressionError("not numeric") }
        return v
    }

    func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 }
    }

    @Test("R's precedence and missing-value logic: -2^2 = -4, FALSE & NA = 0, TRUE | NA = 1, NA comparisons missing")
    func semantics() throws {
        #expect(try numbers("-2^2") == [Double](repeating: -4, count: 6))
        #expect(try numbers("2^3^2")[0] == 512)
        #expect(try numbers("1 + 2 * 3 - 4 / 2")[0] == 5)
        #expect(same(try numbers("x > 0 & g == 'p'"), [1, 0, .nan, 1, 0, 0]))
        #expect(same(try numbers("x > 0 | g == 'p'"), [1, 0, .nan, 1, 1, 1]))
        #expect(same(try numbers("FALSE & is_missing(x) == 0 & NA"), [0, 0, 0, 0, 0, 0]))
        #expect(same(try numbers("TRUE | NA"), [1, 1, 1, 1, 1, 1]))
        #expect(same(try numbers("!(x >= 1)"), [0, 1, .nan, 0, 1, 0]))
        #expect(same(try numbers("coalesce(x, -1)"), [1, 0, -1, 4, -2, 8]))
        #expect(same(try numbers("ifelse(x > 0, x, 0)"), [1, 0, .nan, 4, 0, 8]))
        #expect(same(try numbers("pmax(x, 2, t)"), [2, 2, .nan, 4, 2, 8]))
        #expect(same(try numbers("round(x / 4)"), [0, 0, .nan, 1, 0, 2])) // 0.25, 0, NA, 1, -0.5 → -0 (to even), 2
        #expect(same(try numbers("round(2.5)"), [2, 2, 2, 2, 2, 2]))
        // A text column whose values are all numbers ("007") compares with text as written, and with numbers as numbers.
        let codes = try Table([("code", .categorical(Categorical(["007", "010", nil])))])
        func onCodes(_ source: String) throws -> [Double] {
            guard case .numeric(let v) = try TableExpression.parse(source).evaluate(on: codes, source: source).column else { return [] }
            return v
        }
        #expect(same(try onCodes("code == \"007\""), [1, 0, .nan]))
        #expect(same(try onCodes("\"010\" != code"), [1, 0, .nan]))
        #expect(same(try onCodes("code == 7"), [1, 0, .nan]))
        #expect(same(try onCodes("code + 1"), [8, 11, .nan]))
    }

    @Test("group statistics on every row of the group: missing values skipped, a missing group value gives a missing result")
    func groups() throws {
        #expect(same(try numbers("group_mean(x, id)"), [0.5, 0.5, 0.5, 1, 1, 8]))
        #expect(same(try numbers("group_mean(x, g)"), [1, 4, .nan, 1, 1, 4]))
        #expect(same(try numbers("group_count(g)"), [3, 2, .nan, 3, 3, 2]))
        #expect(same(try numbers("group_sum(x, id, g)"), [1, 0, .nan, 2, 2, 8]))
        #expect(same(try numbers("x - group_mean(x, id)"), [0.5, -0.5, .nan, 3, -3, 0]))
        #expect(throws: ExpressionError.self) { try evaluate("group_mean(x)") }
        #expect(throws: ExpressionError.self) { try evaluate("group_mean(x, t + 1)") }
        // Numeric groups are exact values (as pandas' groupby): 0.1 + 0.2 and 0.3 differ beyond 15 digits,
        // and −0 groups with 0.
        let close = try Table([("k", .numeric([0.1 + 0.2, 0.3, 0.3, -0.0, 0])), ("y", .numeric([1, 2, 4, 8, 16]))])
        let source = "group_mean(y, k)"
        guard case .numeric(let means) = try TableExpression.parse(source).evaluate(on: close, source: source).column else {
            Issue.record("group_mean gave no numbers")
            return
        }
        #expect(same(means, [1, 3, 3, 12, 12]))
    }

    @Test("division by zero and logs of non-positive values become missing and are counted, never infinite")
    func invalidOperations() throws {
        let e = try evaluate("t / x")
        guard case .numeric(let v) = e.column else { Issue.record("not numeric"); return }
        #expect(same(v, [1, .nan, .nan, 0.25, -1, 0.125]))
        #expect(e.notes == ["'t / x': division by zero: 1 row(s) set missing"])
        let l = try evaluate("log(x)")
        #expect(l.notes == ["'log(x)': log of zero or a negative value: 2 row(s) set missing"])
    }

    @Test("lag and lead by time value within a unit, as Stata's L. and F.: a gap gives a missing value")
    func lagsAndLeads() throws {
        // Unit a is observed at t = 1, 2, 4: the lag at t = 4 is t = 3, absent.
        #expect(same(try numbers("lag(x)"), [.nan, 1, .nan, .nan, 4, .nan]))
        #expect(same(try numbers("lead(x)"), [0, .nan, .nan, -2, .nan, .nan]))
        #expect(same(try numbers("lag(x, 2)"), [.nan, .nan, 0, .nan, .nan, .nan]))
        #expect(same(try numbers("x - lag(x)"), [.nan, -1, .nan, .nan, -6, .nan]))
        #expect(throws: ExpressionError.self) { try evaluate("lag(x)", panel: false) }
        var twice = try Self.small()
        try twice.setColumn("t", .numeric([1, 1, 4, 1, 2, 1]))
        let error = #expect(throws: ExpressionError.self) {
            try TableExpression.parse("lag(x)").evaluate(on: twice, source: "lag(x)", panel: .init(unit: "id", time: "t"))
        }
        #expect(error?.message.contains("unit 'a' has two rows for t 1 (rows 1 and 2)") == true)
    }

    @Test("band labels as R's cut(right = FALSE, include.lowest = TRUE); values outside are missing and counted")
    func bands() throws {
        let e = try evaluate("band(x, 0, 1, 8)")
        guard case .categorical(let c) = e.column else { Issue.record("not text"); return }
        #expect((0..<6).map { c[$0] } == ["[1, 8]", "[0, 1)", nil, "[1, 8]", nil, "[1, 8]"])
        #expect(e.notes == ["'band(x, 0, 1, 8)': value outside [0, 8]: 1 row(s) set missing"])
        // Levels ordered by interval, as R's factor from cut(), not as text ("[10, 20)" after "[5, 10)").
        let wide = try TableExpression.parse("band(x * 3, -10, 5, 10, 30)").evaluate(on: Self.small(), source: "", panel: nil)
        guard case .categorical(let w) = wide.column else { Issue.record("not text"); return }
        #expect(w.sortedLevels() == ["[-10, 5)", "[10, 30]"] && Set(w.levels) == ["[-10, 5)", "[10, 30]"])
        #expect(Categorical(["[10, 20)", "[5, 10)", "[20, 30]"]).sortedLevels() == ["[5, 10)", "[10, 20)", "[20, 30]"])
        #expect(throws: ExpressionError.self) { try evaluate("band(x, 1, 0)") }
        #expect(throws: ExpressionError.self) { try evaluate("band(x, t, 4)") }
    }

    @Test("errors point at the offending token")
    func errors() throws {
        func failure(_ source: String) -> ExpressionError? {
            #expect(throws: ExpressionError.self) { try evaluate(source) }
        }
        let cases: [(String, String, Range<Int>)] = [
            ("year >= adoptoin", "no column named 'year'", 0..<4),
            ("x >= tt", "no column named 'tt' (did you mean 't'?)", 5..<7),
            ("x => 1", "'=' is not an operator here", 2..<3),
            ("x + * 2", "unexpected '*'", 4..<5),
            ("lgo(x)", "unknown function 'lgo' (did you mean 'log'?)", 0..<3),
            ("(x + 1", "expected ')'", 0..<6),
            ("g + 1", "'g' is text", 0..<1),
            ("g > 'p'", "'g' is text; '>' needs numbers", 0..<1),
            ("g == 1", "'1' is a number", 5..<6),
            ("x < t < 2", "comparisons do not chain", 6..<7),
            ("2x", "a number runs into a name", 0..<2),
            ("'open", "is not closed", 0..<5),
            ("", "the expression is empty", 0..<1)
        ]
        for (source, message, range) in cases {
            let e = failure(source)
            #expect(e?.message.contains(message) == true, "\(source): \(e?.message ?? "no error")")
            #expect(e?.range == range, "\(source): \(String(describing: e?.range))")
        }
        #expect(
            failure("x >= tt")?.pointing(into: "x >= tt")
                == "no column named 'tt' (did you mean 't'?)\n    x >= tt\n         ^^")
    }

    @Test("a many-to-one join: matched columns brought over; repeated keys, clashes and unmatched rows refused, or dropped or kept as asked")
    func joins() throws {
        let left = try Self.small()
        let right = try Table([
            ("id", .categorical(Categorical(["a", "b"]))),
            ("size", .numeric([10, 20])),
            ("kind", .categorical(Categorical(["u", "v"])))
        ])
        let unmatched = #expect(throws: Table.JoinError.self) { try left.joining(right, by: ["id"]) }
        #expect(
            unmatched?.description(naming: "'sizes'")
                == "1 of 6 rows have no match in 'sizes'; the first is row 6 (line 7 of the file) with key (c). Fix the keys, or say what to do with such rows: 'unmatched: drop' or 'unmatched: keep'"
        )
        let kept = try left.joining(right, by: ["id"], unmatched: .keep)
        #expect(same(try kept.table.numeric("size"), [10, 10, 10, 20, 20, .nan]))
        #expect(try kept.table.strings("kind") == ["u", "u", "u", "v", "v", nil])
        #expect(kept.summary == .init(matchedRows: 5, unmatchedRows: 1, firstUnmatchedKey: "c", firstUnmatchedRow: 5, unusedRightRows: 0))
        let dropped = try left.joining(right, by: ["id"], columns: ["size"], unmatched: .drop)
        #expect(dropped.table.rowCount == 5 && dropped.rows == [0, 1, 2, 3, 4] && !dropped.table.hasColumn("kind"))
        // Two keys, one numeric: "1" in a text key matches 1.
        let byTime = try Table([("id", .categorical(Categorical(["a", "c"]))), ("t", .categorical(Categorical(["1", "1"]))), ("z", .numeric([5, 6]))])
        let two = try left.joining(byTime, by: ["id", "t"], unmatched: .keep)
        #expect(same(try two.table.numeric("z"), [5, .nan, .nan, .nan, .nan, 6]))
        let repeated = try Table([("id", .categorical(Categorical(["a", "b", "a"]))), ("size", .numeric([1, 2, 3]))])
        let duplicate = #expect(throws: Table.JoinError.self) { try left.joining(repeated, by: ["id"]) }
        #expect(duplicate?.description.contains("more than one row for the key (a) (rows 1 and 3") == true)
        #expect(throws: Table.JoinError.self) { try left.joining(try Table([("id", .categorical(Categorical(["a"]))), ("x", .numeric([1]))]), by: ["id"]) }
        #expect(throws: Table.JoinError.self) { try left.joining(right, by: ["idd"]) }
        // Numeric keys match exactly, and each key column is compared on its own.
        let exact = try Table([("k", .numeric([0.1 + 0.2, 0.3])), ("a", .categorical(Categorical(["a, b", "a"])))])
        let lookup = try Table([
            ("k", .numeric([0.3, 0.30000000000000004])), ("a", .categorical(Categorical(["b, a", "a, b"]))), ("z", .numeric([1, 2]))
        ])
        let byValue = try exact.joining(lookup, by: ["k"], columns: ["z"], unmatched: .keep)
        #expect(same(try byValue.table.numeric("z"), [2, 1]))
        let split = try Table([("a", .categorical(Categorical(["a", "a, b"]))), ("b", .categorical(Categorical(["b, c", "c"]))), ("z", .numeric([1, 2]))])
        let pairs = try Table([("a", .categorical(Categorical(["a, b"]))), ("b", .categorical(Categorical(["c"])))])
        #expect(same(try pairs.joining(split, by: ["a", "b"]).table.numeric("z"), [2]))
    }

    @Test("a filter that keeps no row and a derived column that would overwrite one are refused")
    func refusals() throws {
        let t = DataPreparation.Prepared(try Self.small())
        let empty = #expect(throws: DataPreparation.Failure.self) {
            try DataPreparation.apply([.filter(try .init("x > 100"))], to: t, sources: [:], panel: nil)
        }
        #expect(empty?.message == "the filter 'x > 100' keeps none of the 6 rows (1 have a missing value in it); check the condition and the column's values")
        let overwrite = #expect(throws: DataPreparation.Failure.self) {
            try DataPreparation.apply([.derive([try .init(name: "x", "x * 2")])], to: t, sources: [:], panel: nil)
        }
        #expect(overwrite?.column == "x")
        let filtered = try DataPreparation.apply([.filter(try .init("x >= 0"))], to: t, sources: [:], panel: nil)
        #expect(filtered.fileRows == [0, 1, 3, 5])
        #expect(
            filtered.records == [
                .init(
                    step: "filter x >= 0", rowsBefore: 6, rowsAfter: 4, columnsAdded: [], notes: ["1 row(s) dropped because the condition is missing for them"])
            ])
    }
}
