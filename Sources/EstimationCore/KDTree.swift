/// A k-d tree over points in p dimensions for nearest-neighbour searches, with removal of points
/// (Bentley 1975; Friedman, Bentley & Finkel 1977).
///
/// Built once by median splits on the coordinate of largest spread, down to leaves of at most 8p
/// points (16 to 64); every node keeps its bounding box and a count of the points still present, so removed
/// points and emptied subtrees cost nothing in later searches. Distances are squared Euclidean.
///
/// Searches return *candidates*: every present point whose squared distance is within a relative
/// `slack` of the k-th smallest (and any at exactly that distance), so that a caller recomputing exact
/// distances in its own way (a Mahalanobis form from the raw difference, a tolerance for ties)
/// chooses exactly as a full scan would.
///
/// Complexity: O(n log n) to build; a search visits O(log n) nodes for well-spread data (worse in
/// high dimensions); removal O(log n).
public struct KDTree: Sendable {
    private struct Node: Sendable {
        var start: Int, end: Int
        var left: Int, right: Int // child node indices, −1 for a leaf
        var parent: Int
        var present: Int
    }

    public let dimension: Int
    /// The most points in a leaf: 8p, between 16 and 64. Larger leaves in more dimensions, where a
    /// search visits many leaves and the per-node cost outweighs the scanned points (measured: 10
    /// dimensions 3.1 s with leaves of 8, 1.8 s with 64; 3 dimensions 0.92 s with 8, 0.77 s with 32).
    let leafSize: Int
    /// Point identifiers in tree order (leaves own contiguous ranges).
    private var order: [Int]
    private var nodes: [Node] = []
    /// Bounding boxes, node k's lower corner at 2kp, upper at 2kp + p.
    private var boxes: [Double] = []
    private var leafOf: [Int]
    private var present: [Bool]
    /// The coordinates again in tree order (row i of `sorted` is point `order[i]`), so that a leaf's
    /// points are contiguous in memory.
    private var sorted: [Double] = []

    /// A tree over `count` points with coordinates `coordinates` (row-major, `dimension` per point);
    /// points are identified by 0..<count.
    public init(coordinates: [Double], dimension p: Int) {
        precondition(p > 0 && coordinates.count % p == 0, "coordinates hold whole points")
        let n = coordinates.count / p
        dimension = p
        leafSize = min(64, max(16, 8 * p))
        order = Array(0..<n)
        leafOf = [Int](repeating: -1, count: n)
        present = [Bool](repeating: true, count: n)
        if n > 0 { _ = build(0, n, parent: -1, coordinates) }
        sorted = order.flatMap { coordinates[($0 * p)..<($0 * p + p)] }
    }

    /// The number of points still present.
    public var count: Int { nodes.first?.present ?? 0 }

    /// Builds the subtree of tree positions `start..<end` from `coordinates` (row-major: point i's
    /// coordinate j at i·p + j) and returns its node index.
    private mutating func build(_ start: Int, _ end: Int, parent: Int, _ coordinates: [Double]) -> Int {
        let p = dimension
        let k = nodes.count
        nodes.append(Node(start: start, end: end, left: -1, right: -1, parent: parent, present: end - start))
        var lo = [Double](repeating: .infinity, count: p), hi = [Double](repeating: -.infinity, count: p)
        for i in start..<end {
            let base = order[i] * p
            for j in 0..<p {
                let v = coordinates[base + j]
                if v < lo[j] { lo[j] = v }
                if v > hi[j] { hi[j] = v }
            }
        }
        boxes += lo
        boxes += hi
        guard end - start > leafSize else {
            for i in start..<end { leafOf[order[i]] = k }
            return k
        }
        var axis = 0
        for j in 1..<p where hi[j] - lo[j] > hi[axis] - lo[axis] { axis = j }
        guard hi[axis] > lo[axis] else {
            for i in start..<end { leafOf[order[i]] = k }
            return k
        }
        let mid = (start + end) / 2
        // The mid − start smallest by (coordinate on the axis, identifier) to the left: the same halves
        // as a full sort, in linear expected time.
        coordinates.withUnsafeBufferPointer { c in
            order.withUnsafeMutableBufferPointer { o in
                Self.select(UnsafeMutableBufferPointer(rebasing: o[start..<end]), rank: mid - start) { a, b in
                    let va = c[a * p + axis], vb = c[b * p + axis]
                    return va != vb ? va < vb : a < b
                }
            }
        }
        let left = build(start, mid, parent: k, coordinates)
        let right = build(mid, end, parent: k, coordinates)
        nodes[k].left = left
        nodes[k].right = right
        return k
    }

