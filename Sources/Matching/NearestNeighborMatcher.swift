import EstimationCore
import Foundation
import LinearAlgebra

/// The greedy nearest-neighbour matching engine, on positions 0..<n of the analysis sample.
///
/// With a one-dimensional distance (the propensity score) the controls of each
/// exact-matching stratum are sorted by (distance, position) and matched
/// controls are skipped with two union-find "next available" arrays, so each
/// match costs O(α(n)) after an O(log n) search: O(n log n) in all. With
/// Mahalanobis distances and no caliper, the covariates are whitened once (z = xU⁻¹, so that the
/// distance is Euclidean) and each stratum's controls go into a k-d tree with removal; the tree
/// proposes the controls within 1e-9 of the nearest whitened distance and the choice among them is
/// made on the exact distance formed from the raw difference, so the matches are those of a full
/// scan: about O(n log n) for well-spread covariates. Inside a propensity-score caliper each treated
/// unit scans the controls in its caliper window: O(n₁ n_window p²).
struct NearestNeighborMatcher {
    let isTreated: [Bool]
    /// Positions of treated units in processing order.
    let order: [Int]
    /// One-dimensional distance (propensity score), used for nearest-neighbour search or only for the caliper.
    let score: [Double]?
    /// Absolute caliper width on the `score` scale.
    let caliper: Double?
    /// Exact-matching stratum of every unit.
    let strata: [Int]
    /// Covariates (n x p) and the inverse Cholesky factor U⁻¹ of their covariance, if matching on
    /// Mahalanobis distance: d² = ‖(xₜ − x_c) U⁻¹‖², formed from the exact difference so that
    /// symmetric differences ±v tie exactly.
    let mahalanobis: (x: Matrix, inverseFactor: Matrix)?
    let ratio: Int
    let replace: Bool
    /// Threads for the speculative Mahalanobis searches.
    var threads: Int = 1

    /// `matches[t]` lists the controls of treated position `t`, in the order they were matched.
    func run() -> [Int: [Int]] {
        var matches: [Int: [Int]] = [:]
        // One pool per stratum, held in an array and mutated in place (no copy-on-write copies).
        var poolIndex: [Int: Int] = [:]
        var members: [[Int]] = []
        for i in isTreated.indices where !isTreated[i] {
            if let k = poolIndex[strata[i]] {
                members[k].append(i)
            } else {
                poolIndex[strata[i]] = members.count
                members.append([i])
            }
        }
        var pools = members.map { ControlPool(controls: $0, score: score) }
        // Mahalanobis without a caliper: one k-d tree per stratum on the whitened covariates, keyed by sorted index.
        var trees: [KDTree] = []
        var z: [Double] = [] // whitened covariates, row-major, of every unit
        let dimension = mahalanobis?.x.columns ?? 0
        if let mahalanobis, caliper == nil {
            z = Self.whitened(mahalanobis.x, mahalanobis.inverseFactor)
            trees = pools.map { pool in
                KDTree(coordinates: pool.sorted.flatMap { z[($0 * dimension)..<($0 * dimension + dimension)] }, dimension: dimension)
            }
        }
        for _ in 0..<ratio {
            let speculative =
                trees.isEmpty ? [] : speculativeNeighbours(trees: trees, whitened: z, pools: pools, poolIndex: poolIndex, matches: matches)
            for (position, t) in order.enumerated() {
                guard let p = poolIndex[strata[t]], pools[p].availableCount > 0 else { continue }
                let already = matches[t] ?? []
                let chosen: Int?
                if let mahalanobis, !trees.isEmpty {
                    let pool = pools[p]
                    let candidates =
                        Self.stillValid(speculative[position], tree: trees[p])
                        ?? trees[p].candidates(
                            near: Array(z[(t * dimension)..<(t * dimension + dimension)]), slack: Self.slack, absoluteSlack: Self.absoluteSlack
                        ) { already.contains(pool.sorted[$0]) }
                    chosen = nearestMahalanobis(
                        t, among: candidates, pool: pool, x: mahalanobis.x, inverseFactor: mahalanobis.inverseFactor)
                } else if let mahalanobis {
                    chosen = nearestMahalanobis(
                        t, pool: pools[p], x: mahalanobis.x, inverseFactor: mahalanobis.inverseFactor,
                        excluding: already)
                } else {
                    chosen = pools[p].nearest(to: score![t], excluding: already, caliper: caliper)
                }
                guard let k = chosen else { continue }
                matches[t, default: []].append(pools[p].sorted[k])
                if !replace {
                    pools[p].remove(atIndex: k)
                    if !trees.isEmpty { trees[p].remove(k) }
                }
            }
        }
        return matches
    }

