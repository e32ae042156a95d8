import EstimationCore
import Testing

@Suite("k-d tree")
struct KDTreeTests {
    /// Points on a coarse grid (many exact ties) in `p` dimensions, from a fixed stream.
    static func points(_ n: Int, _ p: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(n * p)).map { _ in Double(rng.next() % 7) + (rng.next() % 3 == 0 ? 0.5 : 0) }
    }

    /// The brute-force answer: every present, non-excluded point within (1 + slack)·d²ₖ + absolute.
    static func bruteForce(_ x: [Double], _ p: Int, _ q: [Double], k: Int, slack: Double, absolute: Double, present: Set<Int>) -> [Int] {
        let d = present.sorted().map { i in (i, (0..<p).reduce(0.0) { $0 + (x[i * p + $1] - q[$1]) * (x[i * p + $1] - q[$1]) }) }
        guard !d.isEmpty else { return [] }
        let kth = d.map(\.1).sorted()[min(k, d.count) - 1]
        return d.filter { $0.1 <= kth * (1 + slack) + absolute }.map(\.0)
    }

    @Test("candidates equal a brute-force scan, with ties, several k, exclusions and removals (1–10 dimensions)")
    func matchesBruteForce() {
        for p in [1, 3, 10] {
            let n = 600
            let x = Self.points(n, p, seed: UInt64(p))
            var tree = KDTree(coordinates: x, dimension: p)
            var present = Set(0..<n)
            var rng = SplitMix64(seed: 99)
            for round in 0..<200 {
                let q = (0..<p).map { _ in Double(rng.next() % 8) - 0.25 }
                let k = 1 + round % 4
                let slack = round % 2 == 0 ? 0 : 1e-9
                let expected = Self.bruteForce(x, p, q, k: k, slack: slack, absolute: 1e-5, present: present)
                #expect(tree.candidates(near: q, k: k, slack: slack, absoluteSlack: 1e-5) == expected, "p = \(p), round \(round)")
                // Exclusion of the even identifiers.
                let odd = present.filter { $0 % 2 == 1 }
                #expect(
                    tree.candidates(near: q, k: k, slack: slack, absoluteSlack: 1e-5) { $0 % 2 == 0 }
                        == Self.bruteForce(x, p, q, k: k, slack: slack, absolute: 1e-5, present: odd))
                // Remove the nearest, as greedy matching does.
                if let first = expected.first {
                    tree.remove(first)
                    present.remove(first)
                    #expect(!tree.contains(first) && tree.count == present.count)
                }
            }
        }
    }

    @Test("an emptied tree gives no candidates")
    func empty() {
        var tree = KDTree(coordinates: [0, 0, 1, 1], dimension: 2)
        tree.remove(0)
        tree.remove(1)
        #expect(tree.candidates(near: [0, 0]).isEmpty && tree.count == 0)
    }
}
