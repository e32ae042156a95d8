extension Column {
    /// Each of `rows`' group code (0-based, in order of first appearance among `rows`) and the groups'
    /// labels, as `Categorical(rows.map(text))` would give but without formatting every value.
    /// The rows must not be missing in this column.
    ///
    /// Complexity: O(rows) hashing of codes or numbers; labels are formatted once per group.
    public func groups(rows: [Int]) -> (codes: [Int], labels: [String]) {
        switch self {
        case .categorical(let c):
            var map = [Int](repeating: -1, count: c.levels.count)
            var labels: [String] = []
            let codes = rows.map { r -> Int in
                let code = Int(c.codes[r])
                if map[code] < 0 {
                    map[code] = labels.count
                    labels.append(c.levels[code])
                }
                return map[code]
            }
            return (codes, labels)
        case .numeric(let v):
            // Whole numbers in a modest range (ids, years): index an array instead of hashing.
            if let first = rows.first {
                var lo = v[first], hi = v[first], whole = true
                for r in rows {
                    let x = v[r]
                    if x != x.rounded() || abs(x) > 1e15 { whole = false; break }
                    lo = min(lo, x)
                    hi = max(hi, x)
                }
                if whole && hi - lo < Double(4 * rows.count + 1024) {
                    let base = Int(lo)
                    var map = [Int](repeating: -1, count: Int(hi) - base + 1)
                    var values: [Double] = []
                    let codes = rows.map { r -> Int in
                        let slot = Int(v[r]) - base
                        if map[slot] < 0 {
                            map[slot] = values.count
                            values.append(v[r])
                        }
                        return map[slot]
                    }
                    return (codes, values.map(formatNumber))
                }
            }
            var index: [Double: Int] = [:]
            var values: [Double] = []
            let codes = rows.map { r -> Int in
                if let c = index[v[r]] { return c }
                index[v[r]] = values.count
                values.append(v[r])
                return values.count - 1
            }
            return (codes, values.map(formatNumber))
        }
    }
}
