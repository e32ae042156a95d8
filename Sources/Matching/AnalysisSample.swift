import Foundation
import LinearAlgebra
import Tabular

/// The rows a matching or weighting analysis uses: complete on every column it names, with a 0/1 treatment.
struct AnalysisSample {
    /// The table restricted to the complete rows.
    let table: Table
    /// Their positions in the original table.
    let rows: [Int]
    let treated: [Bool]
    let droppedRows: Int

    init(_ table: Table, treatment: String, columns: [String]) throws(MatchingError) {
        do {
            for c in [treatment] + columns { _ = try table.column(c) }
            let rows = try table.completeRows(for: [treatment] + columns)
            let sub = table.selectingRows(rows)
            let t = try sub.numeric(treatment)
            if let bad = t.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw MatchingError.invalidTreatment(column: treatment,
                                                     detail: "must be 0 or 1; row \(rows[bad] + 1) has \(formatNumber(t[bad]))")
            }
            let nTreated = t.filter { $0 == 1 }.count
            guard nTreated > 0 && nTreated < t.count else {
                throw MatchingError.invalidTreatment(column: treatment,
                                                     detail: nTreated == 0 ? "no treated units (value 1) among complete rows" : "no control units (value 0) among complete rows")
            }
            self.table = sub
            self.rows = rows
            self.treated = t.map { $0 == 1 }
            self.droppedRows = table.rowCount - rows.count
        } catch let e as TableError {
            throw .table(e)
        } catch let e as MatchingError {
            throw e
        } catch {
            throw .invalidOption("\(error)")
        }
    }

    var count: Int { rows.count }

    /// Stratum codes from the joint values of `columns` (all zero when empty).
    func strata(_ columns: [String]) throws(MatchingError) -> [Int] {
        guard !columns.isEmpty else { return [Int](repeating: 0, count: count) }
        var values: [[String?]] = []
        for c in columns {
            do { values.append(try table.strings(c)) } catch { throw .table(error) }
        }
        let keys = (0..<count).map { i in values.map { $0[i] ?? "" }.joined(separator: "\u{1F}") }
        return Categorical(keys).codes.map(Int.init)
    }

    /// The numeric columns as an n x p matrix.
    func matrix(_ columns: [String]) throws(MatchingError) -> Matrix {
        var cols: [[Double]] = []
        for c in columns {
            do { cols.append(try table.numeric(c)) } catch { throw .table(error) }
        }
        return Matrix(columns: cols)
    }
}
