import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular

/// The bootstrap of the adjusted incremental effect and cost on clustered data: the cluster bootstrap or
/// the two-stage bootstrap with Davison & Hinkley's shrinkage correction (Gomes et al. 2012; Ng, Grieve &
/// Carpenter 2013), and what follows from the draws: standard errors, percentile intervals, INB(λ), the
/// acceptability curve, the probability of being best and the EVPI.
///
/// Each draw reweights the rows by `ClusterResampling` (strata: the strategies, when every cluster lies
/// in one strategy, as in a cluster-randomised trial; otherwise unstratified) and refits the effect and
/// cost equations of the net-benefit regression by least squares (normal equations of the drawn rows,
/// Cholesky-solved; the point estimates are the original fit's). With `.twoStage` and shrinkage the
/// effect and cost values are replaced first by `ClusterResampling.shrunken` within each strategy; the
/// covariates are resampled with their rows, unchanged.
///
/// - SE: the draws' standard deviation (divisor B − 1); interval: Hesterberg's (2015) expanded percentile
///   interval, the type-7 quantiles at α′/2 and 1 − α′/2 with α′/2 = Φ(−√(n/(n − s))·t(1 − α/2; n − s)), n the
///   resampled units (clusters; rows for `.individuals`) and s the strata (the plain percentile interval
///   is too narrow with few clusters: 89% instead of 95% with 30 clusters in the coverage test); no p-value.
/// - P(cost-effective at λ): the share of draws with λδ_E − δ_C > 0; probability of being best: the
///   share of draws in which a strategy has the highest incremental net benefit (the comparator's is 0);
///   EVPI(λ) = mean over draws of the best INB − the best mean INB (BCEA's definition on the draws).
/// - Draws that cannot be fitted (a term without variation among the drawn rows) are left out and counted.
///
/// Draws run in parallel with a seed each (`SplitMix64.derive(seed, draw)`), so the result is the same for
/// any thread count. Complexity: O(B·(n·k² + k³)).
public enum NetBenefitBootstrap {
    /// One willingness to pay.
    public struct AtWillingnessToPay: Sendable, Codable, Equatable {
        public let willingnessToPay: Double
        /// INB of each non-comparator strategy, with bootstrap SE and percentile interval.
        public let incrementalNetBenefit: [Estimate]
        /// Share of draws with INB > 0, per non-comparator strategy.
        public let probabilityCostEffective: [Double]
        /// Share of draws in which each strategy (comparator first) has the highest INB.
        public let probabilityMostCostEffective: [Double]
        public let expectedValueOfPerfectInformation: Double
    }

    /// The draws of one strategy's increments, for the cost-effectiveness plane.
    public struct PlaneDraws: Sendable, Codable, Equatable {
        public let strategy: String
        public let incrementalEffect: [Double]
        public let incrementalCost: [Double]
    }

    /// The bootstrap's result.
    public struct Result: Sendable, Codable, Equatable {
        public let scheme: ClusterResampling.Scheme
        /// Whether the two-stage bootstrap used the shrinkage correction, and the share 1 − c of the
        /// cluster means' spread kept for the effect and the cost in each strategy.
        public let shrinkage: Bool
        public let retainedEffect: [Double]?
        public let retainedCost: [Double]?
        /// Whether the clusters were resampled within strategies.
        public let stratified: Bool
        public let clusters: Int?
        public let draws: Int
        public let failedDraws: Int
        /// The strategies in result order: the comparator first, then those compared.
        public let strategies: [String]
        public let incrementalEffect: [Estimate]
        public let incrementalCost: [Estimate]
        public let byWillingnessToPay: [AtWillingnessToPay]
        public let plane: [PlaneDraws]
    }

    /// What to resample.
    public struct Settings: Sendable {
        public var scheme: ClusterResampling.Scheme
        public var shrinkage = true
        public var draws = 2000
        public var seed: UInt64 = 1
        public var threads = 1
        public init(scheme: ClusterResampling.Scheme) { self.scheme = scheme }
    }

