import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Linear quantile regression at one or several quantiles with standard errors: the entry point
/// `QuantileModel.estimate(_:table:)` takes a specification and returns the `Codable` result that
/// `impact run` writes for `method: quantile`.
///
/// Coefficients: `QuantileRegression` (statsmodels' IRLS, so that they equal `QuantReg.fit`'s).
///
/// Inference (`Specification.inference`):
/// - `.hallSheather`, statsmodels' `QuantReg` default (vcov `robust`): the kernel sandwich
///   (XᵀX)⁺ XᵀDX (XᵀX)⁺ with dᵢ = (q/f̂)² for a positive residual and ((1 − q)/f̂)² otherwise; f̂ is the
///   Epanechnikov kernel density of the residuals at 0, f̂ = Σ K(eᵢ/h)/(nh), with Hall & Sheather's
///   (1988) bandwidth h = min(SD(y), IQR(e)/1.34)·(Φ⁻¹(q + h₀) − Φ⁻¹(q − h₀)),
///   h₀ = n^(−1/3)·z₀.₉₇₅^(2/3)·(1.5φ(Φ⁻¹(q))²/(2Φ⁻¹(q)² + 1))^(1/3) (SD with divisor n, IQR by linear
///   interpolation); t with n − k df, as statsmodels reports.
/// - `.bootstrap`: the pairs bootstrap, resampling whole clusters when the model names a cluster column
///   (observations otherwise), each draw refitted; the SE is the draws' SD (divisor B − 1), with a t
///   reference of G − 1 df (clustered) or n − k df (R quantreg's `summary(se = "boot")` uses n − k).
///   Draws run in parallel with a seed each, so results do not depend on the thread count.
///
/// Complexity: per quantile, O(iterations · n·k²); the bootstrap multiplies it by the draws.
public enum QuantileModel {
    /// How the coefficients' uncertainty is estimated.
    public enum Inference: String, Sendable, Codable, CaseIterable {
        /// The kernel sandwich with Hall & Sheather's bandwidth (statsmodels' default).
        case hallSheather = "hall-sheather"
        /// The pairs (cluster) bootstrap.
        case bootstrap
    }

    /// What to fit.
    public struct Specification: Sendable {
        /// The outcome and terms (weights and absorbed factors are not supported; `clusters` names the
        /// bootstrap's resampling unit).
        public var model: ModelSpecification
        /// The quantiles, each strictly between 0 and 1.
        public var quantiles: [Double] = [0.5]
        public var inference = Inference.hallSheather
        /// Bootstrap draws.
        public var replications = 500
        public var level = ConfidenceLevel.standard
        public var seed: UInt64 = 1
        public var threads = 1

        public init(model: ModelSpecification, quantiles: [Double] = [0.5]) {
            self.model = model
            self.quantiles = quantiles
        }
    }

    /// The fit at one quantile.
    public struct Fit: Sendable, Codable, Equatable {
        public let quantile: Double
        /// One estimate per term, in design order.
        public let coefficients: [Estimate]
        public let iterations: Int
        public let converged: Bool
        /// The kernel bandwidth h and the sparsity 1/f̂ (Hall–Sheather inference).
        public let bandwidth: Double?
        public let sparsity: Double?
        /// Bootstrap draws that could not be fitted (a resample without variation in a term).
        public let failedDraws: Int?
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        /// The IRLS iteration reached its cap without meeting its stopping rule.
        case notConverged(quantile: Double, iterations: Int)
        /// q ± h₀ left (0, 1): the Hall–Sheather bandwidth is undefined, so no standard errors.
        case bandwidthUndefined(quantile: Double)
        /// Some bootstrap draws could not be fitted and were left out.
        case failedDraws(quantile: Double, failed: Int, of: Int)
        /// A cluster bootstrap on few clusters.
        case fewClusters(clusters: Int)

        /// The warning as a sentence for a report.
        public var message: String {
            switch self {
            case .notConverged(let q, let n):
                return "The fit at quantile \(q) did not converge in \(n) iterations; its coefficients may be far from the check-loss minimum."
            case .bandwidthUndefined(let q):
                return
                    "At quantile \(q) the Hall–Sheather bandwidth is undefined (q ± h₀ outside (0, 1) with this few observations), so there are no standard errors; use `inference: bootstrap`."
            case .failedDraws(let q, let failed, let total):
                return "At quantile \(q), \(failed) of \(total) bootstrap draws could not be fitted (a resample without variation in a term) and were left out."
            case .fewClusters(let g):
                return "The cluster bootstrap resamples \(g) clusters: with fewer than about 30 its standard errors are unreliable."
            }
        }
    }

