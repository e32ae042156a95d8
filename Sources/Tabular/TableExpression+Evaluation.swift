import Foundation

extension TableExpression {
    /// The result of evaluating an expression on a table: one value per row, and what happened on the way.
    public struct Evaluation: Sendable, Equatable {
        /// Numeric results (1/0 for conditions; missing as NaN) or text results (from `band`, `ifelse` on text, …).
        public var column: Column
        /// Operations that had no real value and gave missing values instead, with their counts
        /// (e.g. "`hours / pupils`: division by zero in 3 rows"), in order of first occurrence.
        public var notes: [String]
    }

    /// The panel a table holds, for `lag` and `lead`: the unit identifier and the numeric time column.
    public struct PanelKeys: Sendable, Equatable {
        public var unit: String
        public var time: String
        public init(unit: String, time: String) {
            self.unit = unit
            self.time = time
        }
    }

    /// The names of the functions an expression may call.
    public static let functionNames = [
        "log", "log10", "exp", "sqrt", "abs", "floor", "ceiling", "round", "is_missing", "coalesce", "ifelse", "pmin", "pmax", "lag", "lead", "band",
        "group_mean", "group_sum", "group_count"
    ]

    /// Evaluates the expression on every row of `table`. `source` is the text it was parsed from (named in
    /// notes); `panel` names the unit and time columns that `lag` and `lead` need.
    ///
    /// Complexity O(rows × nodes); `lag`/`lead` build a hash index of (unit, time) once per call.
    ///
    /// - Throws: `ExpressionError` at the offending token: an unknown column or function, a wrong number
    ///   of arguments, arithmetic on text, a comparison of text with a number, `lag` without a panel.
    public func evaluate(on table: Table, source: String, panel: PanelKeys? = nil) throws(ExpressionError) -> Evaluation {
        var evaluator = ExpressionEvaluator(table: table, source: Array(source), panel: panel)
        let column: Column
        switch try evaluator.value(self) {
        case .numbers(let v): column = .numeric(v)
        case .number(let x): column = .numeric([Double](repeating: x, count: table.rowCount))
        case .texts(let v): column = .categorical(Categorical(v))
        case .text(let s): column = .categorical(Categorical([String?](repeating: s, count: table.rowCount)))
        }
        return Evaluation(column: column, notes: evaluator.noteOrder.map { "\($0): \(evaluator.noteCounts[$0]!) row(s) set missing" })
    }
}

/// Evaluates expression nodes to whole columns.
struct ExpressionEvaluator {
    /// An intermediate value: a column or a scalar (literals, which broadcast).
    enum Value {
        case numbers([Double])
        case texts([String?])
        case number(Double)
        case text(String)
    }

    let table: Table
    let source: [Character]
    let panel: TableExpression.PanelKeys?
    var noteOrder: [String] = []
    var noteCounts: [String: Int] = [:]
    var lagIndex: [PanelCell: Int]?
    var unitCodes: [Int] = []
    var times: [Double] = []

    init(table: Table, source: [Character], panel: TableExpression.PanelKeys?) {
        self.table = table
        self.source = source
        self.panel = panel
    }

    var n: Int { table.rowCount }

    func text(of e: TableExpression) -> String {
        e.range.upperBound <= source.count ? String(source[e.range]) : e.description
    }

    mutating func note(_ what: String, _ count: Int) {
        guard count > 0 else { return }
        if noteCounts[what] == nil { noteOrder.append(what) }
        noteCounts[what, default: 0] += count
    }

    mutating func value(_ e: TableExpression) throws(ExpressionError) -> Value {
        switch e.kind {
        case .number(let x): return .number(x)
        case .text(let s): return .text(s)
        case .missing: return .number(.nan)
        case .column(let name):
            guard let column = table[name] else {
                var message = "no column named '\(name)'"
                if let s = closestMatch(to: name, in: table.columnNames) { message += " (did you mean '\(s)'?)" }
                throw ExpressionError(message, range: e.range)
            }
            switch column {
            case .numeric(let v): return .numbers(v)
            case .categorical:
                if let v = try? table.numeric(name) { return .numbers(v) } // every value a number ("007")
                return .texts(try! table.strings(name))
            }
        case .negate(let a):
            return .numbers(try numbers(a).map { -$0 })
        case .not(let a):
            return .numbers(try numbers(a).map { $0.isNaN ? .nan : ($0 != 0 ? 0 : 1) })
        case .binary(let op, let a, let b):
            return try binary(op, a, b, whole: e)
        case .call(let name, let args):
            return try call(name, args, at: e)
        }
    }

