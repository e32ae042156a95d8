/// A dot chart with one row per category: points, optional intervals, and vertical reference lines.
///
/// Used for coefficient (forest) plots and love plots of standardised mean differences.
public struct DotChart: Sendable {
    public struct Marker: Sendable {
        public var name: String
        public var values: [Double]
        public var low: [Double]?
        public var high: [Double]?
        public var color: String
        public var filled: Bool

        public init(
            name: String, values: [Double], low: [Double]? = nil, high: [Double]? = nil,
            color: String, filled: Bool = true
        ) {
            self.name = name
            self.values = values
            self.low = low
            self.high = high
            self.color = color
            self.filled = filled
        }
    }

    public var title: String
    public var xLabel: String
    public var categories: [String]
    public var markers: [Marker] = []
    public var referenceLines: [(x: Double, dashed: Bool)] = [(0, false)]
    public var width: Double = 720

    public init(title: String, xLabel: String, categories: [String]) {
        self.title = title
        self.xLabel = xLabel
        self.categories = categories
    }

    public func render() -> String {
        let rowHeight = 22.0
        let labelWidth = min(260, 30 + Double(categories.map(\.count).max() ?? 8) * 6.5)
        let top = 58.0, bottom = top + rowHeight * Double(max(categories.count, 1))
        let height = bottom + 50
        var c = SVGCanvas(width: width, height: height)
        let left = labelWidth, right = width - 20
        var xs = markers.flatMap(\.values) + referenceLines.map(\.x)
        for m in markers { xs += (m.low ?? []) + (m.high ?? []) }
        xs = xs.filter(\.isFinite)
        let sx = LinearScale(domain: LinearScale.niceDomain(xs.min() ?? -1, xs.max() ?? 1), range: (left, right))
        c.text(width / 2, 22, title, size: 15, anchor: .middle, weight: "bold")
        for t in sx.ticks(7) where t >= sx.domain.0 && t <= sx.domain.1 {
            c.line(sx(t), top - 4, sx(t), bottom, stroke: "#eeeeee")
            c.text(sx(t), bottom + 16, LinearScale.label(t), size: 11, anchor: .middle)
        }
        for r in referenceLines { c.line(sx(r.x), top - 4, sx(r.x), bottom, stroke: "#555", dash: r.dashed ? "4 3" : nil) }
        c.line(left, bottom, right, bottom)
        c.text((left + right) / 2, height - 10, xLabel, size: 12, anchor: .middle)
        for (i, name) in categories.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            c.text(left - 8, y + 4, name, size: 11, anchor: .end)
        }
        let offsets = markers.count > 1 ? (0..<markers.count).map { (Double($0) - Double(markers.count - 1) / 2) * 5 } : [0]
        for (k, m) in markers.enumerated() {
            for i in categories.indices where i < m.values.count {
                let y = top + rowHeight * (Double(i) + 0.5) + offsets[k]
                if let lo = m.low?[i], let hi = m.high?[i], lo.isFinite, hi.isFinite {
                    c.line(sx(lo), y, sx(hi), y, stroke: m.color, width: 1.5)
                }
                if m.values[i].isFinite {
                    c.circle(sx(m.values[i]), y, r: 4, fill: m.filled ? m.color : "white", stroke: m.color)
                }
            }
        }
        var lx = left
        for m in markers where markers.count > 1 {
            c.circle(lx + 5, 42, r: 4, fill: m.filled ? m.color : "white", stroke: m.color)
            c.text(lx + 14, 46, m.name, size: 11)
            lx += 30 + Double(m.name.count) * 6.5
        }
        return c.render()
    }
}
