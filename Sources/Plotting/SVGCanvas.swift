import Foundation

/// A minimal SVG writer: elements are appended as text, numbers printed with fixed precision
/// so that the same chart always gives the same bytes.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    private(set) var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A number as SVG wants it: at most two decimals, no trailing zeros.
    static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        var s = String(format: "%.2f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Text with XML special characters escaped.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double,
        stroke: String = "#333", width: Double = 1, dash: String? = nil, opacity: Double = 1
    ) {
        var s =
            "<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if opacity < 1 { s += " stroke-opacity=\"\(Self.n(opacity))\"" }
        elements.append(s + "/>")
    }

    public mutating func polyline(
        _ points: [(Double, Double)], stroke: String, width: Double = 1.5,
        dash: String? = nil, opacity: Double = 1
    ) {
        guard points.count > 1 else { return }
        let pts = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        var s = "<polyline fill=\"none\" points=\"\(pts)\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if opacity < 1 { s += " stroke-opacity=\"\(Self.n(opacity))\"" }
        elements.append(s + "/>")
    }

    /// A closed, filled shape (a confidence band), with no outline.
    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double = 1) {
        guard points.count > 2 else { return }
        let pts = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        var s = "<polygon points=\"\(pts)\" fill=\"\(fill)\" stroke=\"none\""
        if opacity < 1 { s += " fill-opacity=\"\(Self.n(opacity))\"" }
        elements.append(s + "/>")
    }

    public mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, stroke: String? = nil) {
        var s = "<circle cx=\"\(Self.n(cx))\" cy=\"\(Self.n(cy))\" r=\"\(Self.n(r))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\"" }
        elements.append(s + "/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil) {
        var s = "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(w, 0)))\" height=\"\(Self.n(max(h, 0)))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\"" }
        elements.append(s + "/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(
        _ x: Double, _ y: Double, _ content: String, size: Double = 12, anchor: Anchor = .start,
        weight: String? = nil, fill: String = "#222", rotate: Double? = nil
    ) {
        var s = "<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if let weight { s += " font-weight=\"\(weight)\"" }
        if let rotate { s += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        elements.append(s + ">\(Self.escape(content))</text>")
    }

    /// The complete SVG document.
    public func render() -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.n(width))" height="\(Self.n(height))" viewBox="0 0 \(Self.n(width)) \(Self.n(height))" font-family="Helvetica, Arial, sans-serif">
        <rect x="0" y="0" width="\(Self.n(width))" height="\(Self.n(height))" fill="white"/>
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }
}

/// Axis scaling and "nice" tick values (Heckbert 1990, *Graphics Gems*).
public struct LinearScale: Sendable {
    public let domain: (Double, Double)
    public let range: (Double, Double)

    public init(domain: (Double, Double), range: (Double, Double)) {
        var d = domain
        if !(d.0.isFinite && d.1.isFinite) { d = (0, 1) }
        if d.0 == d.1 { d = (d.0 - 1, d.1 + 1) }
        self.domain = d
        self.range = range
    }

    public func callAsFunction(_ x: Double) -> Double {
        range.0 + (x - domain.0) / (domain.1 - domain.0) * (range.1 - range.0)
    }

    /// About `count` round tick values covering the domain.
    public func ticks(_ count: Int = 6) -> [Double] {
        let span = Self.nice(domain.1 - domain.0, round: false)
        let step = Self.nice(span / Double(max(count - 1, 1)), round: true)
        let start = (domain.0 / step).rounded(.up) * step
        var ticks: [Double] = []
        var t = start
        while t <= domain.1 + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// A domain widened to round tick values, with a little padding.
    public static func niceDomain(_ lo: Double, _ hi: Double, padding: Double = 0.04) -> (Double, Double) {
        guard lo.isFinite, hi.isFinite else { return (0, 1) }
        if lo == hi { return (lo - 1, hi + 1) }
        let pad = (hi - lo) * padding
        return (lo - pad, hi + pad)
    }

    static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0 else { return 1 }
        let e = floor(log10(x))
        let f = x / pow(10, e)
        let nf: Double
        if round { nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10 } else { nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10 }
        return nf * pow(10, e)
    }

    /// A tick label: integers without decimals, others with up to 3 significant decimals.
    public static func label(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
        var s = String(format: "%.3g", x)
        if s.contains("e") { return s }
        while s.contains(".") && s.hasSuffix("0") { s.removeLast() }
        return s
    }
}

/// The colour cycle used by every chart (colour-blind safe, Okabe & Ito 2008).
public enum Palette {
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    public static func color(_ i: Int) -> String { colors[i % colors.count] }
    public static let muted = "#B0B0B0"
}
