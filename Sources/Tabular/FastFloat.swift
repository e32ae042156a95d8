import Foundation

/// Decimal text to `Double`, correctly rounded.
///
/// The fast path is Clinger's (1990): when the significand has at most 19
/// digits, fits in 53 bits, and the decimal exponent is within ±22, both the
/// significand and the power of ten are exact doubles and one IEEE
/// multiplication or division rounds correctly. Anything else falls back to
/// `strtod`, which is also correctly rounded (glibc).
enum FastFloat {
    static let powersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// Parses `p[start..<end]` (surrounding spaces allowed); nil when it is not a number.
    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start, e = end
        while i < e && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        while e > i && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        if i == e { return nil }
        let begin = i
        var negative = false
        if p[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if p[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        var truncated = false
        while i < e {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa * 10 + UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                exponent += 1
                if d != 0 { truncated = true }
            }
            i += 1
        }
        if i < e && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < e {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa * 10 + UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        guard sawDigit else { return special(p, begin, e) }
        if i < e && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < e && p[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < e && p[i] == UInt8(ascii: "+") { i += 1 }
            var value = 0
            var sawExpDigit = false
            while i < e {
                let d = p[i] &- 48
                if d > 9 { break }
                sawExpDigit = true
                if value < 100_000 { value = value * 10 + Int(d) }
                i += 1
            }
            guard sawExpDigit else { return nil }
            exponent += expNegative ? -value : value
        }
        guard i == e else { return nil }
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var x = Double(mantissa)
            if exponent >= 0 { x *= powersOfTen[exponent] } else { x /= powersOfTen[-exponent] }
            return negative ? -x : x
        }
        if mantissa == 0 && !truncated { return negative ? -0.0 : 0.0 }
        return slow(p, begin, e)
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
