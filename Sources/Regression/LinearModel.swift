import Foundation
import LinearAlgebra
import Tabular

/// Ordinary and weighted least squares.
///
/// Solves `min Σ wᵢ (yᵢ − xᵢᵀβ)²` by the QR factorisation of `W^½ [X | y]`
/// (sequential tall-skinny QR with LAPACK `dtpqrt`, see
/// `Matrix.streamingQRFactor`), never by forming `XᵀX`. Rank is checked as R's
/// `lm` does (`dqrdc2`, tolerance 1e-7): column j is collinear when the part of
/// it not explained by the columns before it has norm below 1e-7 of its own
/// norm, i.e. |Rⱼⱼ| < 1e-7 ‖xⱼ‖. Unlike `lm`, a rank-deficient design is an
/// error that names the collinear columns, not a silent NA.
///
/// Complexity: 2n(k+1)² flops for the factorisation, O(nk) for everything
/// else (HC0–HC3 add nk² for the meat; HC2/HC3 another nk² for the leverages),
/// and no n x k temporary.
public enum LinearModel {
    /// The relative tolerance for the rank decision (as R's `lm`).
    public static let rankTolerance = 1e-7

    /// Fits the model in `spec` to `table`.
    public static func fit(_ spec: ModelSpecification, table: Table) throws(RegressionError) -> LinearFit {
        let design = try DesignMatrix(spec, table: table)
        return try fit(design, counting: spec.fixedEffectCounting)
    }

    /// Fits a prepared design; absorbed fixed effects are swept out of y and X first (Frisch–Waugh–Lovell).
    public static func fit(_ design: DesignMatrix, counting: Absorption.Counting = .fixest) throws(RegressionError) -> LinearFit {
        guard let fe = design.fixedEffects else {
            return try fit(
                y: design.y, x: design.x, names: design.columnNames, weights: design.weights,
                clusters: design.clusters, clusterLabels: design.clusterLabels, rows: design.rows,
                droppedRows: design.droppedRows, clusterDimensions: design.clusterDimensions)
        }
        let (y, iy) = try fe.demean(design.y)
        let (x, ix) = try fe.demean(columns: design.x)
        // A column the fixed effects explain entirely (e.g. a unit-level covariate with unit fixed effects).
        let sqrtW = design.weights?.map { $0.squareRoot() }
        func norm(_ v: [Double]) -> Double {
            (sqrtW.map { s in zip(v, s).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } } ?? v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        }
        let absorbed = (0..<x.columns).filter { j in norm(x.column(j)) <= rankTolerance * norm(design.x.column(j)) }
        if !absorbed.isEmpty {
            throw .rankDeficient(
                rank: x.columns - absorbed.count, columns: x.columns,
                dependencies: absorbed.map { CollinearColumn(name: design.columnNames[$0], partners: [], coefficients: [], absorbedBy: fe.names) })
        }
        let w = design.weights ?? [Double](repeating: 1, count: design.y.count)
        let sw = w.reduce(0, +)
        let mean = zip(w, design.y).reduce(0) { $0 + $1.0 * $1.1 } / sw
        let tss = zip(w, design.y).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
        let absorption = Absorption(fixedEffects: fe, singletons: design.singletons, iterations: max(iy, ix), totalSumOfSquares: tss, counting: counting)
        guard design.y.count > x.columns + absorption.coefficientCount else {
            throw .tooFewObservations(observations: design.y.count, coefficients: x.columns + absorption.coefficientCount)
        }
        return try fit(
            y: y, x: x, names: design.columnNames, weights: design.weights,
            clusters: design.clusters, clusterLabels: design.clusterLabels, rows: design.rows,
            droppedRows: design.droppedRows, clusterDimensions: design.clusterDimensions, absorption: absorption)
    }

