import LinearAlgebra
import Tabular

/// A regression specification in terms of table columns.
public struct ModelSpecification: Sendable, Equatable {
    /// The outcome column (numeric).
    public var outcome: String
    /// Numeric covariates entered linearly (a treatment indicator is one of these).
    public var covariates: [String]
    /// Categorical covariates entered as treatment contrasts (numeric columns are treated as categories too).
    public var factors: [String]
    /// Reference levels for factors (default: the first level in R's sorted order).
    public var referenceLevels: [String: String]
    /// Whether to include an intercept.
    public var intercept: Bool
    /// Optional analytic (precision) weights column.
    public var weights: String?
    /// Optional cluster identifier column for cluster-robust variance.
    public var cluster: String?

    public init(outcome: String, covariates: [String] = [], factors: [String] = [],
                referenceLevels: [String: String] = [:], intercept: Bool = true,
                weights: String? = nil, cluster: String? = nil) {
        self.outcome = outcome
        self.covariates = covariates
        self.factors = factors
        self.referenceLevels = referenceLevels
        self.intercept = intercept
        self.weights = weights
        self.cluster = cluster
    }

    /// Every column the model reads.
    public var columnsUsed: [String] {
        [outcome] + covariates + factors + [weights, cluster].compactMap { $0 }
    }
}

/// The numeric design built from a table: outcome, model matrix, weights and clusters for the complete rows.
///
/// Factors use treatment contrasts as R's `contr.treatment`: levels sorted as
/// R's `factor()` sorts them, the first (or the chosen reference) omitted when
/// there is an intercept, each other level a 0/1 column named `name[T.level]`.
/// Rows with a missing value in any column used are dropped (R's `na.omit`),
/// and so are rows with weight 0.
public struct DesignMatrix: Sendable {
    /// The outcome for the rows used.
    public let y: [Double]
    /// The model matrix, one column per coefficient.
    public let x: Matrix
    /// Names of the columns of `x`.
    public let columnNames: [String]
    /// Weights for the rows used, if any.
    public let weights: [Double]?
    /// Cluster codes (0-based) for the rows used, and their labels.
    public let clusters: [Int]?
    public let clusterLabels: [String]?
    /// The table rows used, in order.
    public let rows: [Int]
    /// Rows dropped for missing values or zero weight.
    public let droppedRows: Int

    /// Builds the design for `spec` from `table`.
    public init(_ spec: ModelSpecification, table: Table) throws(RegressionError) {
        do {
            // Check every column exists first, so the error names the first missing one.
            for name in spec.columnsUsed { _ = try table.column(name) }
            var used = try table.completeRows(for: spec.columnsUsed)
            var w: [Double]? = nil
            if let wname = spec.weights {
                let all = try table.numeric(wname)
                for r in used where !(all[r].isFinite && all[r] >= 0) {
                    throw RegressionError.invalidWeights(column: wname, row: r, value: all[r])
                }
                used = used.filter { all[$0] > 0 }
                w = used.map { all[$0] }
            }
            let n = used.count
            let yAll = try table.numeric(spec.outcome)
            y = used.map { yAll[$0] }

            var names: [String] = []
            var storage: [Double] = []
            if spec.intercept {
                names.append("(Intercept)")
                storage.append(contentsOf: repeatElement(1.0, count: n))
            }
            for name in spec.covariates {
                let v = try table.numeric(name)
                names.append(name)
                storage.append(contentsOf: used.lazy.map { v[$0] })
            }
            for (k, name) in spec.factors.enumerated() {
                let column = try table.column(name)
                let (levels, codes) = Self.levels(of: column, rows: used)
                guard levels.count >= 1 else { continue }
                var reference = 0
                if let chosen = spec.referenceLevels[name] {
                    guard let i = levels.firstIndex(of: chosen) else {
                        throw RegressionError.invalidOption(
                            "reference level '\(chosen)' of factor '\(name)' does not occur; levels are \(levels.map { "'\($0)'" }.joined(separator: ", "))")
                    }
                    reference = i
                }
                let full = !spec.intercept && k == 0   // R keeps every level of the first factor without an intercept
                for (li, level) in levels.enumerated() where full || li != reference {
                    names.append("\(name)[T.\(level)]")
                    storage.append(contentsOf: codes.lazy.map { $0 == li ? 1.0 : 0.0 })
                }
            }
            x = Matrix(rows: n, columns: names.count, columnMajor: storage)
            columnNames = names
            weights = w
            rows = used
            droppedRows = table.rowCount - n
            if let cname = spec.cluster {
                // Cluster codes in order of first appearance among the rows used.
                let labels = try table.strings(cname)
                let codes = Categorical(used.map { labels[$0] })
                clusters = codes.codes.map(Int.init)
                clusterLabels = codes.levels
            } else {
                clusters = nil
                clusterLabels = nil
            }
        } catch let e as TableError {
            throw .table(e)
        } catch let e as RegressionError {
            throw e
        } catch {
            throw .invalidOption("\(error)")
        }
    }

    /// Sorted levels present among `rows` and each row's level position.
    static func levels(of column: Column, rows: [Int]) -> ([String], [Int]) {
        switch column {
        case .categorical(let c):
            let levels = c.sortedLevels(amongRows: rows)
            var position: [Int32: Int] = [:]
            for (i, l) in levels.enumerated() { position[Int32(c.levels.firstIndex(of: l)!)] = i }
            return (levels, rows.map { position[c.codes[$0]]! })
        case .numeric(let v):
            let values = Array(Set(rows.map { v[$0] })).sorted()
            var position: [Double: Int] = [:]
            for (i, x) in values.enumerated() { position[x] = i }
            return (values.map(formatNumber), rows.map { position[v[$0]]! })
        }
    }
}
