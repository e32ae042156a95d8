extension TableExpression {
    /// Parses `source` (see ``TableExpression`` for the syntax).
    ///
    /// Precedence, loosest first, as in R: `|`, `&`, `!`, comparisons (not chained), `+ -`, `* /`,
    /// unary minus, `^` (right-associative). Complexity O(length).
    ///
    /// - Throws: `ExpressionError` with the range of the unexpected token.
    public static func parse(_ source: String) throws(ExpressionError) -> TableExpression {
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokens(of: source), length: source.count)
        let e = try parser.or()
        guard parser.peek.kind == .end else {
            throw ExpressionError("unexpected \(parser.peek.kind.name) after a complete expression", range: parser.peek.range)
        }
        return e
    }
}

/// One token of an expression.
struct ExpressionToken {
    enum Kind: Equatable {
        case number(Double)
        case text(String)
        case name(String)
        case quotedName(String)
        case symbol(String)
        case end

        var name: String {
            switch self {
            case .number(let x): return "number \(formatNumber(x))"
            case .text(let s): return "text \"\(s)\""
            case .name(let s), .quotedName(let s): return "name '\(s)'"
            case .symbol(let s): return "'\(s)'"
            case .end: return "end of the expression"
            }
        }
    }
    var kind: Kind
    var range: Range<Int>
}

/// Splits an expression into tokens.
enum ExpressionLexer {
    static let symbols = ["==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "^", "<", ">", "&", "|", "!", "(", ")", ","]

    static func tokens(of source: String) throws(ExpressionError) -> [ExpressionToken] {
        let chars = Array(source)
        var tokens: [ExpressionToken] = []
        var i = 0
        func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" || c == "." }
        func isNameBody(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                while i < chars.count, chars[i].isNumber || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, chars[j].isNumber {
                        i = j
                        while i < chars.count, chars[i].isNumber { i += 1 }
                    }
                }
                let text = String(chars[start..<i])
                guard let x = Double(text) else { throw ExpressionError("'\(text)' is not a number", range: start..<i) }
                if i < chars.count, isNameStart(chars[i]) {
                    throw ExpressionError("a number runs into a name; put an operator between them (e.g. 2 * x)", range: start..<(i + 1))
                }
                tokens.append(ExpressionToken(kind: .number(x), range: start..<i))
            } else if isNameStart(c) {
                while i < chars.count, isNameBody(chars[i]) { i += 1 }
                tokens.append(ExpressionToken(kind: .name(String(chars[start..<i])), range: start..<i))
            } else if c == "\"" || c == "'" || c == "`" {
                i += 1
                var text = ""
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    text.append(chars[i])
                    i += 1
                }
                guard i < chars.count else {
                    throw ExpressionError("this \(c == "`" ? "backtick name" : "text") is not closed; add the closing \(c)", range: start..<chars.count)
                }
                i += 1
                tokens.append(ExpressionToken(kind: c == "`" ? .quotedName(text) : .text(text), range: start..<i))
            } else if let s = symbols.first(where: { sym in
                sym.count <= chars.count - i && String(chars[i..<(i + sym.count)]) == sym
            }) {
                i += s.count
                let canonical = s == "&&" ? "&" : s == "||" ? "|" : s
                tokens.append(ExpressionToken(kind: .symbol(canonical), range: start..<i))
            } else if c == "=" {
                throw ExpressionError("'=' is not an operator here; compare with '=='", range: i..<(i + 1))
            } else {
                throw ExpressionError("unexpected character '\(c)'", range: i..<(i + 1))
            }
        }
        tokens.append(ExpressionToken(kind: .end, range: chars.count..<chars.count))
        return tokens
    }
}

/// A recursive-descent parser over the tokens, one method per precedence level.
struct ExpressionParser {
    var tokens: [ExpressionToken]
    var position = 0
    let length: Int

    init(tokens: [ExpressionToken], length: Int) {
        self.tokens = tokens
        self.length = length
    }

    var peek: ExpressionToken { tokens[position] }

    mutating func advance() -> ExpressionToken {
        defer { position += 1 }
        return tokens[position]
    }

    func isSymbol(_ s: String) -> Bool { peek.kind == .symbol(s) }
    func isWord(_ s: String) -> Bool { peek.kind == .name(s) }

