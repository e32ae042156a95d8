/// The unweighted numbers of units, and of clusters where there are clusters, behind a reported
/// number (a cell mean, an ATT(g,t), an aggregated effect).
///
/// Weights never enter these counts: a secure data environment's output check asks how many
/// records (and how many schools or areas) a number is computed from, whatever they weigh.
public struct Contributors: Sendable, Codable, Equatable {
    /// Units (persons, schools, areas: the rows' unit of analysis) contributing to the number.
    public var units: Int
    /// Distinct clusters among those units; nil when the analysis has no clusters.
    public var clusters: Int?

    public init(units: Int, clusters: Int? = nil) {
        self.units = units
        self.clusters = clusters
    }

    /// The contributors among `members` (unit indices), with each unit's cluster code when clustered.
    ///
    /// Complexity: O(members) with a set of cluster codes.
    public init(members: some Collection<Int>, clusterOf: [Int]?) {
        units = members.count
        clusters = clusterOf.map { codes in Set(members.map { codes[$0] }).count }
    }
}

/// The contributors to a comparison: the treated (or exposed) units and the comparison units.
public struct ComparisonContributors: Sendable, Codable, Equatable {
    public var treated: Contributors
    public var comparison: Contributors

    public init(treated: Contributors, comparison: Contributors) {
        self.treated = treated
        self.comparison = comparison
    }
}

/// A set of unit indices `0..<count` as a bit set, for unions of the units behind many estimates.
///
/// Complexity: O(count / 64) memory and per union; membership O(1).
public struct UnitSet: Sendable, Equatable {
    public private(set) var words: [UInt64]
    public let count: Int

    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    public init(count: Int, members: some Sequence<Int>) {
        self.init(count: count)
        for i in members { insert(i) }
    }

    public mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }

    public func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    public mutating func formUnion(_ other: UnitSet) {
        for k in words.indices { words[k] |= other.words[k] }
    }

    /// The number of members.
    public var memberCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The members in increasing order.
    public var members: [Int] { (0..<count).filter(contains) }

    /// The contributors among the members.
    public func contributors(clusterOf: [Int]?) -> Contributors {
        guard let clusterOf else { return Contributors(units: memberCount) }
        return Contributors(members: members, clusterOf: clusterOf)
    }
}
