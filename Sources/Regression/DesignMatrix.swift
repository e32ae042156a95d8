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
    public var clusters: [Int]? { clusterDimensions.first }
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

    /// Groups restricted to the positions `kept`, renumbered in order of first appearance.
    static func compact(_ g: (codes: [Int], labels: [String]), keeping kept: [Int]) -> (codes: [Int], labels: [String]) {
        var map = [Int](repeating: -1, count: g.labels.count)
        var labels: [String] = []
        let codes = kept.map { i -> Int in
            let c = g.codes[i]
            if map[c] < 0 {
                map[c] = labels.count
                labels.append(g.labels[c])
            }
            return map[c]
        }
        return (codes, labels)
    }

    /// Names of the columns of `x`.
    public var columnNames: [String] { encoder.columnNames }

    /// Builds the design for `spec` from `table`.
    public init(_ spec: ModelSpecification, table: Table) throws(RegressionError) {
        var used: [Int]
        let yAll: [Double], weightColumn: [Double]?, clusterColumns: [Column], absorbColumns: [Column]
        do {
            // Check every column exists first, so the error names the first missing one.
            for name in spec.columnsUsed { _ = try table.column(name) }
            used = try table.completeRows(for: spec.columnsUsed)
            yAll = try table.numeric(spec.outcome)
            weightColumn = try spec.weights.map { name throws(TableError) in try table.numeric(name) }
            clusterColumns = try spec.clusters.map { name throws(TableError) in try table.column(name) }
            absorbColumns = try spec.absorb.map { name throws(TableError) in try table.column(name) }
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
        var absorbGroups = absorbColumns.map { $0.groups(rows: used) }
        if !absorbColumns.isEmpty && spec.dropSingletons {
            let kept = FixedEffects.nonSingletonRows(absorbGroups.map(\.codes), levelCounts: absorbGroups.map(\.labels.count))
            if kept.count < used.count {
                singletons = used.count - kept.count
                used = kept.map { used[$0] }
                w = w.map { all in kept.map { all[$0] } }
                absorbGroups = absorbGroups.map { Self.compact($0, keeping: kept) }
            }
        }
        self.singletons = singletons
        // Cluster codes in order of first appearance among the rows used (an absorbed column's are reused).
        let clusterGroups = zip(spec.clusters, clusterColumns).map { name, column in
            spec.absorb.firstIndex(of: name).map { absorbGroups[$0] } ?? column.groups(rows: used)
        }
        clusterDimensions = clusterGroups.map(\.codes)
        clusterLabels = clusterGroups.first?.labels
        fixedEffects =
            absorbColumns.isEmpty
            ? nil : FixedEffects(names: spec.absorb, codes: absorbGroups.map(\.codes), levels: absorbGroups.map(\.labels), weights: w)
        y = used.map { yAll[$0] }
        encoder = try DesignEncoder(spec, table: table, rows: used)
        x = try encoder.encode(table, rows: used)
        weights = w
        rows = used
        droppedRows = table.rowCount - used.count
    }
}