    /// The text of a column read as text (categorical), when `e` is just that column.
    func textColumn(_ e: TableExpression) -> [String?]? {
        guard case .column(let name) = e.kind, case .categorical? = table[name] else { return nil }
        return try? table.strings(name)
    }

    /// The value of `e` as numbers, one per row.
    mutating func numbers(_ e: TableExpression) throws(ExpressionError) -> [Double] {
        switch try value(e) {
        case .numbers(let v): return v
        case .number(let x): return [Double](repeating: x, count: n)
        case .texts, .text:
            throw ExpressionError("'\(text(of: e))' is text; this needs numbers", range: e.range)
        }
    }

    /// The value of `e` as text, one per row (numbers are refused: mixing them is a likely mistake).
    mutating func texts(_ e: TableExpression, context: String) throws(ExpressionError) -> [String?] {
        try texts(try value(e), e, context: context)
    }

    /// `v`, the value of `e`, as text, one per row.
    func texts(_ v: Value, _ e: TableExpression, context: String) throws(ExpressionError) -> [String?] {
        switch v {
        case .texts(let v): return v
        case .text(let s): return [String?](repeating: s, count: n)
        case .number(let x) where x.isNaN: return [String?](repeating: nil, count: n)
        case .numbers, .number:
            throw ExpressionError("'\(text(of: e))' is a number, but \(context) is text; quote text values (\"a\")", range: e.range)
        }
    }

    func isText(_ v: Value) -> Bool {
        switch v {
        case .texts, .text: return true
        case .numbers, .number: return false
        }
    }

    mutating func binary(_ op: TableExpression.BinaryOperator, _ a: TableExpression, _ b: TableExpression, whole: TableExpression) throws(ExpressionError)
        -> Value
    {
        var va = try value(a)
        var vb = try value(b)
        // Identifiers read as text whose every value is a number ("007") compare with text as written.
        if op == .equal || op == .notEqual {
            if isText(vb), !isText(va), let t = textColumn(a) { va = .texts(t) }
            if isText(va), !isText(vb), let t = textColumn(b) { vb = .texts(t) }
        }
        if isText(va) || isText(vb) {
            guard op == .equal || op == .notEqual else {
                let culprit = isText(va) ? a : b
                throw ExpressionError(
                    "'\(text(of: culprit))' is text; '\(op.rawValue)' needs numbers (text compares with == and != only)", range: culprit.range)
            }
            let textSide = isText(va) ? a : b
            let left = try texts(va, a, context: "'\(text(of: textSide))'")
            let right = try texts(vb, b, context: "'\(text(of: textSide))'")
            return .numbers(
                (0..<n).map { i in
                    guard let x = left[i], let y = right[i] else { return .nan }
                    return (x == y) == (op == .equal) ? 1 : 0
                })
        }
        let x = try numbers(a)
        let y = try numbers(b)
        var out = [Double](repeating: .nan, count: n)
        switch op {
        case .and:
            for i in 0..<n {
                let p = x[i], q = y[i]
                if p == 0 || q == 0 { out[i] = 0 } else if !p.isNaN && !q.isNaN { out[i] = 1 }
            }
            return .numbers(out)
        case .or:
            for i in 0..<n {
                let p = x[i], q = y[i]
                if (!p.isNaN && p != 0) || (!q.isNaN && q != 0) { out[i] = 1 } else if !p.isNaN && !q.isNaN { out[i] = 0 }
            }
            return .numbers(out)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            for i in 0..<n where !x[i].isNaN && !y[i].isNaN {
                let r: Bool
                switch op {
                case .equal: r = x[i] == y[i]
                case .notEqual: r = x[i] != y[i]
                case .less: r = x[i] < y[i]
                case .lessOrEqual: r = x[i] <= y[i]
                case .greater: r = x[i] > y[i]
                default: r = x[i] >= y[i]
                }
                out[i] = r ? 1 : 0
            }
            return .numbers(out)
        case .add, .subtract, .multiply, .divide, .power:
            var invalid = 0
            for i in 0..<n where !x[i].isNaN && !y[i].isNaN {
                let r: Double
                switch op {
                case .add: r = x[i] + y[i]
                case .subtract: r = x[i] - y[i]
                case .multiply: r = x[i] * y[i]
                case .divide: r = x[i] / y[i]
                default: r = Foundation.pow(x[i], y[i])
                }
                if r.isFinite || !x[i].isFinite || !y[i].isFinite { out[i] = r } else { invalid += 1 }
            }
            let what = op == .divide ? "division by zero" : "no finite value"
            note("'\(text(of: whole))': \(what)", invalid)
            return .numbers(out)
        }
    }