    mutating func or() throws(ExpressionError) -> TableExpression {
        var left = try and()
        while isSymbol("|") || isWord("or") {
            _ = advance()
            let right = try and()
            left = TableExpression(.binary(.or, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func and() throws(ExpressionError) -> TableExpression {
        var left = try not()
        while isSymbol("&") || isWord("and") {
            _ = advance()
            let right = try not()
            left = TableExpression(.binary(.and, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func not() throws(ExpressionError) -> TableExpression {
        if isSymbol("!") || isWord("not") {
            let op = advance()
            let operand = try not()
            return TableExpression(.not(operand), range: op.range.lowerBound..<operand.range.upperBound)
        }
        return try comparison()
    }

    mutating func comparison() throws(ExpressionError) -> TableExpression {
        let left = try additive()
        guard case .symbol(let s) = peek.kind, let op = TableExpression.BinaryOperator(rawValue: s), op.isComparison else { return left }
        _ = advance()
        let right = try additive()
        if case .symbol(let t) = peek.kind, let next = TableExpression.BinaryOperator(rawValue: t), next.isComparison {
            throw ExpressionError(
                "comparisons do not chain; write 'a < b & b < c' instead of 'a < b < c'", range: peek.range)
        }
        return TableExpression(.binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
    }

    mutating func additive() throws(ExpressionError) -> TableExpression {
        var left = try multiplicative()
        while isSymbol("+") || isSymbol("-") {
            let op: TableExpression.BinaryOperator = isSymbol("+") ? .add : .subtract
            _ = advance()
            let right = try multiplicative()
            left = TableExpression(.binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func multiplicative() throws(ExpressionError) -> TableExpression {
        var left = try unary()
        while isSymbol("*") || isSymbol("/") {
            let op: TableExpression.BinaryOperator = isSymbol("*") ? .multiply : .divide
            _ = advance()
            let right = try unary()
            left = TableExpression(.binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func unary() throws(ExpressionError) -> TableExpression {
        if isSymbol("-") || isSymbol("+") {
            let op = advance()
            let operand = try unary()
            if op.kind == .symbol("+") { return operand }
            return TableExpression(.negate(operand), range: op.range.lowerBound..<operand.range.upperBound)
        }
        return try power()
    }

    mutating func power() throws(ExpressionError) -> TableExpression {
        let base = try primary()
        guard isSymbol("^") else { return base }
        _ = advance()
        let exponent = try unary()
        return TableExpression(.binary(.power, base, exponent), range: base.range.lowerBound..<exponent.range.upperBound)
    }

    mutating func primary() throws(ExpressionError) -> TableExpression {
        let token = advance()
        switch token.kind {
        case .number(let x):
            return TableExpression(.number(x), range: token.range)
        case .text(let s):
            return TableExpression(.text(s), range: token.range)
        case .quotedName(let name):
            return TableExpression(.column(name), range: token.range)
        case .name(let name):
            if isSymbol("(") {
                _ = advance()
                var args: [TableExpression] = []
                if !isSymbol(")") {
                    args.append(try or())
                    while isSymbol(",") {
                        _ = advance()
                        args.append(try or())
                    }
                }
                guard isSymbol(")") else {
                    throw ExpressionError("expected ',' or ')' in the arguments of \(name)(), found \(peek.kind.name)", range: peek.range)
                }
                let close = advance()
                return TableExpression(.call(name, args), range: token.range.lowerBound..<close.range.upperBound)
            }
            switch name {
            case "TRUE", "true": return TableExpression(.number(1), range: token.range)
            case "FALSE", "false": return TableExpression(.number(0), range: token.range)
            case "NA": return TableExpression(.missing, range: token.range)
            case "and", "or", "not":
                throw ExpressionError("'\(name)' needs an operand here", range: token.range)
            default: return TableExpression(.column(name), range: token.range)
            }
        case .symbol("("):
            let inner = try or()
            guard isSymbol(")") else {
                throw ExpressionError("expected ')' to close the '(' here, found \(peek.kind.name)", range: token.range.lowerBound..<peek.range.upperBound)
            }
            let close = advance()
            return TableExpression(inner.kind, range: token.range.lowerBound..<close.range.upperBound)
        case .end:
            throw ExpressionError(
                position == 1 ? "the expression is empty" : "the expression ends where a value was expected",
                range: max(0, length - 1)..<max(1, length))
        case .symbol(let s):
            throw ExpressionError("unexpected '\(s)' where a value was expected", range: token.range)
        }
    }
}
