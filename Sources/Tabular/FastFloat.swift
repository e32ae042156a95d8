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
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        var truncated = false
        var seenPoint = false
        // Digits before and after one decimal point: at most 19 significant digits go into the
        // mantissa; later integer digits scale the exponent, later fraction digits are dropped
        // (either way `truncated` records a nonzero digit lost, which sends the value to strtod).
        while i < end {
            let d = p[i] &- 48
            if d > 9 {
                if p[i] == UInt8(ascii: ".") && !seenPoint { seenPoint = true; i += 1; continue }
                break
            }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa * 10 + UInt64(d)
                if mantissa != 0 { significant += 1 }
                if seenPoint { exponent -= 1 }
            } else {
                if !seenPoint { exponent += 1 }
                if d != 0 { truncated = true }
            }
            i += 1
        }
        guard sawDigit else { return nil }
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
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var x = Double(mantissa)
            if exponent >= 0 { x *= powersOfTen[exponent] } else { x /= powersOfTen[-exponent] }
            return (negative ? -x : x, i)
        }
        if mantissa == 0 && !truncated { return (negative ? -0.0 : 0.0, i) }
        return slow(p, begin, i).map { ($0, i) }
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