    /// The neighbours of every treated unit (in `order`) that a few speculative searches find on the
    /// trees as they stand at the start of a round, in parallel: the 2 nearest (whitened squared
    /// distances, nearest first) with everything within the same slack of the 2nd. (Two is the fastest:
    /// at n = 10⁵ with 10 covariates 1.4% of the units need a second search, against 0.1% with 4 and
    /// 9% with 1, and a search for 4 costs more than one for 2.)
    ///
    /// The greedy pass then uses a unit's list when it still decides the match: the nearest control
    /// still present in it, d²ₘ, must satisfy (1 + 1e-9)·d²ₘ + 1e-12 ≤ the list's threshold, so every
    /// present control the sequential search would propose is in the list (see `stillValid`);
    /// otherwise the unit is searched again on the current tree. The matches are therefore those of
    /// the sequential search, for any thread count.
    func speculativeNeighbours(
        trees: [KDTree], whitened z: [Double], pools: [ControlPool], poolIndex: [Int: Int], matches: [Int: [Int]]
    ) -> [SpeculativeList?] {
        let strata = strata, order = order, dimension = trees[0].dimension
        return ParallelMap.map(order.count, threads: threads) { position -> SpeculativeList? in
            let t = order[position]
            guard let p = poolIndex[strata[t]] else { return nil }
            let already = matches[t] ?? [], pool = pools[p]
            let k = 2
            let found = trees[p].neighbours(
                near: Array(z[(t * dimension)..<(t * dimension + dimension)]), k: k, slack: Self.slack, absoluteSlack: Self.absoluteSlack,
                excluding: already.isEmpty ? nil : { already.contains(pool.sorted[$0]) })
            // Complete up to the k-th distance with its slack (everything present is listed when fewer than k).
            let threshold = found.count >= k ? Self.withSlack(found[k - 1].squaredDistance) : .infinity
            return SpeculativeList(neighbours: found, threshold: threshold)
        }
    }

    /// The relative and absolute slack on whitened squared distances within which the tree proposes
    /// controls for the exact comparison (the same for the sequential and the speculative searches).
    static let slack = 1e-9, absoluteSlack = 1e-12

    /// A squared distance with the slack added.
    static func withSlack(_ d: Double) -> Double { d * (1 + slack) + absoluteSlack }

    /// A speculative search's result: neighbours nearest first, and the squared distance up to which
    /// every present control (as the tree stood) is listed.
    struct SpeculativeList: Sendable {
        let neighbours: [(id: Int, squaredDistance: Double)]
        let threshold: Double
    }

    /// The candidates the sequential search would propose now, from a speculative list, or nil when the
    /// list no longer decides them (its nearest present control is too close to its threshold).
    static func stillValid(_ list: SpeculativeList?, tree: KDTree) -> [Int]? {
        guard let list, let first = list.neighbours.first(where: { tree.contains($0.id) }) else { return nil }
        let limit = withSlack(first.squaredDistance)
        guard limit <= list.threshold else { return nil }
        return list.neighbours.filter { $0.squaredDistance <= limit && tree.contains($0.id) }.map(\.id).sorted()
    }

    /// zᵢ = xᵢU⁻¹ for every unit, row-major (n × p).
    static func whitened(_ x: Matrix, _ u: Matrix) -> [Double] {
        (0..<x.rows).flatMap { whitenedRow($0, x, u) }
    }

    static func whitenedRow(_ i: Int, _ x: Matrix, _ u: Matrix) -> [Double] {
        let p = x.columns
        return (0..<p).map { j in (0...j).reduce(0.0) { $0 + x[i, $1] * u[$1, j] } }
    }

    /// Among the sorted indices `candidates`, the control nearest in Mahalanobis distance (ties: first
    /// in the data), the squared distance ‖(xₜ − x_c)U⁻¹‖² formed from the exact difference.
    func nearestMahalanobis(_ t: Int, among candidates: [Int], pool: ControlPool, x: Matrix, inverseFactor u: Matrix) -> Int? {
        let p = x.columns, n = x.rows
        var best: Int?, bestPosition = Int.max, bestDistance = Double.infinity
        var diff = [Double](repeating: 0, count: p)
        x.withUnsafeBufferPointer { xp in
            u.withUnsafeBufferPointer { up in
                for k in candidates {
                    let c = pool.sorted[k]
                    for j in 0..<p { diff[j] = xp[t + j * n] - xp[c + j * n] }
                    var d = 0.0
                    for j in 0..<p {
                        var y = 0.0
                        for q in 0...j { y += diff[q] * up[q + j * p] }
                        d += y * y
                    }
                    if d < bestDistance || (d == bestDistance && c < bestPosition) {
                        bestDistance = d
                        best = k
                        bestPosition = c
                    }
                }
            }
        }
        return best
    }

