/// A horizontal bar chart, one bar per category (e.g. donor weights).
public struct BarChart: Sendable {
    public var title: String
    public var xLabel: String
    public var categories: [String]
    public var values: [Double]
    public var color: String = Palette.color(0)
    public var width: Double = 720

    public init(title: String, xLabel: String, categories: [String], values: [Double]) {
        self.title = title
        self.xLabel = xLabel
        self.categories = categories
        self.values = values
    }

    public func render() -> String {
        let rowHeight = 20.0
        let labelWidth = min(260, 30 + Double(categories.map(\.count).max() ?? 8) * 6.5)
        let top = 44.0, bottom = top + rowHeight * Double(max(categories.count, 1))
        let height = bottom + 48
        var c = SVGCanvas(width: width, height: height)
        let left = labelWidth, right = width - 60
        let finite = values.filter(\.isFinite)
        let sx = LinearScale(domain: (min(0, finite.min() ?? 0), max(finite.max() ?? 1, 1e-12)), range: (left, right))
        c.text(width / 2, 22, title, size: 15, anchor: .middle, weight: "bold")
        for t in sx.ticks(6) where t >= sx.domain.0 && t <= sx.domain.1 {
            c.line(sx(t), top, sx(t), bottom, stroke: "#eeeeee")
            c.text(sx(t), bottom + 16, LinearScale.label(t), size: 11, anchor: .middle)
        }
        c.line(sx(0), top, sx(0), bottom, stroke: "#555")
        for (i, name) in categories.enumerated() where i < values.count {
            let y = top + rowHeight * Double(i)
            let v = values[i].isFinite ? values[i] : 0
            c.rect(min(sx(0), sx(v)), y + 3, abs(sx(v) - sx(0)), rowHeight - 6, fill: color)
            c.text(left - 8, y + rowHeight / 2 + 4, name, size: 11, anchor: .end)
            let whole = values.allSatisfy { $0.isFinite && $0 == $0.rounded() && abs($0) < 1e15 }
            c.text(max(sx(0), sx(v)) + 4, y + rowHeight / 2 + 4, whole ? String(Int(values[i])) : String(format: "%.3f", values[i]), size: 10)
        }
        c.text((left + right) / 2, height - 10, xLabel, size: 12, anchor: .middle)
        return c.render()
    }
}