    /// The result `results.json` holds for a quantile analysis.
    public struct Result: Sendable, Codable, Equatable {
        public let outcome: String
        public let terms: [String]
        public let observations: Int
        public let droppedRows: Int
        /// Clusters resampled by the bootstrap.
        public let clusters: Int?
        public let inference: Inference
        /// Bootstrap draws per quantile.
        public let replications: Int?
        public let level: Double
        public let fits: [Fit]
        public let warnings: [Warning]
    }

    /// Fits every quantile of `spec` on `table` (see the type's documentation).
    public static func estimate(_ spec: Specification, table: Table) throws(RegressionError) -> Result {
        guard spec.model.weights == nil, spec.model.absorb.isEmpty else {
            throw .invalidOption("quantile regression here takes neither weights nor absorbed factors")
        }
        guard !spec.quantiles.isEmpty else { throw .invalidOption("list at least one quantile") }
        if let bad = spec.quantiles.first(where: { !($0 > 0 && $0 < 1) }) {
            throw .invalidOption("a quantile must be strictly between 0 and 1, not \(bad)")
        }
        if let problem = ConfidenceLevel.problem(spec.level) { throw .invalidOption(problem) }
        let design = try DesignMatrix(spec.model, table: table)
        let n = design.x.rows, k = design.x.columns
        guard n > k else { throw .tooFewObservations(observations: n, coefficients: k) }
        let rank: Int
        do { rank = try design.x.leastSquares(design.y).rank } catch { throw .linearAlgebra(error) }
        guard rank == k else { throw .rankDeficient(rank: rank, columns: k, dependencies: []) }
        var warnings: [Warning] = []
        var clusterCount: Int? = nil
        if spec.inference == .bootstrap {
            guard spec.replications >= 2 else { throw .invalidOption("the bootstrap needs at least 2 draws") }
            if let codes = design.clusters {
                let g = (codes.max() ?? -1) + 1
                clusterCount = g
                guard g >= 2 else { throw .varianceUnavailable(estimator: "cluster bootstrap", reason: "there is only \(g) cluster") }
                if g < 30 { warnings.append(.fewClusters(clusters: g)) }
            }
        }
        var fits: [Fit] = []
        for q in spec.quantiles {
            let qr = try QuantileRegression(y: design.y, x: design.x, quantile: q)
            if !qr.converged { warnings.append(.notConverged(quantile: q, iterations: qr.iterations)) }
            switch spec.inference {
            case .hallSheather:
                let (fit, undefined) = try sandwichFit(qr, design: design, quantile: q, level: spec.level)
                if undefined { warnings.append(.bandwidthUndefined(quantile: q)) }
                fits.append(fit)
            case .bootstrap:
                let fit = try bootstrapFit(qr, design: design, quantile: q, spec: spec)
                if let failed = fit.failedDraws, failed > 0 { warnings.append(.failedDraws(quantile: q, failed: failed, of: spec.replications)) }
                fits.append(fit)
            }
        }
        return Result(
            outcome: spec.model.outcome, terms: design.columnNames, observations: n, droppedRows: design.droppedRows, clusters: clusterCount,
            inference: spec.inference, replications: spec.inference == .bootstrap ? spec.replications : nil, level: spec.level, fits: fits,
            warnings: warnings)
    }

    /// Hall & Sheather's bandwidth factor h₀ (statsmodels' `hall_sheather`, α = 0.05).
    static func hallSheather(_ n: Int, _ q: Double) -> Double {
        let z = Normal.standard.quantile(q)
        let num = 1.5 * pow(Normal.standard.pdf(z), 2), den = 2 * z * z + 1
        return pow(Double(n), -1.0 / 3) * pow(Normal.standard.quantile(0.975), 2.0 / 3) * pow(num / den, 1.0 / 3)
    }

