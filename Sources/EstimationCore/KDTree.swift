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
        let c = coordinates
        // Partial sort around the median of the axis (ties by identifier, for determinism).
        var slice = Array(order[start..<end])
        slice.sort { a, b in
            let va = c[a * p + axis], vb = c[b * p + axis]
            return va != vb ? va < vb : a < b
        }
        order.replaceSubrange(start..<end, with: slice)
        let left = build(start, mid, parent: k, coordinates)
        let right = build(mid, end, parent: k, coordinates)
        nodes[k].left = left
        nodes[k].right = right
        return k
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

    private func lowerBound(_ k: Int, _ q: [Double]) -> Double {
        boxes.withUnsafeBufferPointer { b in
            q.withUnsafeBufferPointer { qp in Self.boxDistance(b.baseAddress! + 2 * k * dimension, qp.baseAddress!, dimension) }
        }
    }

    /// The squared distance from q to the box whose lower corner is at `box` and upper at `box + p`
    /// (two partial sums: the result is a lower bound either way, and searches only compare it with slack).
    @inline(__always)
    private static func boxDistance(_ box: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ p: Int) -> Double {
        var d0 = 0.0, d1 = 0.0, j = 0
        while j + 1 < p {
            let v0 = q[j], v1 = q[j + 1]
            let t0 = max(box[j] - v0, 0) + max(v0 - box[p + j], 0)
            let t1 = max(box[j + 1] - v1, 0) + max(v1 - box[p + j + 1], 0)
            d0 += t0 * t0
            d1 += t1 * t1
            j += 2
        }
        if j < p {
            let v = q[j]
            let t = max(box[j] - v, 0) + max(v - box[p + j], 0)
            d0 += t * t
        }
        return d0 + d1
    }

    /// ‖x − q‖² over p coordinates, with four partial sums (the candidates' slack absorbs the rounding;
    /// callers recompute exact distances their own way).
    @inline(__always)
    private static func pointDistance(_ x: UnsafePointer<Double>, _ q: UnsafePointer<Double>, _ p: Int) -> Double {
        var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0, j = 0
        while j + 3 < p {
            let t0 = x[j] - q[j], t1 = x[j + 1] - q[j + 1], t2 = x[j + 2] - q[j + 2], t3 = x[j + 3] - q[j + 3]
            d0 += t0 * t0
            d1 += t1 * t1
            d2 += t2 * t2
            d3 += t3 * t3
            j += 4
        }
        while j < p {
            let t = x[j] - q[j]
            d0 += t * t
            j += 1
        }
        return (d0 + d1) + (d2 + d3)
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
    /// Best-first search: nodes are taken in order of their boxes' distance from q (a binary heap), and
    /// the search stops as soon as the nearest unvisited box lies beyond the threshold.
    public func neighbours(
        near q: [Double], k: Int = 1, slack: Double = 1e-9, absoluteSlack: Double = 0, excluding excluded: ((Int) -> Bool)? = nil
    ) -> [(id: Int, squaredDistance: Double)] {
        precondition(q.count == dimension && k >= 1, "a query of the tree's dimension and k ≥ 1")
        guard count > 0 else { return [] }
        var best: [Double] = [] // the k smallest squared distances so far, ascending
        best.reserveCapacity(k + 1)
        var limit = Double.infinity // (1 + slack)·best[k − 1] + absoluteSlack once k are known
        var found: [(id: Int, squaredDistance: Double)] = []
        var heap = BoundHeap()
        heap.push(lowerBound(0, q), 0)
        while let (bound, node) = heap.pop() {
            if bound > limit { break }
            let n = nodes[node]
            if n.present == 0 { continue }
            if n.left < 0 {
                for i in n.start..<n.end {
                    let id = order[i]
                    guard present[id] else { continue }
                    if let excluded, excluded(id) { continue }
                    let d = squaredDistance(row: i, q)
                    if d > limit { continue }
                    found.append((id, d))
                    if best.count < k || d < best[k - 1] {
                        var at = best.count
                        while at > 0 && best[at - 1] > d { at -= 1 }
                        best.insert(d, at: at)
                        if best.count > k { best.removeLast() }
                        if best.count == k { limit = best[k - 1] * (1 + slack) + absoluteSlack }
                    }
                }
            } else {
                for child in [n.left, n.right] where nodes[child].present > 0 {
                    let bound = lowerBound(child, q)
                    if bound <= limit { heap.push(bound, child) }
                }
            }
        }
        return found.filter { $0.squaredDistance <= limit }.sorted {
            $0.squaredDistance != $1.squaredDistance ? $0.squaredDistance < $1.squaredDistance : $0.id < $1.id
        }
    }

    /// ‖row i of `sorted` − q‖².
    @inline(__always)
    private func squaredDistance(row i: Int, _ q: [Double]) -> Double {
        sorted.withUnsafeBufferPointer { c in
            q.withUnsafeBufferPointer { qp in Self.pointDistance(c.baseAddress! + i * dimension, qp.baseAddress!, dimension) }
        }
    }
}

/// A binary min-heap of (lower bound, node) pairs for best-first search.
private struct BoundHeap {
    private var items: [(bound: Double, node: Int)] = []

    init() { items.reserveCapacity(64) }

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