    /// Rearranges `items` so that the `rank` smallest under `less` (a strict total order)
    /// come first (Hoare 1961's FIND, median-of-three pivots; a full sort after 2·log₂ count rounds
    /// keeps the worst case O(n log n)).
    private static func select(_ items: UnsafeMutableBufferPointer<Int>, rank: Int, by less: (Int, Int) -> Bool) {
        var lo = 0, hi = items.count - 1 // the rank-th smallest (0-based) lies in lo...hi
        var rounds = 2 * (Int.bitWidth - items.count.leadingZeroBitCount)
        while hi > lo {
            if rounds == 0 {
                var rest = UnsafeMutableBufferPointer(rebasing: items[lo...hi])
                rest.sort(by: less)
                return
            }
            rounds -= 1
            let m = lo + (hi - lo) / 2
            if less(items[m], items[lo]) { items.swapAt(m, lo) }
            if less(items[hi], items[lo]) { items.swapAt(hi, lo) }
            if less(items[hi], items[m]) { items.swapAt(hi, m) }
            let pivot = items[m]
            var i = lo, j = hi
            while i <= j {
                while less(items[i], pivot) { i += 1 }
                while less(pivot, items[j]) { j -= 1 }
                if i <= j {
                    items.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                hi = j
            } else if rank >= i {
                lo = i
            } else {
                return
            }
        }
    }

    /// Whether point `id` is still present.
    public func contains(_ id: Int) -> Bool { present[id] }

    /// Removes point `id` from later searches.
    public mutating func remove(_ id: Int) {
        guard present[id] else { return }
        present[id] = false
        var k = leafOf[id]
        while k >= 0 {
            nodes[k].present -= 1
            k = nodes[k].parent
        }
    }

    /// The squared distance from q to the box whose lower corner is at `box` and upper at `box + p`
    /// (two partial sums: the result is a lower bound either way, and searches only compare it with
    /// slack), or +∞ as soon as a partial sum after four coordinates exceeds `limit`.
    @inline(__always)
    private static func boxDistance(_ box: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ p: Int, within limit: Double = .infinity) -> Double {
        var d0 = 0.0, d1 = 0.0, j = 0
        while j + 1 < p {
            let v0 = q[j], v1 = q[j + 1]
            let t0 = max(box[j] - v0, 0) + max(v0 - box[p + j], 0)
            let t1 = max(box[j + 1] - v1, 0) + max(v1 - box[p + j + 1], 0)
            d0 += t0 * t0
            d1 += t1 * t1
            j += 2
            if j & 3 == 0 && d0 + d1 > limit { return .infinity }
        }
        if j < p {
            let v = q[j]
            let t = max(box[j] - v, 0) + max(v - box[p + j], 0)
            d0 += t * t
        }
        return d0 + d1
    }

    /// ‖x − q‖² over p coordinates, with four partial sums (the candidates' slack absorbs the rounding;
    /// callers recompute exact distances their own way), or nil as soon as the sum of the four after a
    /// block of four coordinates exceeds `limit` (the full sum, of nonnegative terms, would too).
    @inline(__always)
    private static func pointDistance(_ x: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ p: Int, within limit: Double) -> Double? {
        var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0, j = 0
        while j + 3 < p {
            let t0 = x[j] - q[j], t1 = x[j + 1] - q[j + 1], t2 = x[j + 2] - q[j + 2], t3 = x[j + 3] - q[j + 3]
            d0 += t0 * t0
            d1 += t1 * t1
            d2 += t2 * t2
            d3 += t3 * t3
            j += 4
            if (d0 + d1) + (d2 + d3) > limit { return nil }
        }
        while j < p {
            let t = x[j] - q[j]
            d0 += t * t
            j += 1
        }
        let d = (d0 + d1) + (d2 + d3)
        return d > limit ? nil : d
    }

    /// The present points (not `excluded`) whose squared distance from `q` is at most
    /// (1 + slack)·d²ₖ + absoluteSlack, with d²ₖ the k-th smallest squared distance among them; fewer
    /// than k points give all of them. Identifiers in ascending order.
    public func candidates(
        near q: [Double], k: Int = 1, slack: Double = 1e-9, absoluteSlack: Double = 0, excluding excluded: ((Int) -> Bool)? = nil
    ) -> [Int] {
        neighbours(near: q, k: k, slack: slack, absoluteSlack: absoluteSlack, excluding: excluded).map(\.id).sorted()
    }

    /// The same points as `candidates`, with their squared distances, nearest first (ties by identifier).
    ///
    /// Priority search (Arya & Mount 1993): nodes are taken in order of their boxes' distance from q
    /// (a binary heap); from each node taken the search descends to a leaf through the nearer child,
    /// keeping the farther one on the heap, and stops as soon as the nearest unvisited box lies beyond
    /// the threshold. A point's distance is abandoned once its partial sum exceeds the threshold (the
    /// partial sums of nonnegative terms only grow). The set returned does not depend on the visiting
    /// order: every point within the final threshold lies in a box within it.
    public func neighbours(
        near q: [Double], k: Int = 1, slack: Double = 1e-9, absoluteSlack: Double = 0, excluding excluded: ((Int) -> Bool)? = nil
    ) -> [(id: Int, squaredDistance: Double)] {
        precondition(q.count == dimension && k >= 1, "a query of the tree's dimension and k ≥ 1")
        guard count > 0 else { return [] }
        let p = dimension
        var best: [Double] = [] // the k smallest squared distances so far, ascending
        best.reserveCapacity(k + 1)
        var limit = Double.infinity // (1 + slack)·best[k − 1] + absoluteSlack once k are known
        var found: [(id: Int, squaredDistance: Double)] = []
        var heap = BoundHeap()
        nodes.withUnsafeBufferPointer { nodes in
            boxes.withUnsafeBufferPointer { boxes in
                sorted.withUnsafeBufferPointer { sorted in
                    order.withUnsafeBufferPointer { order in
                        present.withUnsafeBufferPointer { present in
                            q.withUnsafeBufferPointer { qb in
                                let q = qb.baseAddress!, box = boxes.baseAddress!, x = sorted.baseAddress!
                                heap.push(Self.boxDistance(box, q, p), 0)
                                while let (bound, top) = heap.pop() {
                                    if bound > limit { break }
                                    var node = top
                                    // Descend through the nearer child to a leaf.
                                    while nodes[node].present > 0 && nodes[node].left >= 0 {
                                        let l = nodes[node].left, r = nodes[node].right
                                        let lb = nodes[l].present > 0 ? Self.boxDistance(box + 2 * l * p, q, p, within: limit) : .infinity
                                        let rb = nodes[r].present > 0 ? Self.boxDistance(box + 2 * r * p, q, p, within: limit) : .infinity
                                        let (near, nearBound, far, farBound) = rb < lb ? (r, rb, l, lb) : (l, lb, r, rb)
                                        if farBound <= limit { heap.push(farBound, far) }
                                        if nearBound > limit { node = -1; break }
                                        node = near
                                    }
                                    guard node >= 0, nodes[node].present > 0 else { continue }
                                    let n = nodes[node]
                                    for i in n.start..<n.end {
                                        let id = order[i]
                                        guard present[id] else { continue }
                                        if let excluded, excluded(id) { continue }
                                        guard let d = Self.pointDistance(x + i * p, q, p, within: limit) else { continue }
                                        found.append((id, d))
                                        if best.count < k || d < best[k - 1] {
                                            var at = best.count
                                            while at > 0 && best[at - 1] > d { at -= 1 }
                                            best.insert(d, at: at)
                                            if best.count > k { best.removeLast() }
                                            if best.count == k { limit = best[k - 1] * (1 + slack) + absoluteSlack }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return found.filter { $0.squaredDistance <= limit }.sorted {
            $0.squaredDistance != $1.squaredDistance ? $0.squaredDistance < $1.squaredDistance : $0.id < $1.id
        }
    }
}

/// A binary min-heap of (lower bound, node) pairs for best-first search.
private struct BoundHeap {
    private var items: [(bound: Double, node: Int)] = []

    init() { items.reserveCapacity(64) }

    @inline(__always)
    mutating func push(_ bound: Double, _ node: Int) {
        items.append((bound, node))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].bound <= items[i].bound { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    @inline(__always)
    mutating func pop() -> (bound: Double, node: Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l].bound < items[m].bound { m = l }
                if r < items.count && items[r].bound < items[m].bound { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
