import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular

/// The imputation estimator for staggered adoption (Borusyak, Jaravel & Spiess 2024).
///
/// Unit and period effects are estimated on the untreated observations (never-treated units, and
/// adopting units before their adoption), each treated observation's untreated outcome is imputed
/// as α̂ᵢ + λ̂ₜ, and the effects τᵢₜ = Yᵢₜ − α̂ᵢ − λ̂ₜ are averaged. This is computed in its numerically
/// identical regression form (Wooldridge 2021): two-way fixed effects with one indicator per treated
/// cohort-period cell, so ATT(g,t) is that cell's coefficient. Averages weight the cells by their
/// treated observations: event time e averages the cells with t − g = e, and the overall effect all
/// treated cells (equal weight per treated observation, BJS's default).
///
/// Standard errors are CR1 clustered by unit (or `cluster`), with fixest's small-sample rules, for
/// every cell and every average (a linear combination aᵀβ̂ has variance aᵀV̂a); t with G − 1 df.
///
/// Covariates follow BJS's step 1: their coefficients β̂ come from untreated observations only
/// (y = αᵢ + λₜ + Xβ on them, singletons kept, as Gardner's two-stage `did2s`), and the cells are then
/// estimated on y − Xβ̂. (Entering the covariates in the extended regression instead would fit β on
/// every observation, which is not the imputation estimator when treatment moves the covariate.) The
/// variance then accounts for the first stage: each observation's influence on θ̂ is
/// A⁻¹W̃ᵢwᵢe₂ᵢ − ΓB⁻¹X̃₀ᵢwᵢe₁ᵢ, with W̃ the demeaned cell indicators, A = W̃ᵀΩW̃, e₂ the second stage's
/// residuals, Γ = A⁻¹W̃ᵀΩX, X̃₀ the demeaned covariates of the untreated observations, B = X̃₀ᵀΩX̃₀ and
/// e₁ the first stage's residuals; summed by cluster, V̂ = c·Σ_g ψ_gψ_gᵀ — the GMM variance of pyfixest's
/// `did2s` (Gardner 2021), times the CR1 factor c = G/(G−1)·(N−1)/(N−K) of the second stage, so that
/// without covariates it is the CR1 above.
///
/// Complexity: two fixed-effects regressions and O(n·(cells + covariates)²) for the variance.
public struct ImputationDiD: Sendable {
    public struct Cell: Sendable, Codable, Equatable {
        public let group: Double
        public let time: Double
        public let observations: Int
        public let effect: Estimate
        /// The treated units (and clusters, when `cluster` is set) in the cell, among the rows fitted.
        public let treated: Contributors
    }

    public let cells: [Cell]
    /// Event-time averages (keys: t − g) and the overall average.
    public let eventTime: [Estimate]
    public let eventTimes: [Int]
    public let overall: Estimate
    /// The treated units (and clusters) behind each event-time average and behind the overall average.
    public let eventTimeContributors: [Contributors]
    public let overallContributors: Contributors
    /// The untreated observations' units (and clusters) that estimate the unit and period effects.
    public let comparison: Contributors
    public let fit: LinearFit

