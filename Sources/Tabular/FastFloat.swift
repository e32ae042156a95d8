import Foundation

/// Decimal text to `Double`, correctly rounded.
///
/// The fast path is Clinger's (1990): when the significand has at most 19
/// digits, fits in 53 bits, and the decimal exponent is within ±22, both the
/// significand and the power of ten are exact doubles and one IEEE
/// multiplication or division rounds correctly. Anything else falls back to
/// `strtod`, which is also correctly rounded (glibc).
enum FastFloat {
    /// 10^0 … 10^22, every one an exact double; a literal, so it is initialised statically (no lazy
    /// initialisation check on each use).
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    ]

    /// Parses `p[start..<end]` (surrounding spaces allowed); nil when it is not a number.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        guard let (x, stop) = parsePrefix(p, start, end) else {
            var i = start, e = end
            while i < e && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
            while e > i && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
            return i < e ? special(p, i, e) : nil
        }
        var j = stop
        while j < end && (p[j] == 0x20 || p[j] == 0x09) { j += 1 }
        return j == end ? x : nil
    }

    /// Parses the number that starts at `start` (after optional spaces) and returns it with the index
    /// just past it; nil when no digits are found. The caller checks what follows.
    @inline(__always)
    static func parsePrefix(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (Double, Int)? {
        var i = start
        while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        let begin = i
        var negative = false
        if i < end && p[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if i < end && p[i] == UInt8(ascii: "+") { i += 1 }
        // Integer digits, then fraction digits, accumulated with wrapping arithmetic: with at most 19
        // digits in all the significand is exact (< 10^19 < 2^64); longer ones go to strtod below.
        var mantissa: UInt64 = 0
        var digits = digitRun(p, &i, end, into: &mantissa)
        var exponent = 0
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            let fraction = digitRun(p, &i, end, into: &mantissa)
            exponent = -fraction
            digits += fraction
        }
        guard digits > 0 else { return nil }
        if digits <= 19 && mantissa <= (1 << 53) && exponent >= -22 && (i >= end || p[i] | 0x20 != UInt8(ascii: "e")) {
            var x = Double(mantissa)
            if exponent < 0 { x /= powersOfTen[-exponent] }
            return (negative ? -x : x, i)
        }
        return withExponent(p, begin, i, end, mantissa: mantissa, digits: digits, exponent: exponent, negative: negative)
    }

    /// The rest of `parsePrefix`, off its fast path: an exponent part, a long significand, or a value
    /// that one operation would not round correctly.
    @inline(never)
    static func withExponent(
        _ p: UnsafePointer<UInt8>, _ begin: Int, _ stop: Int, _ end: Int, mantissa: UInt64, digits: Int, exponent fractionExponent: Int,
        negative: Bool
    ) -> (Double, Int)? {
        var i = stop, exponent = fractionExponent
        if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            var j = i + 1
            var expNegative = false
            if j < end && p[j] == UInt8(ascii: "-") { expNegative = true; j += 1 } else if j < end && p[j] == UInt8(ascii: "+") { j += 1 }
            var value = 0
            var sawExpDigit = false
            while j < end {
                let d = p[j] &- 48
                if d > 9 { break }
                sawExpDigit = true
                if value < 100_000 { value = value * 10 + Int(d) }
                j += 1
            }
            guard sawExpDigit else { return nil }
            exponent += expNegative ? -value : value
            i = j
        }
        if digits <= 19 && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var x = Double(mantissa)
            if exponent >= 0 { x *= powersOfTen[exponent] } else { x /= powersOfTen[-exponent] }
            return (negative ? -x : x, i)
        }
        if digits <= 19 && mantissa == 0 { return (negative ? -0.0 : 0.0, i) }
        return slow(p, begin, i).map { ($0, i) }
    }

    /// Reads the decimal digits at `i` into `mantissa` (wrapping), advances `i` past them and returns
    /// how many there were.
    @inline(__always)
    static func digitRun(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, into mantissa: inout UInt64) -> Int {
        let start = i
        while i < end {
            let d = p[i] &- 48
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        return i - start
    }

    /// `strtod` on a NUL-terminated copy.
    static func slow(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var buffer = [CChar](repeating: 0, count: end - start + 1)
        for k in 0..<(end - start) { buffer[k] = CChar(bitPattern: p[start + k]) }
        return buffer.withUnsafeBufferPointer { b -> Double? in
            var endPointer: UnsafeMutablePointer<CChar>?
            let x = strtod(b.baseAddress!, &endPointer)
            guard let endPointer, endPointer - UnsafeMutablePointer(mutating: b.baseAddress!) == end - start else { return nil }
            return x
        }
    }

    /// `Inf`, `-Inf`, `inf`, `Infinity` (R and Python spellings); NaN spellings are missing tokens instead.
    static func special(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let s = String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
        switch s {
        case "Inf", "inf", "Infinity", "infinity", "+Inf", "+inf": return .infinity
        case "-Inf", "-inf", "-Infinity", "-infinity": return -.infinity
        default: return nil
        }
    }
}