    /// Fits `y` on the columns of `x` (named `names`), optionally weighted.
    public static func fit(
        y: [Double], x: Matrix, names: [String], weights: [Double]? = nil,
        clusters: [Int]? = nil, clusterLabels: [String]? = nil, rows: [Int]? = nil, droppedRows: Int = 0,
        clusterDimensions: [[Int]]? = nil, absorption: Absorption? = nil
    ) throws(RegressionError) -> LinearFit {
        let n = x.rows, k = x.columns
        precondition(y.count == n && names.count == k, "LinearModel.fit: y, x and names disagree in size")
        guard n > k else { throw .tooFewObservations(observations: n, coefficients: k) }
        guard y.allSatisfy({ $0.isFinite }) else {
            throw .invalidOption("the outcome contains infinite values")
        }
        if absorption == nil, let first = y.first, y.allSatisfy({ $0 == first }) {
            throw .invalidOption("the outcome has the same value (\(formatNumber(first))) in every row used; there is nothing to explain")
        }
        if !x.isFinite, let bad = (0..<k).first(where: { j in !x.column(j).allSatisfy { $0.isFinite } }) {
            throw .invalidOption("column '\(names[bad])' contains infinite values")
        }
        // QR of the whitened [X* | y*] = W^½ [X | y], streamed in row blocks: R, Qᵀy* and the RSS at once.
        let sqrtW = weights?.map { $0.squareRoot() }
        let augmented: Matrix
        do { augmented = try x.streamingQRFactor(appending: y, rowScale: sqrtW) } catch { throw .linearAlgebra(error) }
        var r = Matrix(rows: k, columns: k)
        for j in 0..<k { for i in 0...j { r[i, j] = augmented[i, j] } }
        // ‖x*ⱼ‖ = ‖R₍:,ⱼ₎‖ because Q is orthogonal.
        let norms = (0..<k).map { j in (0...j).reduce(0.0) { $0 + r[$1, j] * r[$1, j] }.squareRoot() }
        let collinear = (0..<k).filter { j in norms[j] == 0 || abs(r[j, j]) < rankTolerance * norms[j] }
        if !collinear.isEmpty {
            throw .rankDeficient(
                rank: k - collinear.count, columns: k,
                dependencies: dependencies(r: r, norms: norms, collinear: collinear, names: names))
        }
        let qty = (0..<k).map { augmented[$0, k] }
        let beta: [Double]
        do { beta = try r.solvingUpperTriangular(Matrix(column: qty)).elements } catch { throw .linearAlgebra(error) }
        let fitted = x.multiplied(by: beta)
        let residuals = zip(y, fitted).map { $0 - $1 }
        // RSS = (last diagonal of the augmented triangle)², free of cancellation.
        let rss = augmented[k, k] * augmented[k, k]
        return LinearFit(
            names: names, coefficients: beta, residuals: residuals, fitted: fitted, y: y,
            weights: weights, x: x, r: r, rss: rss,
            clusters: clusters, clusterLabels: clusterLabels, rows: rows ?? Array(0..<n), droppedRows: droppedRows,
            clusterDimensions: clusterDimensions, absorption: absorption)
    }

    /// For each collinear column, the earlier independent columns it is a combination of.
    ///
    /// Since X = QR with orthonormal Q, ‖X_S b − xⱼ‖ = ‖R_S b − rⱼ‖, so each
    /// dependency is a small least-squares problem in R's columns (`dgelsd`).
    static func dependencies(r: Matrix, norms: [Double], collinear: [Int], names: [String]) -> [CollinearColumn] {
        let independent = (0..<r.columns).filter { !collinear.contains($0) }
        return collinear.map { j in
            let basis = independent.filter { $0 < j }
            guard norms[j] > 0, !basis.isEmpty,
                let fit = try? r.selectingColumns(basis).leastSquares(r.column(j))
            else {
                return CollinearColumn(name: names[j], partners: [], coefficients: [])
            }
            var partners: [String] = [], coefficients: [Double] = []
            for (i, b) in zip(basis, fit.solution) where abs(b) * norms[i] > 1e-6 * norms[j] {
                partners.append(names[i])
                coefficients.append(b)
            }
            return CollinearColumn(name: names[j], partners: partners, coefficients: coefficients)
        }
    }
}