    /// The fit with the Hall–Sheather kernel sandwich; `undefined` when the bandwidth is.
    static func sandwichFit(_ qr: QuantileRegression, design: DesignMatrix, quantile q: Double, level: Double) throws(RegressionError) -> (
        Fit, undefined: Bool
    ) {
        let x = design.x, y = design.y, n = x.rows, k = x.columns
        let e = zip(y, qr.predict(x)).map { $0 - $1 }
        let iqr = WeightedStatistics.quantile(e, 0.75) - WeightedStatistics.quantile(e, 0.25)
        let mean = y.reduce(0, +) / Double(n)
        let sd = (y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        let h0 = hallSheather(n, q)
        let df = Double(n - k)
        let inference = EstimationCore.Inference(
            kind: .robust, name: "hall-sheather", type: "Hall–Sheather kernel sandwich (statsmodels QuantReg)", df: .residual)
        guard q - h0 > 0, q + h0 < 1 else {
            let points = zip(design.columnNames, qr.coefficients).map { Estimate.point(term: $0, $1, level: level, inference: inference) }
            let fit = Fit(
                quantile: q, coefficients: points, iterations: qr.iterations, converged: qr.converged, bandwidth: nil, sparsity: nil,
                failedDraws: nil)
            return (fit, true)
        }
        let h = min(sd, iqr / 1.34) * (Normal.standard.quantile(q + h0) - Normal.standard.quantile(q - h0))
        let density =
            e.reduce(0) { s, r in
                let u = r / h
                return abs(u) <= 1 ? s + 0.75 * (1 - u * u) : s
            } / (Double(n) * h)
        let d = e.map { $0 > 0 ? pow(q / density, 2) : pow((1 - q) / density, 2) }
        let covariance: Matrix
        do {
            let xtxInverse = try QuantileRegression.pseudoInverse(x.gram())
            let meat = x.gram(rowScale: d.map { $0.squareRoot() })
            covariance = xtxInverse.multiplied(by: meat).multiplied(by: xtxInverse)
        } catch { throw .linearAlgebra(error) }
        let estimates = (0..<k).map { j in
            Estimate.wald(
                term: design.columnNames[j], estimate: qr.coefficients[j], standardError: max(covariance[j, j], 0).squareRoot(),
                degreesOfFreedom: df, level: level, inference: inference)
        }
        let fit = Fit(
            quantile: q, coefficients: estimates, iterations: qr.iterations, converged: qr.converged, bandwidth: h, sparsity: 1 / density,
            failedDraws: nil)
        return (fit, false)
    }

    /// The fit with pairs (cluster) bootstrap standard errors.
    static func bootstrapFit(_ qr: QuantileRegression, design: DesignMatrix, quantile q: Double, spec: Specification) throws(RegressionError) -> Fit {
        let x = design.x, y = design.y, n = x.rows, k = x.columns
        // Resampling units: clusters (their rows) or single observations.
        let groups: [[Int]]
        if let codes = design.clusters {
            var g = [[Int]](repeating: [], count: (codes.max() ?? -1) + 1)
            for (i, c) in codes.enumerated() { g[c].append(i) }
            groups = g
        } else {
            groups = (0..<n).map { [$0] }
        }
        let seed = SplitMix64.derive(spec.seed, Int((q * 1e6).rounded()))
        let draws: [[Double]?] = ParallelMap.map(spec.replications, threads: spec.threads) { b in
            var rng = SplitMix64(seed: SplitMix64.derive(seed, b))
            var rows: [Int] = []
            rows.reserveCapacity(n)
            for _ in groups.indices { rows += groups[rng.nextInt(below: groups.count)] }
            let xb = x.selectingRows(rows), yb = rows.map { y[$0] }
            // A resample without variation in a term has no unique fit (the IRLS's pseudo-inverse would give one anyway).
            guard let ls = try? xb.leastSquares(yb), ls.rank == k else { return nil }
            return try? QuantileRegression(y: yb, x: xb, quantile: q).coefficients
        }
        let kept = draws.compactMap { $0 }.filter { $0.allSatisfy(\.isFinite) }
        guard kept.count >= 2 else {
            throw .varianceUnavailable(estimator: "quantile bootstrap", reason: "fewer than 2 of \(spec.replications) draws could be fitted")
        }
        let clustered = design.clusters != nil
        let df = Double(clustered ? groups.count - 1 : n - k)
        let inference = EstimationCore.Inference(
            kind: .bootstrap, name: "bootstrap", type: clustered ? "cluster (pairs) bootstrap" : "pairs bootstrap",
            df: clustered ? .clustersMinusOne : .residual,
            clusters: clustered ? groups.count : nil, replications: kept.count)
        let estimates = (0..<k).map { j in
            let column = kept.map { $0[j] }
            let mean = column.reduce(0, +) / Double(column.count)
            let sd = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count - 1)).squareRoot()
            return Estimate.wald(
                term: design.columnNames[j], estimate: qr.coefficients[j], standardError: sd, degreesOfFreedom: df, level: spec.level,
                inference: inference)
        }
        return Fit(
            quantile: q, coefficients: estimates, iterations: qr.iterations, converged: qr.converged, bandwidth: nil, sparsity: nil,
            failedDraws: spec.replications - kept.count)
    }
}