    /// Bootstraps the increments of `treatments` (0/1 columns among `model`'s terms) on `table`, where
    /// `clusters` and `strategies` are each row's 0-based cluster and strategy codes.
    static func run(
        effect: String, cost: String, model: ModelSpecification, treatments: [(column: String, strategy: String)], comparator: String,
        clusters: [Int], strategies: [Int], settings: Settings, willingnessToPay: [Double], level: Double, table: Table,
        pointEstimates original: (effect: [Double], cost: [Double])
    ) throws(EconomicEvaluationError) -> Result {
        guard model.absorb.isEmpty else {
            throw .invalidSetting(field: .covariates, problem: "the bootstrap refits by least squares without absorbed factors; write them as factors instead")
        }
        var spec = model
        spec.outcome = effect
        let design: DesignMatrix
        let costs: [Double]
        do {
            design = try DesignMatrix(spec, table: table)
            costs = try table.numeric(cost)
        } catch let error as RegressionError { throw .regression(error) } catch let error as TableError { throw .table(error) } catch {
            throw .invalidSetting(field: .covariates, problem: "\(error)")
        }
        guard design.rows.count == table.rowCount else {
            throw .invalidSetting(field: .covariates, problem: "the bootstrap needs every row complete; \(table.rowCount - design.rows.count) are not")
        }
        let x = design.x, n = x.rows, k = x.columns
        let columns = try treatments.map { t throws(EconomicEvaluationError) -> Int in
            guard let j = design.columnNames.firstIndex(of: t.column) else { throw .invalidSetting(field: .strategy, problem: "no term '\(t.column)'") }
            return j
        }
        let stratified = isNested(clusters: clusters, in: strategies)
        let plan: ClusterResampling
        do { plan = try ClusterResampling(settings.scheme, clusters: clusters, strata: stratified ? strategies : nil) } catch {
            throw .invalidSetting(field: .cluster, problem: error.description)
        }
        var e = design.y, c = costs
        var retainedEffect: [Double]? = nil, retainedCost: [Double]? = nil
        if settings.scheme == .twoStage && settings.shrinkage {
            let strata = stratified ? strategies : nil
            (e, retainedEffect) = ClusterResampling.shrunken(e, clusters: clusters, strata: strata)
            (c, retainedCost) = ClusterResampling.shrunken(c, clusters: clusters, strata: strata)
        }
        // The columns [x₁ … x_k, e, c] (column-major), scaled once by the square roots of the analytic weights.
        let width = k + 2
        var z = [Double](repeating: 0, count: n * width)
        for i in 0..<n {
            let root = design.weights.map { $0[i].squareRoot() } ?? 1
            for j in 0..<k { z[i + j * n] = root * x[i, j] }
            z[i + k * n] = root * e[i]
            z[i + (k + 1) * n] = root * c[i]
        }
        let augmented = z
        let rows = ParallelMap.map(settings.draws, threads: settings.threads) { d -> [Double]? in
            refit(augmented, width: width, k: k, plan: plan, seed: SplitMix64.derive(settings.seed, d), columns: columns)
        }
        let fitted = rows.compactMap { $0 }
        guard fitted.count >= 2 else {
            throw .invalidSetting(field: .cluster, problem: "only \(fitted.count) of \(settings.draws) bootstrap draws could be fitted")
        }
        let m = columns.count
        let inference = Inference(
            kind: .bootstrap, name: "bootstrap",
            type: settings.scheme == .twoStage
                ? (settings.shrinkage ? "two-stage bootstrap with shrinkage, expanded percentile" : "two-stage bootstrap, expanded percentile")
                : settings.scheme == .clusters ? "cluster bootstrap, expanded percentile" : "individual bootstrap, expanded percentile",
            clusters: settings.scheme == .individuals ? nil : plan.clusterCount, replications: fitted.count)
        // Hesterberg's (2015) expanded percentile interval: the percentiles at α′/2 = Φ(−√(n/(n − s))·t(1 − α/2; n − s)),
        // n the resampled units (clusters, or rows for the individual bootstrap) and s the strata.
        let units = Double(settings.scheme == .individuals ? n : plan.clusterCount), strata = Double(stratified ? Set(strategies).count : 1)
        let expanded = expandedTail(level: level, units: units, strata: strata)
        func summary(_ term: String, _ point: Double, _ values: [Double]) -> Estimate {
            percentileEstimate(term: term, point: point, values: values, level: level, tail: expanded, inference: inference)
        }
        let effects = (0..<m).map { j in fitted.map { $0[j] } }, costsDrawn = (0..<m).map { j in fitted.map { $0[m + j] } }
        let byLambda = willingnessToPay.map { lambda -> AtWillingnessToPay in
            let inb = (0..<m).map { j in zip(effects[j], costsDrawn[j]).map { lambda * $0 - $1 } }
            var best = [Int](repeating: 0, count: m + 1)
            var sumMax = 0.0
            for d in fitted.indices {
                var top = 0, value = 0.0
                for j in 0..<m where inb[j][d] > value {
                    top = j + 1
                    value = inb[j][d]
                }
                best[top] += 1
                sumMax += value
            }
            let b = Double(fitted.count)
            let means = inb.map { $0.reduce(0, +) / b }
            return AtWillingnessToPay(
                willingnessToPay: lambda,
                incrementalNetBenefit: (0..<m).map { j in summary("INB at \(formatNumber(lambda))", lambda * original.effect[j] - original.cost[j], inb[j]) },
                probabilityCostEffective: inb.map { Double($0.filter { $0 > 0 }.count) / b }, probabilityMostCostEffective: best.map { Double($0) / b },
                expectedValueOfPerfectInformation: max(0, sumMax / b - max(0, means.max() ?? 0)))
        }
        return Result(
            scheme: settings.scheme, shrinkage: settings.scheme == .twoStage && settings.shrinkage, retainedEffect: retainedEffect, retainedCost: retainedCost,
            stratified: stratified, clusters: settings.scheme == .individuals ? nil : plan.clusterCount, draws: settings.draws,
            failedDraws: settings.draws - fitted.count, strategies: [comparator] + treatments.map(\.strategy),
            incrementalEffect: (0..<m).map { summary("incremental effect", original.effect[$0], effects[$0]) },
            incrementalCost: (0..<m).map { summary("incremental cost", original.cost[$0], costsDrawn[$0]) }, byWillingnessToPay: byLambda,
            plane: (0..<m).map { PlaneDraws(strategy: treatments[$0].strategy, incrementalEffect: effects[$0], incrementalCost: costsDrawn[$0]) })
    }

