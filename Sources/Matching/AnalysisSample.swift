import Foundation
import LinearAlgebra
import Tabular

/// What a treatment column holds.
public enum TreatmentKind: String, Sendable, Codable, CaseIterable {
    /// 0 = control, 1 = treated.
    case binary
    /// A dose: any finite number (a share of team time, a count of activities), with at least two distinct values.
    case continuous
}

/// The rows a matching or weighting analysis uses: complete on every column it names, with a
/// 0/1 treatment or a continuous dose.
public struct AnalysisSample: Sendable {
    /// The table restricted to the complete rows.
    public let table: Table
    /// Their positions in the original table.
    public let rows: [Int]
    /// The treatment value of each row (0/1 for a binary treatment).
    public let treatment: [Double]
    public let kind: TreatmentKind
    /// Rows of the original table left out for a missing value.
    public let droppedRows: Int

    /// For a binary treatment, whether each row is treated (stored: loops index it per unit).
    public let treated: [Bool]
    public var count: Int { rows.count }

    /// The complete rows of `table` on `treatment` and `columns`, with the treatment checked for `kind`.
    public init(_ table: Table, treatment: String, columns: [String], kind: TreatmentKind = .binary) throws(MatchingError) {
        let rows: [Int], t: [Double], sub: Table
        do {
            for c in [treatment] + columns { _ = try table.column(c) }
            rows = try table.completeRows(for: [treatment] + columns)
            sub = table.selectingRows(rows)
            t = try sub.numeric(treatment)
        } catch { throw .table(error) }
        switch kind {
        case .binary:
            if let bad = t.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw .invalidTreatment(column: treatment, detail: "must be 0 or 1; row \(rows[bad] + 1) has \(formatNumber(t[bad]))")
            }
            let nTreated = t.filter { $0 == 1 }.count
            guard nTreated > 0 && nTreated < t.count else {
                throw .invalidTreatment(
                    column: treatment,
                    detail: nTreated == 0 ? "no treated units (value 1) among complete rows" : "no control units (value 0) among complete rows")
            }
        case .continuous:
            if let bad = t.firstIndex(where: { !$0.isFinite }) {
                throw .invalidTreatment(column: treatment, detail: "must be finite; row \(rows[bad] + 1) has \(formatNumber(t[bad]))")
            }
            guard let first = t.first, t.contains(where: { $0 != first }) else {
                throw .invalidTreatment(column: treatment, detail: "a continuous treatment needs at least two distinct values among complete rows")
            }
        }
        self.table = sub
        self.rows = rows
        self.treatment = t
        self.treated = t.map { $0 == 1 }
        self.kind = kind
        self.droppedRows = table.rowCount - rows.count
    }

    /// Stratum codes from the joint values of `columns` (all zero when empty).
    public func strata(_ columns: [String]) throws(MatchingError) -> [Int] {
        guard !columns.isEmpty else { return [Int](repeating: 0, count: count) }
        var values: [[String?]] = []
        for c in columns {
            do { values.append(try table.strings(c)) } catch { throw .table(error) }
        }
        let keys = (0..<count).map { i in values.map { $0[i] ?? "" }.joined(separator: "\u{1F}") }
        return Categorical(keys).codes.map(Int.init)
    }

    /// The numeric columns as an n x p matrix.
    public func matrix(_ columns: [String]) throws(MatchingError) -> Matrix {
        var cols: [[Double]] = []
        for c in columns {
            do { cols.append(try table.numeric(c)) } catch { throw .table(error) }
        }
        return Matrix(columns: cols)
    }
}
