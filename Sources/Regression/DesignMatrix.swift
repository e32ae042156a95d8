import LinearAlgebra
import Tabular

/// The numeric design built from a table: outcome, model matrix, weights and clusters for the complete rows.
///
/// Columns are encoded by a `DesignEncoder` learnt on the rows used (kept as `encoder`, so the
/// same coding can be applied to other rows). Rows with a missing value in any column used are
/// dropped (R's `na.omit`), and so are rows with weight 0.
public struct DesignMatrix: Sendable {
    /// The outcome for the rows used.
    public let y: [Double]
    /// The model matrix, one column per coefficient.
    public let x: Matrix
    /// How the terms were encoded.
    public let encoder: DesignEncoder
    /// Weights for the rows used, if any.
    public let weights: [Double]?
    /// Cluster codes (0-based) for the rows used, and their labels.
    public let clusters: [Int]?
    public let clusterLabels: [String]?
    /// The table rows used, in order.
    public let rows: [Int]
    /// Rows dropped for missing values or zero weight.
    public let droppedRows: Int

    /// Names of the columns of `x`.
    public var columnNames: [String] { encoder.columnNames }

    /// Builds the design for `spec` from `table`.
    public init(_ spec: ModelSpecification, table: Table) throws(RegressionError) {
        var used: [Int]
        let yAll: [Double], weightColumn: [Double]?, clusterColumn: [String?]?
        do {
            // Check every column exists first, so the error names the first missing one.
            for name in spec.columnsUsed { _ = try table.column(name) }
            used = try table.completeRows(for: spec.columnsUsed)
            yAll = try table.numeric(spec.outcome)
            weightColumn = try spec.weights.map { name throws(TableError) in try table.numeric(name) }
            clusterColumn = try spec.cluster.map { name throws(TableError) in try table.strings(name) }
        } catch { throw .table(error) }
        var w: [Double]? = nil
        if let wname = spec.weights, let all = weightColumn {
            if let r = used.first(where: { !(all[$0].isFinite && all[$0] >= 0) }) {
                throw .invalidWeights(column: wname, row: r, value: all[r])
            }
            used = used.filter { all[$0] > 0 }
            w = used.map { all[$0] }
        }
        if let labels = clusterColumn {
            // Cluster codes in order of first appearance among the rows used.
            let codes = Categorical(used.map { labels[$0] })
            clusters = codes.codes.map(Int.init)
            clusterLabels = codes.levels
        } else {
            clusters = nil
            clusterLabels = nil
        }
        y = used.map { yAll[$0] }
        encoder = try DesignEncoder(spec, table: table, rows: used)
        x = try encoder.encode(table, rows: used)
        weights = w
        rows = used
        droppedRows = table.rowCount - used.count
    }
}
