/// A model formula in the syntax R users know from fixest:
/// `y ~ x1 + x2 + x1:x2 + i(region) | school + year`.
///
/// | piece | meaning |
/// |---|---|
/// | `y ~ …` | the outcome column, then the right-hand side |
/// | `x` | a numeric column (`` `name with spaces` `` in backquotes) |
/// | `i(g)` | the column `g` as a factor (treatment contrasts), as fixest's `i()` |
/// | `a:b` | the interaction (products of the columns); `a*b` is `a + b + a:b` |
/// | `0`, `-1` / `1`, `+1` | no intercept / an intercept (the default) |
/// | `\| f1 + f2` | factors absorbed as fixed effects |
///
/// A term listed twice is kept once. Errors name the offending token and its position (1-based
/// character), e.g. "expected a column name after '+' at character 9, found ')'".
public struct ModelFormula: Sendable, Equatable {
    public var outcome: String
    public var terms: [ModelTerm]
    public var intercept: Bool
    public var absorb: [String]

    /// A formula that could not be read: the message, the 1-based character and the token there.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public let position: Int
        public let token: String
        public var description: String { message }
    }

    /// Every column the formula reads (outcome, terms, absorbed factors), in order, once each.
    public var columnsUsed: [String] {
        var seen: [String] = []
        for c in [outcome] + terms.flatMap(\.columnsUsed) + absorb where !seen.contains(c) { seen.append(c) }
        return seen
    }

    /// Parses `text`.
    public static func parse(_ text: String) throws(ParseError) -> ModelFormula {
        var p = Parser(text)
        return try p.formula()
    }

    /// A recursive-descent parser over characters.
    struct Parser {
        enum Token: Equatable {
            case name(String)
            case number(String)
            case symbol(Character)
            case end
            var text: String {
                switch self {
                case .name(let s), .number(let s): return s
                case .symbol(let c): return String(c)
                case .end: return "the end"
                }
            }
        }
        let characters: [Character]
        var index = 0
        var token: Token = .end
        var tokenStart = 0

        init(_ text: String) {
            characters = Array(text)
            advance()
        }

        mutating func advance() {
            while index < characters.count && characters[index].isWhitespace { index += 1 }
            tokenStart = index
            guard index < characters.count else {
                token = .end
                return
            }
            let c = characters[index]
            if c == "`" {
                var j = index + 1
                while j < characters.count && characters[j] != "`" { j += 1 }
                token = .name(String(characters[(index + 1)..<min(j, characters.count)]))
                index = min(j + 1, characters.count + 1)
                if j >= characters.count { token = .symbol("`") }
            } else if c.isLetter || c == "_" || c == "." {
                var j = index
                while j < characters.count && (characters[j].isLetter || characters[j].isNumber || characters[j] == "_" || characters[j] == ".") { j += 1 }
                token = .name(String(characters[index..<j]))
                index = j
            } else if c.isNumber {
                var j = index
                while j < characters.count && characters[j].isNumber { j += 1 }
                token = .number(String(characters[index..<j]))
                index = j
            } else {
                token = .symbol(c)
                index += 1
            }
        }

        func error(_ message: String) -> ParseError {
            ParseError(message: "\(message) at character \(tokenStart + 1), found '\(token.text)'", position: tokenStart + 1, token: token.text)
        }

        mutating func expect(_ c: Character, _ what: String) throws(ParseError) {
            guard token == .symbol(c) else { throw error("expected \(what)") }
            advance()
        }

        mutating func formula() throws(ParseError) -> ModelFormula {
            guard case .name(let outcome) = token else { throw error("expected the outcome column before '~'") }
            advance()
            try expect("~", "'~' after the outcome")
            var terms: [ModelTerm] = []
            var intercept = true
            var first = true
            while true {
                var sign: Character = "+"
                if !first || token == .symbol("-") || token == .symbol("+") {
                    guard case .symbol(let s) = token, s == "+" || s == "-" else { break }
                    sign = s
                    advance()
                }
                first = false
                if case .number(let n) = token {
                    guard n == "0" || n == "1" else { throw error("only 0 and 1 (the intercept) may appear as numbers") }
                    intercept = (n == "1") == (sign == "+")
                    advance()
                    continue
                }
                guard sign == "+" else { throw error("only the intercept can be removed with '-' (write '-1' or '+ 0')") }
                for t in try product() where !terms.contains(t) { terms.append(t) }
            }
            var absorb: [String] = []
            if token == .symbol("|") {
                advance()
                repeat {
                    if !absorb.isEmpty { advance() }
                    guard case .name(let f) = token else { throw error("expected a fixed-effect column after '|' or '+'") }
                    if !absorb.contains(f) { absorb.append(f) }
                    advance()
                } while token == .symbol("+")
            }
            guard token == .end else { throw error("expected '+', '|' or the end of the formula") }
            guard !terms.isEmpty || intercept || !absorb.isEmpty else { throw error("the right-hand side is empty") }
            return ModelFormula(outcome: outcome, terms: terms, intercept: intercept, absorb: absorb)
        }

        /// `a`, `a:b:c` or `a*b` (expanded).
        mutating func product() throws(ParseError) -> [ModelTerm] {
            var factors = [try atom()]
            var star = false
            while case .symbol(let s) = token, s == ":" || s == "*" {
                if s == "*" { star = true }
                advance()
                factors.append(try atom())
            }
            guard factors.count > 1 else { return factors }
            guard star else { return [.interaction(factors)] }
            // a*b*c: every non-empty sub-product, in R's order (main effects, then two-way, …).
            var out: [ModelTerm] = []
            for size in 1...factors.count {
                for combo in Self.combinations(factors.count, size) {
                    out.append(size == 1 ? factors[combo[0]] : .interaction(combo.map { factors[$0] }))
                }
            }
            return out
        }

        static func combinations(_ n: Int, _ k: Int) -> [[Int]] {
            if k == 0 { return [[]] }
            guard n >= k else { return [] }
            return combinations(n - 1, k) + combinations(n - 1, k - 1).map { $0 + [n - 1] }.sorted { $0.lexicographicallyPrecedes($1) }
        }

        /// `x` or `i(g)`.
        mutating func atom() throws(ParseError) -> ModelTerm {
            guard case .name(let n) = token else { throw error("expected a column name") }
            advance()
            guard token == .symbol("(") else { return .numeric(n) }
            guard n == "i" || n == "factor" else { throw error("unknown function '\(n)'; use i(column) for a factor") }
            advance()
            guard case .name(let column) = token else { throw error("expected a column name inside i()") }
            advance()
            try expect(")", "')' to close i(")
            return .factor(column)
        }
    }
}
