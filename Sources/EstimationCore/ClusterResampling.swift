import Foundation

/// Resampling plans for clustered data: how many times each row enters one bootstrap draw.
///
/// Schemes (Davison & Hinkley 1997, §3.8; Ng, Grieve & Carpenter 2013, Stata's `tsb`):
/// - `.individuals`: rows with replacement within each stratum, clusters ignored (the naive bootstrap,
///   too narrow with clustered data; kept for comparison);
/// - `.clusters`: whole clusters with replacement within each stratum (the cluster, or "single", bootstrap);
/// - `.twoStage`: clusters with replacement within each stratum, then, in each drawn cluster, as many of
///   its rows with replacement as it has. On raw data it overstates the between-cluster variance (the
///   drawn clusters' means carry their within-cluster noise twice); `shrunken(_:clusters:strata:)` gives
///   the values that correct it.
///
/// Strata (strategies, arms) keep their number of clusters (rows for `.individuals`) in every draw; each
/// cluster must lie in one stratum. Each draw depends only on its seed, so draws made in parallel with
/// per-draw seeds are the same for any thread count. Complexity: O(rows) per draw.
public struct ClusterResampling: Sendable {
    /// How rows are drawn.
    public enum Scheme: String, Sendable, Codable, CaseIterable {
        case individuals
        case clusters
        case twoStage = "two-stage"
    }

    public let scheme: Scheme
    public let rowCount: Int
    /// Rows of each cluster, and clusters of each stratum.
    @usableFromInline let rowsOfCluster: [[Int]]
    @usableFromInline let clustersOfStratum: [[Int]]
    @usableFromInline let rowsOfStratum: [[Int]]

    /// Why a plan cannot be made.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// A cluster with rows in two strata.
        case clusterInTwoStrata(cluster: Int)
        /// A stratum with fewer than two clusters (rows for `.individuals`).
        case tooFewClusters(stratum: Int, count: Int)