    mutating func call(_ name: String, _ args: [TableExpression], at e: TableExpression) throws(ExpressionError) -> Value {
        let nameRange = e.range.lowerBound..<(e.range.lowerBound + name.count)
        func arity(_ allowed: ClosedRange<Int>, _ usage: String) throws(ExpressionError) {
            guard allowed.contains(args.count) else {
                throw ExpressionError("\(name)() takes \(usage); it was given \(args.count) argument(s)", range: e.range)
            }
        }
        func literal(_ a: TableExpression, _ what: String) throws(ExpressionError) -> Double {
            switch a.kind {
            case .number(let x): return x
            case .negate(let inner): if case .number(let x) = inner.kind { return -x }
            default: break
            }
            throw ExpressionError("\(name)(): \(what) must be a number written out, not '\(text(of: a))'", range: a.range)
        }
        func elementwise(_ f: (Double) -> Double, domain: (Double) -> Bool, problem: String) throws(ExpressionError) -> Value {
            try arity(1...1, "one argument")
            let x = try numbers(args[0])
            var invalid = 0
            let out = x.map { v -> Double in
                guard !v.isNaN else { return .nan }
                guard domain(v) else { invalid += 1; return .nan }
                return f(v)
            }
            note("'\(text(of: e))': \(problem)", invalid)
            return .numbers(out)
        }
        switch name {
        case "log": return try elementwise(Foundation.log, domain: { $0 > 0 }, problem: "log of zero or a negative value")
        case "log10": return try elementwise(Foundation.log10, domain: { $0 > 0 }, problem: "log of zero or a negative value")
        case "exp": return try elementwise(Foundation.exp, domain: { $0 < 709.78 }, problem: "exp overflows")
        case "sqrt": return try elementwise(Foundation.sqrt, domain: { $0 >= 0 }, problem: "square root of a negative value")
        case "abs": return try elementwise(Swift.abs, domain: { _ in true }, problem: "")
        case "floor": return try elementwise({ $0.rounded(.down) }, domain: { _ in true }, problem: "")
        case "ceiling": return try elementwise({ $0.rounded(.up) }, domain: { _ in true }, problem: "")
        case "round":
            // R's round: to even at exact halves (IEC 60559), at `digits` decimal places.
            try arity(1...2, "a value and optionally the number of decimal places")
            let digits = args.count == 2 ? try literal(args[1], "the number of decimal places") : 0
            let scale = Foundation.pow(10, digits)
            return .numbers(try numbers(args[0]).map { ($0 * scale).rounded(.toNearestOrEven) / scale })
        case "is_missing":
            try arity(1...1, "one argument")
            switch try value(args[0]) {
            case .numbers(let v): return .numbers(v.map { $0.isNaN ? 1 : 0 })
            case .texts(let v): return .numbers(v.map { $0 == nil ? 1 : 0 })
            case .number(let x): return .number(x.isNaN ? 1 : 0)
            case .text: return .number(0)
            }
        case "coalesce":
            try arity(1...64, "one or more values")
            let values = try args.map { (a) throws(ExpressionError) -> Value in try value(a) }
            if values.contains(where: isText) {
                var out = [String?](repeating: nil, count: n)
                for a in args {
                    let t = try texts(a, context: "coalesce()'s result")
                    for i in 0..<n where out[i] == nil { out[i] = t[i] }
                }
                return .texts(out)
            }
            var out = [Double](repeating: .nan, count: n)
            for a in args {
                let v = try numbers(a)
                for i in 0..<n where out[i].isNaN { out[i] = v[i] }
            }
            return .numbers(out)
        case "ifelse":
            try arity(3...3, "a condition, the value when it holds and the value when it does not")
            let condition = try numbers(args[0])
            let yes = try value(args[1]), no = try value(args[2])
            if isText(yes) || isText(no) {
                let context = "the other branch of ifelse()"
                let y = try texts(args[1], context: context), z = try texts(args[2], context: context)
                return .texts((0..<n).map { condition[$0].isNaN ? nil : condition[$0] != 0 ? y[$0] : z[$0] })
            }
            let y = try numbers(args[1]), z = try numbers(args[2])
            return .numbers((0..<n).map { condition[$0].isNaN ? .nan : condition[$0] != 0 ? y[$0] : z[$0] })
        case "pmin", "pmax":
            // R's pmin/pmax with na.rm = FALSE: missing when any argument is.
            try arity(2...64, "two or more values")
            var out = try numbers(args[0])
            for a in args.dropFirst() {
                let v = try numbers(a)
                for i in 0..<n {
                    if out[i].isNaN || v[i].isNaN { out[i] = .nan } else { out[i] = name == "pmin" ? Swift.min(out[i], v[i]) : Swift.max(out[i], v[i]) }
                }
            }
            return .numbers(out)
        case "lag", "lead":
            try arity(1...2, "a value and optionally the number of periods (default 1)")
            let k = args.count == 2 ? try literal(args[1], "the number of periods") : 1
            guard k == k.rounded() else { throw ExpressionError("\(name)(): the number of periods must be whole", range: args[1].range) }
            return try shifted(args[0], by: name == "lag" ? k : -k, at: nameRange)
        case "band":
            return try band(args, at: e)
        case "group_mean", "group_sum", "group_count":
            return try grouped(name, args, at: e)
        default:
            var message = "unknown function '\(name)'"
            if let s = closestMatch(to: name, in: TableExpression.functionNames) { message += " (did you mean '\(s)'?)" }
            message += "; functions are: " + TableExpression.functionNames.joined(separator: ", ")
            throw ExpressionError(message, range: nameRange)
        }
    }
}

