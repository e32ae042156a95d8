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
    /// Cluster codes (0-based) for the rows used, and their labels (the first cluster column).
    public let clusters: [Int]?
    public let clusterLabels: [String]?
    /// Cluster codes for every cluster column (multiway clustering), in `spec.clusters` order.
    public let clusterDimensions: [[Int]]
    /// The absorbed factors for the rows used, if any.
    public let fixedEffects: FixedEffects?
    /// Observations dropped because they were alone in a level of an absorbed factor.
    public let singletons: Int
    /// The table rows used, in order.
    public let rows: [Int]
    /// Rows dropped for missing values or zero weight.
    public let droppedRows: Int

    /// Names of the columns of `x`.
    public var columnNames: [String] { encoder.columnNames }

    /// Builds the design for `spec` from `table`.
    public init(_ spec: ModelSpecification, table: Table) throws(RegressionError) {
        var used: [Int]
        let yAll: [Double], weightColumn: [Double]?, clusterColumns: [[String?]], absorbColumns: [[String?]]
        do {
            // Check every column exists first, so the error names the first missing one.
            for name in spec.columnsUsed { _ = try table.column(name) }
            used = try table.completeRows(for: spec.columnsUsed)
            yAll = try table.numeric(spec.outcome)
            weightColumn = try spec.weights.map { name throws(TableError) in try table.numeric(name) }
            clusterColumns = try spec.clusters.map { name throws(TableError) in try table.strings(name) }
            absorbColumns = try spec.absorb.map { name throws(TableError) in try table.strings(name) }
        } catch { throw .table(error) }
        var w: [Double]? = nil
        if let wname = spec.weights, let all = weightColumn {
            if let r = used.first(where: { !(all[$0].isFinite && all[$0] >= 0) }) {
                throw .invalidWeights(column: wname, row: r, value: all[r])
            }
            used = used.filter { all[$0] > 0 }
            w = used.map { all[$0] }
        }
        var singletons = 0
        if !absorbColumns.isEmpty && spec.dropSingletons {
            let coded = absorbColumns.map { labels in Categorical(used.map { labels[$0] }) }
            let kept = FixedEffects.nonSingletonRows(coded.map { $0.codes.map(Int.init) }, levelCounts: coded.map(\.levels.count))
            singletons = used.count - kept.count
            used = kept.map { used[$0] }
            w = w.map { all in kept.map { all[$0] } }
        }
        self.singletons = singletons
        // Cluster and fixed-effect codes in order of first appearance among the rows used.
        clusterDimensions = clusterColumns.map { labels in Categorical(used.map { labels[$0] }).codes.map(Int.init) }
        if let labels = clusterColumns.first {
            clusters = clusterDimensions[0]
            clusterLabels = Categorical(used.map { labels[$0] }).levels
        } else {
            clusters = nil
            clusterLabels = nil
        }
        if absorbColumns.isEmpty {
            fixedEffects = nil
        } else {
            let coded = absorbColumns.map { labels in Categorical(used.map { labels[$0] }) }
            fixedEffects = FixedEffects(names: spec.absorb, codes: coded.map { $0.codes.map(Int.init) }, levels: coded.map(\.levels), weights: w)
        }
        y = used.map { yAll[$0] }
        encoder = try DesignEncoder(spec, table: table, rows: used)
        x = try encoder.encode(table, rows: used)
        weights = w
        rows = used
        droppedRows = table.rowCount - used.count
    }
}
