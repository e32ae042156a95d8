import Foundation

/// One typed column of a `Table`.
///
/// Numeric columns hold `Double` values with missing values as NaN (as R's
/// `NA_real_`); categorical columns hold dictionary-encoded strings with
/// missing values as code `-1`.
public enum Column: Sendable, Equatable {
    case numeric([Double])
    case categorical(Categorical)

    /// The number of values.
    public var count: Int {
        switch self {
        case .numeric(let v): return v.count
        case .categorical(let c): return c.codes.count
        }
    }

    /// Whether value `i` is missing.
    public func isMissing(_ i: Int) -> Bool {
        switch self {
        case .numeric(let v): return v[i].isNaN
        case .categorical(let c): return c.codes[i] < 0
        }
    }

    /// The number of missing values.
    public var missingCount: Int {
        switch self {
        case .numeric(let v): return v.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
        case .categorical(let c): return c.codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
        }
    }

    /// A short name of the column's type, for messages.
    public var typeName: String {
        switch self {
        case .numeric: return "numeric"
        case .categorical: return "categorical"
        }
    }

    /// Value `i` as text (numbers without a trailing `.0` when integral; missing as "NA").
    public func text(at i: Int) -> String {
        switch self {
        case .numeric(let v): return formatNumber(v[i])
        case .categorical(let c): return c.codes[i] < 0 ? "NA" : c.levels[Int(c.codes[i])]
        }
    }

    /// The values at `rows`, in that order.
    public func selecting(_ rows: [Int]) -> Column {
        switch self {
        case .numeric(let v): return .numeric(rows.map { v[$0] })
        case .categorical(let c): return .categorical(Categorical(levels: c.levels, codes: rows.map { c.codes[$0] }))
        }
    }
}

/// Dictionary-encoded strings: `levels[codes[i]]` is value `i`; code `-1` is missing.
public struct Categorical: Sendable, Equatable {
    /// The distinct values, in order of first appearance.
    public var levels: [String]
    /// One code per row, indexing `levels`, or `-1` when missing.
    public var codes: [Int32]

    public init(levels: [String], codes: [Int32]) {
        self.levels = levels
        self.codes = codes
    }

    /// Encodes `values` (nil is missing), levels in order of first appearance.
    public init(_ values: [String?]) {
        var index: [String: Int32] = [:]
        var levels: [String] = []
        var codes = [Int32]()
        codes.reserveCapacity(values.count)
        for v in values {
            guard let v else { codes.append(-1); continue }
            if let c = index[v] {
                codes.append(c)
            } else {
                let c = Int32(levels.count)
                index[v] = c
                levels.append(v)
                codes.append(c)
            }
        }
        self.levels = levels
        self.codes = codes
    }

    /// The value at `i`, or nil when missing.
    public subscript(i: Int) -> String? { codes[i] < 0 ? nil : levels[Int(codes[i])] }

    /// The levels that occur among `rows` (all rows when nil), sorted as R's `factor()` sorts them
    /// (by Unicode code points, numbers-as-text compared numerically when every level is a number).
    public func sortedLevels(amongRows rows: [Int]? = nil) -> [String] {
        var seen = [Bool](repeating: false, count: levels.count)
        if let rows {
            for r in rows where codes[r] >= 0 { seen[Int(codes[r])] = true }
        } else {
            for c in codes where c >= 0 { seen[Int(c)] = true }
        }
        let present = levels.indices.filter { seen[$0] }.map { levels[$0] }
        let numbers = present.compactMap { Double($0) }
        if numbers.count == present.count {
            return present.sorted { Double($0)! < Double($1)! }
        }
        // Interval labels from `band()` ("[5, 10)", "[10, 20]"): by their lower end, as R orders cut()'s levels.
        let lowerEnds = present.compactMap(Self.intervalLowerEnd)
        if lowerEnds.count == present.count {
            return zip(lowerEnds, present).sorted { $0.0 < $1.0 }.map(\.1)
        }
        return present.sorted()
    }
}

extension Categorical {
    /// The lower end of an interval label `[a, b)` or `[a, b]`, or nil for any other text.
    static func intervalLowerEnd(_ label: String) -> Double? {
        guard label.hasPrefix("["), label.hasSuffix(")") || label.hasSuffix("]"), let comma = label.firstIndex(of: ",") else { return nil }
        let upper = label[label.index(after: comma)..<label.index(before: label.endIndex)].trimmingCharacters(in: .whitespaces)
        guard Double(upper) != nil else { return nil }
        return Double(label[label.index(after: label.startIndex)..<comma].trimmingCharacters(in: .whitespaces))
    }
}

/// A number as text that identifies it exactly, for keys: `formatNumber`'s text when it reads back as
/// the same value (so 7 is "7", as a text key would write it), else the shortest text that does
/// (0.1 + 0.2 is "0.30000000000000004", not "0.3"). −0 and 0 give the same text.
func exactNumberText(_ x: Double) -> String {
    let shown = formatNumber(x)
    return x.isNaN || Double(shown) == x ? shown : "\(x)"
}

/// Formats a number as R prints it in a table: integers without a decimal point, others with up to 15 significant digits.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
    var s = String(format: "%.15g", x)
    if s.contains("e") { return s }
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() } }
    return s
}