    public init(_ spec: CallawaySantAnna.Specification, table: Table) throws(DiDError) {
        let adoption: [Double], time: [Double]
        do {
            adoption = try table.numeric(spec.adoption).map { $0.isNaN ? 0 : $0 }
            time = try table.numeric(spec.time)
        } catch { throw .data("\(error)") }
        var cellOf = [String?](repeating: nil, count: table.rowCount)
        var cellKeys: [String: (Double, Double)] = [:]
        for r in 0..<table.rowCount where adoption[r] > 0 && time[r] >= adoption[r] - Double(spec.anticipation) {
            let key = "d::\(formatNumber(adoption[r]))::\(formatNumber(time[r]))"
            cellOf[r] = key
            cellKeys[key] = (adoption[r], time[r])
        }
        let ordered = cellKeys.sorted { ($0.value.0, $0.value.1) < ($1.value.0, $1.value.1) }
        guard !ordered.isEmpty else { throw .data("no treated observations (adoption at or before the period)") }
        var extended = table
        do {
            for (key, _) in ordered { try extended.addColumn(key, .numeric(cellOf.map { $0 == key ? 1 : 0 })) }
        } catch { throw .data("\(error)") }
        var model = ModelSpecification(
            outcome: spec.outcome, covariates: ordered.map(\.key), weights: spec.weights, absorb: [spec.unit, spec.time])
        model.clusters = [spec.cluster ?? spec.unit]
        // BJS step 1 for covariates: β̂ from the untreated observations, then the cells on y − Xβ̂.
        var firstStage: (fit: LinearFit, rows: [Int])? = nil
        if !spec.covariates.isEmpty {
            let untreated = (0..<table.rowCount).filter { cellOf[$0] == nil }
            var first = ModelSpecification(outcome: spec.outcome, covariates: spec.covariates, weights: spec.weights, absorb: [spec.unit, spec.time])
            first.dropSingletons = false
            first.clusters = model.clusters // rows without a cluster are left out of both stages
            do {
                let fit1 = try LinearModel.fit(first, table: extended.selectingRows(untreated))
                var adjusted = try table.numeric(spec.outcome)
                for c in spec.covariates {
                    let b = fit1.coefficient(c) ?? 0, x = try table.numeric(c)
                    for i in adjusted.indices { adjusted[i] -= b * x[i] }
                }
                var name = "imputation::adjusted-outcome"
                while extended.hasColumn(name) { name += "'" }
                try extended.addColumn(name, .numeric(adjusted))
                model.outcome = name
                firstStage = (fit1, fit1.rows.map { untreated[$0] })
            } catch { throw .estimation("the covariates' first stage on untreated observations: \(error)") }
        }
        let fit: LinearFit, cov: CoefficientCovariance, matrix: Matrix
        do {
            fit = try LinearModel.fit(model, table: extended)
            cov = try fit.covariance(.cr1)
            if let firstStage {
                matrix = try Self.twoStageCovariance(
                    fit, cr1: cov, first: firstStage.fit, firstRows: firstStage.rows, covariates: try spec.covariates.map { try table.numeric($0) },
                    clusters: try Self.clusterCodes(table, column: spec.cluster ?? spec.unit))
            } else {
                matrix = cov.matrix
            }
        } catch let error as DiDError { throw error } catch { throw .estimation("\(error)") }
        let level = spec.level
        let df = cov.degreesOfFreedom
        let inference =
            firstStage == nil
            ? cov.inference
            : Inference(
                kind: .cluster, type: "two-stage GMM (did2s) with CR1's factor", df: cov.inference.df, clusters: cov.clusterCount)
        var cellCounts: [String: Int] = [:]
        for key in cellOf.compactMap({ $0 }) { cellCounts[key, default: 0] += 1 }
        let counts = ordered.map { cellCounts[$0.key]! }
        func combination(_ term: String, _ a: [Double]) -> Estimate {
            var full = [Double](repeating: 0, count: fit.parameterCount)
            for (k, (key, _)) in ordered.enumerated() { full[fit.index(of: key)!] = a[k] }
            let b = Vector.dot(full, fit.coefficients)
            let v = Vector.dot(full, matrix.multiplied(by: full))
            return .wald(term: term, estimate: b, standardError: max(v, 0).squareRoot(), degreesOfFreedom: df, level: level, inference: inference)
        }
        // Units and clusters behind each cell, among the rows the fit used.
        let unitCodes: [Int], contributorClusters: [Int]?
        do {
            unitCodes = try Self.clusterCodes(table, column: spec.unit)
            contributorClusters = try spec.cluster.map { try Self.clusterCodes(table, column: $0) }
        } catch let error as DiDError { throw error } catch { throw .data("\(error)") }
        let cellIndex = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1.key, $0) })
        var rowsOfCell = [[Int]](repeating: [], count: ordered.count)
        var untreatedRows: [Int] = []
        for r in fit.rows {
            if let key = cellOf[r], let k = cellIndex[key] { rowsOfCell[k].append(r) } else { untreatedRows.append(r) }
        }
        func contributors(_ rows: [Int]) -> Contributors {
            Contributors(units: Set(rows.map { unitCodes[$0] }).count, clusters: contributorClusters.map { c in Set(rows.map { c[$0] }).count })
        }
        comparison = contributors(untreatedRows)
        cells = ordered.enumerated().map { k, entry in
            var a = [Double](repeating: 0, count: ordered.count)
            a[k] = 1
            return Cell(
                group: entry.value.0, time: entry.value.1, observations: counts[k],
                effect: combination("ATT(\(formatNumber(entry.value.0)),\(formatNumber(entry.value.1)))", a), treated: contributors(rowsOfCell[k]))
        }
        let events = Array(Set(ordered.map { Int(($0.value.1 - $0.value.0).rounded()) })).sorted()
        eventTimes = events
        eventTimeContributors = events.map { e in
            contributors(ordered.indices.filter { Int((ordered[$0].value.1 - ordered[$0].value.0).rounded()) == e }.flatMap { rowsOfCell[$0] })
        }
        overallContributors = contributors(rowsOfCell.flatMap { $0 })
        eventTime = events.map { e in
            let a = ordered.enumerated().map { k, entry in Int((entry.value.1 - entry.value.0).rounded()) == e ? Double(counts[k]) : 0 }
            let total = a.reduce(0, +)
            return combination("event time \(e)", a.map { $0 / total })
        }
        let total = Double(counts.reduce(0, +))
        overall = combination("overall", counts.map { Double($0) / total })
        self.fit = fit
        covariateCoefficients = firstStage.map { first in spec.covariates.map { first.fit.coefficient($0) ?? .nan } } ?? []
    }

    /// The covariates' coefficients from the first stage (untreated observations), in `covariates` order;
    /// empty without covariates.
    public let covariateCoefficients: [Double]

    /// Cluster codes of every table row (missing values their own code, never used by the fits).
    static func clusterCodes(_ table: Table, column: String) throws -> [Int] {
        guard let c = table[column] else { throw DiDError.data("no column named '\(column)'") }
        return c.groups(rows: Array(0..<table.rowCount)).codes
    }

    /// The cells' covariance with the first stage accounted for (see the type's documentation).
    static func twoStageCovariance(
        _ fit: LinearFit, cr1: CoefficientCovariance, first: LinearFit, firstRows: [Int], covariates: [[Double]], clusters: [Int]
    ) throws -> Matrix {
        let m = fit.parameterCount, p = first.parameterCount
        let g = (clusters.max() ?? -1) + 1
        let w2 = fit.weights ?? [Double](repeating: 1, count: fit.observations)
        let w1 = first.weights ?? [Double](repeating: 1, count: first.observations)
        let a = fit.x.gram(rowScale: w2.map { $0.squareRoot() })
        let b = first.x.gram(rowScale: w1.map { $0.squareRoot() })
        let aInverse = try a.inverse(), bInverse = try b.inverse()
        // Γ = A⁻¹ W̃ᵀΩX (raw covariates: W̃ is orthogonal to the fixed effects).
        let weightedX = Matrix(
            rows: fit.observations, columns: p, rowMajor: fit.rows.enumerated().flatMap { k, row in covariates.map { w2[k] * $0[row] } })
        let wx = fit.x.multiplied(by: weightedX, transposingSelf: true)
        let gammaB = aInverse.multiplied(by: wx).multiplied(by: bInverse) // m × p
        // Per cluster: u_g = Σ W̃ᵢwᵢe₂ᵢ (m), s_g = Σ X̃₀ᵢwᵢe₁ᵢ (p).
        var u = Matrix(rows: g, columns: m), s = Matrix(rows: g, columns: p)
        for (k, row) in fit.rows.enumerated() {
            let e = w2[k] * fit.residuals[k]
            for j in 0..<m { u[clusters[row], j] += fit.x[k, j] * e }
        }
        for (k, row) in firstRows.enumerated() {
            let e = w1[k] * first.residuals[k]
            for c in 0..<p { s[clusters[row], c] += first.x[k, c] * e }
        }
        // ψ_g = A⁻¹u_g − ΓB⁻¹s_g, as rows of a G × m matrix.
        let psi = u.multiplied(by: aInverse) - s.multiplied(by: gammaB, transposingOther: true)
        let cr0 = try fit.covariance(.cr0)
        let factor = cr0.matrix[0, 0] > 0 ? cr1.matrix[0, 0] / cr0.matrix[0, 0] : 1
        return factor * psi.gram()
    }
}