/// One (unit, time) cell of a panel.
struct PanelCell: Hashable {
    var unit: Int
    var time: Double
}

extension ExpressionEvaluator {
    /// The value of `e` at time t − k of each row's unit (Stata's `L.`: by time value, not by row order).
    mutating func shifted(_ e: TableExpression, by k: Double, at nameRange: Range<Int>) throws(ExpressionError) -> Value {
        try buildPanelIndex(at: nameRange)
        let index = lagIndex!
        func source(_ i: Int) -> Int? {
            guard !times[i].isNaN, unitCodes[i] >= 0 else { return nil }
            return index[PanelCell(unit: unitCodes[i], time: times[i] - k)]
        }
        switch try value(e) {
        case .numbers(let v): return .numbers((0..<n).map { source($0).map { v[$0] } ?? .nan })
        case .texts(let v): return .texts((0..<n).map { source($0).flatMap { v[$0] } })
        case let scalar: return scalar
        }
    }

    /// Indexes rows by (unit, time), refusing a unit observed twice in one period.
    mutating func buildPanelIndex(at range: Range<Int>) throws(ExpressionError) {
        guard lagIndex == nil else { return }
        guard let panel else {
            throw ExpressionError("lag() and lead() need the data set's 'unit' and 'time' columns; declare them next to 'prepare'", range: range)
        }
        guard table.hasColumn(panel.unit) else { throw ExpressionError("the unit column '\(panel.unit)' is not in the data", range: range) }
        guard let t = try? table.numeric(panel.time) else {
            throw ExpressionError("the time column '\(panel.time)' is missing or not numeric; lag() and lead() count periods in it", range: range)
        }
        let units = Categorical(try! table.strings(panel.unit))
        unitCodes = units.codes.map(Int.init)
        times = t
        var index: [PanelCell: Int] = [:]
        index.reserveCapacity(n)
        for i in 0..<n where unitCodes[i] >= 0 && !times[i].isNaN {
            let cell = PanelCell(unit: unitCodes[i], time: times[i])
            if let first = index[cell] {
                throw ExpressionError(
                    "unit '\(units.levels[unitCodes[i]])' has two rows for \(panel.time) \(formatNumber(times[i])) (rows \(first + 1) and \(i + 1)); lag() and lead() need one row per unit and period",
                    range: range)
            }
            index[cell] = i
        }
        lagIndex = index
    }