        public var description: String {
            switch self {
            case .clusterInTwoStrata(let g):
                return "cluster \(g + 1) has rows in two strata; resampling clusters within strata needs each cluster in one"
            case let .tooFewClusters(s, count):
                return "stratum \(s + 1) has \(count) cluster(s); resampling needs at least 2 in each"
            }
        }
    }

    /// A plan for rows with 0-based cluster codes `clusters` and optional stratum codes `strata`.
    public init(_ scheme: Scheme, clusters: [Int], strata: [Int]? = nil) throws(Problem) {
        self.scheme = scheme
        rowCount = clusters.count
        let g = (clusters.max() ?? -1) + 1
        let s = ((strata ?? []).max() ?? 0) + 1
        var rowsOfCluster = [[Int]](repeating: [], count: g)
        var rowsOfStratum = [[Int]](repeating: [], count: s)
        var stratumOf = [Int](repeating: -1, count: g)
        for (i, c) in clusters.enumerated() {
            let k = strata?[i] ?? 0
            rowsOfCluster[c].append(i)
            rowsOfStratum[k].append(i)
            if stratumOf[c] >= 0 && stratumOf[c] != k { throw .clusterInTwoStrata(cluster: c) }
            stratumOf[c] = k
        }
        var clustersOfStratum = [[Int]](repeating: [], count: s)
        for c in 0..<g where stratumOf[c] >= 0 { clustersOfStratum[stratumOf[c]].append(c) }
        for k in 0..<s {
            let count = scheme == .individuals ? rowsOfStratum[k].count : clustersOfStratum[k].count
            if count < 2 { throw .tooFewClusters(stratum: k, count: count) }
        }
        self.rowsOfCluster = rowsOfCluster
        self.clustersOfStratum = clustersOfStratum
        self.rowsOfStratum = rowsOfStratum
    }

    /// The number of clusters.
    public var clusterCount: Int { rowsOfCluster.count }

    /// How many times each row enters the draw made from `seed`.
    public func counts(seed: UInt64) -> [Int32] {
        var counts = [Int32](repeating: 0, count: rowCount)
        visit(seed: seed) { counts[$0] += 1 }
        return counts
    }

    /// Calls `body` with each row drawn from `seed`, once per time it is drawn (the rows `counts` counts),
    /// without forming the counts.
    @inlinable
    public func visit(seed: UInt64, _ body: (Int) -> Void) {
        var rng = SplitMix64(seed: seed)
        switch scheme {
        case .individuals:
            for rows in rowsOfStratum {
                for _ in rows.indices { body(rows[rng.nextInt(below: rows.count)]) }
            }
        case .clusters:
            for clusters in clustersOfStratum {
                for _ in clusters.indices {
                    for r in rowsOfCluster[clusters[rng.nextInt(below: clusters.count)]] { body(r) }
                }
            }
        case .twoStage:
            for clusters in clustersOfStratum {
                for _ in clusters.indices {
                    let rows = rowsOfCluster[clusters[rng.nextInt(below: clusters.count)]]
                    for _ in rows.indices { body(rows[rng.nextInt(below: rows.count)]) }
                }
            }
        }
    }

    /// Values for the two-stage bootstrap with Davison & Hinkley's (1997, §3.8) shrinkage correction,
    /// computed within each stratum: each cluster mean ȳᵢ is shrunk toward the mean of the cluster means ȳ,
    /// x̃ᵢ = c·ȳ + (1 − c)·ȳᵢ with (1 − c)² = max(0, a/(a − 1) − SSW/(b(b − 1)·SSB)), where a is the number
    /// of clusters, SSB = Σᵢ(ȳᵢ − ȳ)², SSW = Σᵢⱼ(yᵢⱼ − ȳᵢ)² and b the representative cluster size
    /// n̄ − Σ(nᵢ − n̄)²/((a − 1)N) (b = n with equal sizes); each residual is inflated to
    /// (yᵢⱼ − ȳᵢ)/√(1 − 1/nᵢ) (0 for a single-row cluster). The value of row ij is x̃ᵢ + that residual, so
    /// that resampled cluster means vary as the estimated between-cluster variance SSB/(a − 1) −
    /// SSW/(ab(b − 1)) says and resampled rows as the within-cluster variance.
    ///
    /// Returns the values and each stratum's 1 − c (1: no shrinkage; 0: every cluster mean at ȳ).
    public static func shrunken(_ y: [Double], clusters: [Int], strata: [Int]? = nil) -> (values: [Double], retained: [Double]) {
        let g = (clusters.max() ?? -1) + 1
        let s = ((strata ?? []).max() ?? 0) + 1
        var sum = [Double](repeating: 0, count: g), size = [Int](repeating: 0, count: g), stratumOf = [Int](repeating: 0, count: g)
        for (i, c) in clusters.enumerated() {
            sum[c] += y[i]
            size[c] += 1
            stratumOf[c] = strata?[i] ?? 0
        }
        let mean = zip(sum, size).map { $1 > 0 ? $0 / Double($1) : 0 }
        var within = [Double](repeating: 0, count: s)
        for (i, c) in clusters.enumerated() { within[stratumOf[c]] += (y[i] - mean[c]) * (y[i] - mean[c]) }
        var retained = [Double](repeating: 1, count: s), centre = [Double](repeating: 0, count: s)
        for k in 0..<s {
            let members = (0..<g).filter { size[$0] > 0 && stratumOf[$0] == k }
            let a = Double(members.count)
            guard a > 1 else { continue }
            let grand = members.reduce(0) { $0 + mean[$1] } / a
            centre[k] = grand
            let ssb = members.reduce(0) { $0 + (mean[$1] - grand) * (mean[$1] - grand) }
            let n = Double(members.reduce(0) { $0 + size[$1] }), nbar = n / a
            let b = nbar - members.reduce(0) { $0 + (Double(size[$1]) - nbar) * (Double(size[$1]) - nbar) } / ((a - 1) * n)
            guard ssb > 0, b > 1 else {
                retained[k] = ssb > 0 ? 1 : 0
                continue
            }
            retained[k] = max(0, a / (a - 1) - within[k] / (b * (b - 1) * ssb)).squareRoot()
        }
        let values = clusters.enumerated().map { i, c -> Double in
            let k = stratumOf[c]
            let shrunk = centre[k] + retained[k] * (mean[c] - centre[k])
            let residual = size[c] > 1 ? (y[i] - mean[c]) / (1 - 1 / Double(size[c])).squareRoot() : 0
            return shrunk + residual
        }
        return (values, retained)
    }
}