    /// Whether every cluster lies in one strategy.
    static func isNested(clusters: [Int], in strategies: [Int]) -> Bool {
        var of: [Int: Int] = [:]
        for (c, s) in zip(clusters, strategies) {
            if let t = of[c], t != s { return false }
            of[c] = s
        }
        return true
    }

    /// The treatment coefficients of the effect and cost equations fitted to the rows `plan` draws from
    /// `seed` (each as often as drawn), by the normal equations (nil when they are not positive definite).
    ///
    /// Σ mᵢzᵢzᵢᵀ over the rows of `z` = [X, e, c], m the draw's counts, holds XᵀX, Xᵀe and Xᵀc.
    static func refit(_ z: [Double], width: Int, k: Int, plan: ClusterResampling, seed: UInt64, columns: [Int]) -> [Double]? {
        // Σ mᵢzᵢzᵢᵀ with m the draw's counts, one column pair at a time over the contiguous columns of z:
        // dot products with four independent partial sums that vectorise. (BLAS dsyrk on √m∘Z, and
        // accumulating row by row, were both slower here.)
        let n = plan.rowCount
        var m = [Double](repeating: 0, count: n)
        m.withUnsafeMutableBufferPointer { mp in
            let counts = mp.baseAddress!
            plan.visit(seed: seed) { counts[$0] += 1 }
        }
        var square = [Double](repeating: 0, count: width * width)
        var weighted = [Double](repeating: 0, count: n)
        z.withUnsafeBufferPointer { zp in
            m.withUnsafeBufferPointer { mp in
                weighted.withUnsafeMutableBufferPointer { tp in
                    let t = tp.baseAddress!, counts = mp.baseAddress!, base = zp.baseAddress!
                    for q in 0..<width {
                        let column = base + q * n
                        for i in 0..<n { t[i] = counts[i] * column[i] }
                        for p in 0...q { square[p + q * width] = DenseSolver.dot(t, base + p * n, n) }
                    }
                }
            }
        }
        // Unpack: A = XᵀX (upper, column-major), b = [Xᵀe, Xᵀc].
        var a = [Double](repeating: 0, count: k * k)
        var b = [Double](repeating: 0, count: 2 * k)
        for q in 0..<k {
            for p in 0...q { a[p + q * k] = square[p + q * width] }
        }
        for p in 0..<k {
            b[p] = square[p + k * width]
            b[k + p] = square[p + (k + 1) * width]
        }
        // A draw without variation in a term makes A singular: a pivot Uqq² below 1e-10 of Aqq (the term's
        // squared norm) says the term is (nearly) a combination of the ones before it.
        let diagonal = (0..<k).map { a[$0 + $0 * k] }
        let ok = a.withUnsafeMutableBufferPointer { DenseSolver.choleskyInPlace($0.baseAddress!, n: k) }
        guard ok else { return nil }
        for q in 0..<k where !(a[q + q * k] * a[q + q * k] > 1e-10 * diagonal[q]) { return nil }
        let solved = a.withUnsafeBufferPointer { u in
            b.withUnsafeMutableBufferPointer { bp in
                DenseSolver.choleskySolveInPlace(u.baseAddress!, n: k, bp.baseAddress!)
                    && DenseSolver.choleskySolveInPlace(u.baseAddress!, n: k, bp.baseAddress! + k)
            }
        }
        guard solved, b.allSatisfy(\.isFinite) else { return nil }
        return columns.map { b[$0] } + columns.map { b[k + $0] }
    }

    /// The lower tail probability α′/2 of the expanded percentile interval (Hesterberg 2015):
    /// Φ(−√(n/(n − s))·t(1 − α/2; n − s)), which widens the plain percentile interval for small n.
    static func expandedTail(level: Double, units: Double, strata: Double) -> Double {
        let df = max(units - strata, 1)
        let t = StudentT(degreesOfFreedom: df).complementaryQuantile((1 - level) / 2)
        return Normal.standard.cdf(-(units / df).squareRoot() * t)
    }

    /// A bootstrap estimate: the original point estimate, SE = SD of the draws, and the percentile interval
    /// between the `tail` and 1 − `tail` quantiles (type 7).
    static func percentileEstimate(term: String, point: Double, values: [Double], level: Double, tail: Double, inference: Inference) -> Estimate {
        Estimate(
            term: term, estimate: point, standardError: WeightedStatistics.standardDeviation(values), degreesOfFreedom: nil, statistic: nil, pValue: nil,
            level: level,
            lower: WeightedStatistics.quantile(values, tail), upper: WeightedStatistics.quantile(values, 1 - tail), inference: inference)
    }
}
