import LinearAlgebra
import Tabular

/// How a model's terms become design columns, learnt once from the estimation sample and
/// reusable on other rows or tables (prediction, counterfactuals, event-study plots).
///
/// Factors use treatment contrasts as R's `contr.treatment`: levels sorted as R's `factor()`
/// sorts them (numerically when every level is a number), the first (or the chosen reference)
/// omitted when there is an intercept, each other level a 0/1 column named `name[T.level]`.
/// Without an intercept the first factor keeps every level, as in R; with absorbed fixed effects
/// there is no intercept column but factors are coded as if there were one. A level met when encoding
/// that was absent when learning is an error naming the column, level and row.
///
/// Complexity: learning O(n · columns used); encoding O(n · k).
public struct DesignEncoder: Sendable, Equatable {
    /// A factor's coding: its levels and which one (if any) has no column.
    public struct FactorCoding: Sendable, Equatable {
        public let levels: [String]
        /// The index of the reference level in `levels`; nil when every level has a column.
        public let reference: Int?
        /// The levels that have a column, in order.
        public var coded: [String] { levels.indices.filter { $0 != reference }.map { levels[$0] } }
    }

    public let terms: [ModelTerm]
    public let intercept: Bool
    public let factors: [String: FactorCoding]
    /// The names of the design columns, in order.
    public let columnNames: [String]

    /// Learns factor levels from `rows` of `table`.
    public init(_ spec: ModelSpecification, table: Table, rows: [Int]) throws(RegressionError) {
        var factors: [String: FactorCoding] = [:]
        let firstFactor = spec.terms.first { if case .factor = $0 { true } else { false } }
        for name in spec.terms.flatMap(\.factors) where factors[name] == nil {
            let column: Column
            do { column = try table.column(name) } catch { throw .table(error) }
            let levels = Self.sortedLevels(column, rows: rows)
            if levels.count < 2 {
                // R: "contrasts can be applied only to factors with 2 or more levels".
                throw .invalidOption(
                    "factor '\(name)' has a single level ('\(levels.first ?? "")') in the rows used, so it explains nothing; remove it from 'factors' (or check the rows dropped for missing values)"
                )
            }
            var reference: Int? = 0
            if let chosen = spec.referenceLevels[name] {
                guard let i = levels.firstIndex(of: chosen) else {
                    throw .invalidOption(
                        "reference level '\(chosen)' of factor '\(name)' does not occur; levels are \(levels.map { "'\($0)'" }.joined(separator: ", "))")
                }
                reference = i
            }
            if !spec.intercept && firstFactor == .factor(name) { reference = nil } // R keeps every level of the first factor
            factors[name] = FactorCoding(levels: levels, reference: reference)
        }
        self.terms = spec.terms
        self.intercept = spec.intercept && spec.absorb.isEmpty
        self.factors = factors
        var names = intercept ? ["(Intercept)"] : []
        for term in spec.terms { names += Self.names(term, factors) }
        self.columnNames = names
    }

    /// The design matrix for `rows` of `table` (every column complete on those rows).
    public func encode(_ table: Table, rows: [Int]) throws(RegressionError) -> Matrix {
        let n = rows.count
        var storage: [Double] = []
        storage.reserveCapacity(n * columnNames.count)
        if intercept { storage.append(contentsOf: repeatElement(1.0, count: n)) }
        for term in terms {
            for column in try columns(term, table: table, rows: rows) { storage.append(contentsOf: column) }
        }
        return Matrix(rows: n, columns: columnNames.count, columnMajor: storage)
    }

    /// The columns of one term, for `rows`.
    func columns(_ term: ModelTerm, table: Table, rows: [Int]) throws(RegressionError) -> [[Double]] {
        switch term {
        case .numeric(let name):
            let v: [Double]
            do { v = try table.numeric(name) } catch { throw .table(error) }
            return [rows.map { v[$0] }]
        case .factor(let name):
            let coding = factors[name]!
            let labels: [String?]
            do { labels = Self.labels(try table.column(name)) } catch { throw .table(error) }
            let position = Dictionary(uniqueKeysWithValues: coding.levels.enumerated().map { ($1, $0) })
            var codes = [Int](repeating: 0, count: rows.count)
            for (i, r) in rows.enumerated() {
                guard let label = labels[r], let p = position[label] else {
                    throw .invalidOption(
                        "factor '\(name)' has level '\(labels[r] ?? "")' in row \(r + 1), which was not among the levels the model was fitted with")
                }
                codes[i] = p
            }
            return coding.levels.indices.filter { $0 != coding.reference }.map { l in codes.map { $0 == l ? 1.0 : 0.0 } }
        case .interaction(let parts):
            var product: [[Double]] = [[Double](repeating: 1, count: rows.count)]
            for part in parts {
                let next = try columns(part, table: table, rows: rows)
                product = next.flatMap { b in product.map { a in zip(a, b).map { $0 * $1 } } }
            }
            return product
        }
    }

    static func names(_ term: ModelTerm, _ factors: [String: FactorCoding]) -> [String] {
        switch term {
        case .numeric(let c): return [c]
        case .factor(let c): return factors[c]!.coded.map { "\(c)[T.\($0)]" }
        case .interaction(let parts):
            var product = [""]
            for part in parts {
                let next = names(part, factors)
                product = next.flatMap { b in product.map { $0.isEmpty ? b : "\($0):\(b)" } }
            }
            return product
        }
    }

    /// Sorted levels present among `rows`: R's `factor()` order (numeric when every level is a number).
    static func sortedLevels(_ column: Column, rows: [Int]) -> [String] {
        switch column {
        case .categorical(let c): return c.sortedLevels(amongRows: rows)
        case .numeric(let v): return Array(Set(rows.map { v[$0] })).sorted().map(formatNumber)
        }
    }

    /// Each row's level label (nil when missing).
    static func labels(_ column: Column) -> [String?] {
        switch column {
        case .categorical(let c): return c.codes.map { $0 >= 0 ? c.levels[Int($0)] : nil }
        case .numeric(let v): return v.map { $0.isNaN ? nil : formatNumber($0) }
        }
    }
}