    /// The sorted index of the available control nearest in Mahalanobis distance (ties: first in the
    /// data), among those within the score caliper if any.
    func nearestMahalanobis(_ t: Int, pool: ControlPool, x: Matrix, inverseFactor u: Matrix, excluding: [Int]) -> Int? {
        var candidates: [Int] = []
        pool.forEachAvailable(around: score?[t], within: caliper) { k, c in if !excluding.contains(c) { candidates.append(k) } }
        return nearestMahalanobis(t, among: candidates, pool: pool, x: x, inverseFactor: u)
    }
}

/// The controls of one stratum, sorted by score, with removal in near-constant time.
struct ControlPool {
    /// Control positions sorted by (score, position), or by position without a score.
    let sorted: [Int]
    let values: [Double]
    /// First index of the run of equal values each index belongs to.
    let runStart: [Int]
    private var right: [Int]
    private var left: [Int]
    private(set) var availableCount: Int

    init(controls: [Int], score: [Double]?) {
        if let score {
            sorted = controls.sorted { (score[$0], $0) < (score[$1], $1) }
            values = sorted.map { score[$0] }
        } else {
            sorted = controls.sorted()
            values = sorted.map(Double.init)
        }
        var starts = [Int](repeating: 0, count: sorted.count)
        for i in sorted.indices { starts[i] = i > 0 && values[i] == values[i - 1] ? starts[i - 1] : i }
        runStart = starts
        right = Array(0...sorted.count) // right[i]: smallest available index >= i (count = none)
        left = Array(-1..<sorted.count) // left[i + 1]: largest available index <= i (-1 = none)
        availableCount = sorted.count
    }

    /// Smallest available index >= i (or `sorted.count`).
    mutating func nextAvailable(_ i: Int) -> Int {
        var root = i
        while right[root] != root { root = right[root] }
        var j = i
        while right[j] != root { let next = right[j]; right[j] = root; j = next }
        return root
    }

    /// Largest available index <= i (or -1).
    mutating func previousAvailable(_ i: Int) -> Int {
        var root = i + 1
        while left[root] != root - 1 { root = left[root] + 1 }
        var j = i + 1
        while left[j] != root - 1 { let next = left[j] + 1; left[j] = root - 1; j = next }
        return root - 1
    }

    /// Whether the control at sorted index `k` is still available.
    func isAvailable(_ k: Int) -> Bool { right[k] == k }

    /// Removes the control at sorted index `k`.
    mutating func remove(atIndex k: Int) {
        right[k] = k + 1
        left[k + 1] = k - 1
        availableCount -= 1
    }

    /// Index of the first value >= x.
    func lowerBound(_ x: Double) -> Int {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The sorted index of the available control with the smallest |score − x| (ties: smallest data
    /// position), not in `excluding` (data positions), within `caliper` if given.
    mutating func nearest(to x: Double, excluding: [Int], caliper: Double?) -> Int? {
        let pos = lowerBound(x)
        var l = previousAvailable(pos - 1)
        while l >= 0 && excluding.contains(sorted[l]) { l = previousAvailable(l - 1) }
        var r = nextAvailable(pos)
        while r < sorted.count && excluding.contains(sorted[r]) { r = nextAvailable(r + 1) }
        let dl = l >= 0 ? x - values[l] : .infinity
        let dr = r < sorted.count ? values[r] - x : .infinity
        let best = min(dl, dr)
        guard best.isFinite else { return nil }
        if let caliper, best > caliper { return nil }
        var candidate: Int?
        if dl == best {
            // Within a run of equal values positions ascend, so the run's first available control wins.
            var k = nextAvailable(runStart[l])
            while k < l && excluding.contains(sorted[k]) { k = nextAvailable(k + 1) }
            candidate = k
        }
        if dr == best, candidate.map({ sorted[r] < sorted[$0] }) ?? true { candidate = r }
        return candidate
    }

    /// Calls `body(index, position)` for every available control, restricted to |score − x| <= width
    /// when both are given.
    func forEachAvailable(around x: Double?, within width: Double?, _ body: (Int, Int) -> Void) {
        var lo = 0, hi = sorted.count
        if let x, let width {
            lo = lowerBound(x - width)
            hi = lowerBound(x + width)
            while hi < sorted.count && values[hi] <= x + width { hi += 1 }
        }
        var k = lo
        while k < hi {
            if isAvailable(k) { body(k, sorted[k]) }
            k += 1
        }
    }
}