    /// `group_mean(x, g…)`, `group_sum(x, g…)`, `group_count(g…)`: a statistic of each row's group (the rows
    /// sharing its values of the columns g…), on every row of the group, as dplyr's `group_by(g) |> mutate()`
    /// with `na.rm = TRUE` or pandas' `groupby(g).transform`: missing values of x are skipped, a group with
    /// none gives a missing mean or sum, and a row with a missing group value gets a missing result.
    /// `group_count` counts the group's rows. Complexity O(rows) expected (hashing the group values).
    mutating func grouped(_ name: String, _ args: [TableExpression], at e: TableExpression) throws(ExpressionError) -> Value {
        let counting = name == "group_count"
        guard args.count >= (counting ? 1 : 2) else {
            throw ExpressionError(
                counting
                    ? "group_count() takes the grouping columns, e.g. group_count(area, year)"
                    : "\(name)() takes a value and the grouping columns, e.g. \(name)(dose, area)", range: e.range)
        }
        let keys = counting ? args : Array(args.dropFirst())
        var groupColumns: [[String?]] = []
        for k in keys {
            guard case .column = k.kind else {
                throw ExpressionError("\(name)(): group by columns, not '\(text(of: k))'", range: k.range)
            }
            switch try value(k) {
            case .texts(let v): groupColumns.append(v)
            case .numbers(let v): groupColumns.append(v.map { $0.isNaN ? nil : exactNumberText($0) })
            default: throw ExpressionError("\(name)(): group by columns, not '\(text(of: k))'", range: k.range)
            }
        }
        var group = [Int](repeating: -1, count: n)
        var index: [[String]: Int] = [:]
        for i in 0..<n {
            var key: [String] = []
            key.reserveCapacity(groupColumns.count)
            var complete = true
            for c in groupColumns {
                guard let v = c[i] else { complete = false; break }
                key.append(v)
            }
            guard complete else { continue }
            if let g = index[key] { group[i] = g } else { group[i] = index.count; index[key] = index.count }
        }
        var rows = [Int](repeating: 0, count: index.count), present = [Int](repeating: 0, count: index.count)
        var sums = [Double](repeating: 0, count: index.count)
        let x = counting ? [] : try numbers(args[0])
        for i in 0..<n where group[i] >= 0 {
            rows[group[i]] += 1
            if !counting, !x[i].isNaN {
                sums[group[i]] += x[i]
                present[group[i]] += 1
            }
        }
        return .numbers(
            (0..<n).map { i in
                let g = group[i]
                guard g >= 0 else { return .nan }
                if counting { return Double(rows[g]) }
                guard present[g] > 0 else { return .nan }
                return name == "group_mean" ? sums[g] / Double(present[g]) : sums[g]
            })
    }

    /// `band(x, b0, …, bk)`: the interval label of each value, as R's
    /// `cut(x, breaks, right = FALSE, include.lowest = TRUE)`: [b0, b1), …, [bk−1, bk].
    mutating func band(_ args: [TableExpression], at e: TableExpression) throws(ExpressionError) -> Value {
        guard args.count >= 3 else {
            throw ExpressionError("band() takes a value and at least two breaks, e.g. band(dose, 0, 0.2, 1)", range: e.range)
        }
        var breaks: [Double] = []
        for a in args.dropFirst() {
            switch a.kind {
            case .number(let x): breaks.append(x)
            case .negate(let inner): if case .number(let x) = inner.kind { breaks.append(-x) } else { fallthrough }
            default: throw ExpressionError("band(): breaks must be numbers written out, not '\(text(of: a))'", range: a.range)
            }
            if breaks.count >= 2, breaks[breaks.count - 1] <= breaks[breaks.count - 2] {
                throw ExpressionError("band(): breaks must increase", range: a.range)
            }
        }
        let labels = (0..<(breaks.count - 1)).map { j in
            "[\(formatNumber(breaks[j])), \(formatNumber(breaks[j + 1]))" + (j == breaks.count - 2 ? "]" : ")")
        }
        let x = try numbers(args[0])
        var outside = 0
        let out = x.map { v -> String? in
            guard !v.isNaN else { return nil }
            guard v >= breaks[0], v <= breaks[breaks.count - 1] else { outside += 1; return nil }
            var j = 0
            while j < breaks.count - 2 && v >= breaks[j + 1] { j += 1 }
            return labels[j]
        }
        note("'\(text(of: e))': value outside [\(formatNumber(breaks[0])), \(formatNumber(breaks[breaks.count - 1]))]", outside)
        return .texts(out)
    }
}
