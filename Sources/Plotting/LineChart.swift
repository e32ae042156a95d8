/// A line chart of one or more series against a numeric x axis.
///
/// Used for treated-versus-synthetic paths, gap plots with placebo gaps in
/// the background, and event-time averages.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String?
        public var x: [Double]
        public var y: [Double]
        public var color: String
        public var width: Double
        public var dashed: Bool
        public var opacity: Double
        public var markers: Bool

        public init(
            name: String?, x: [Double], y: [Double], color: String, width: Double = 2,
            dashed: Bool = false, opacity: Double = 1, markers: Bool = false
        ) {
            self.name = name
            self.x = x
            self.y = y
            self.color = color
            self.width = width
            self.dashed = dashed
            self.opacity = opacity
            self.markers = markers
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// Vertical reference lines (e.g. the treatment date) with labels.
    public var verticalLines: [(x: Double, label: String)] = []
    /// Horizontal reference lines (e.g. zero, or an average effect), labelled at the right end when the label is not empty.
    public var horizontalLines: [(y: Double, label: String)] = []
    /// Vertical error bars (x, low, high), e.g. confidence intervals at each point.
    public var errorBars: [(x: Double, low: Double, high: Double)] = []
    /// Shaded bands (confidence bands) drawn under the lines: `low`/`high` at each `x`.
    public var bands: [Band] = []

    /// A shaded band between two curves.
    public struct Band: Sendable {
        public var x: [Double]
        public var low: [Double]
        public var high: [Double]
        public var color: String
        public var opacity: Double
        public init(x: [Double], low: [Double], high: [Double], color: String, opacity: Double = 0.18) {
            self.x = x
            self.low = low
            self.high = high
            self.color = color
            self.opacity = opacity
        }
    }
    public var width: Double = 720
    public var height: Double = 420

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func render() -> String {
        var c = SVGCanvas(width: width, height: height)
        let left = 70.0, right = width - 20, top = 40.0, bottom = height - 55
        let named = series.filter { $0.name != nil }
        let legendRows = named.isEmpty ? 0 : 1
        let xs = series.flatMap(\.x).filter(\.isFinite) + verticalLines.map(\.x)
        var ys = series.flatMap(\.y).filter(\.isFinite) + horizontalLines.map(\.y)
        ys += errorBars.flatMap { [$0.low, $0.high] }.filter(\.isFinite)
        ys += bands.flatMap { $0.low + $0.high }.filter(\.isFinite)
        let xd = LinearScale.niceDomain(xs.min() ?? 0, xs.max() ?? 1, padding: 0.02)
        let yd = LinearScale.niceDomain(ys.min() ?? 0, ys.max() ?? 1)
        let sx = LinearScale(domain: xd, range: (left, right))
        let sy = LinearScale(domain: yd, range: (bottom, top + Double(legendRows) * 18))
        c.text(width / 2, 22, title, size: 15, anchor: .middle, weight: "bold")
        // Axes and grid.
        for t in sy.ticks() where t >= sy.domain.0 && t <= sy.domain.1 {
            c.line(left, sy(t), right, sy(t), stroke: "#e5e5e5")
            c.text(left - 6, sy(t) + 4, LinearScale.label(t), size: 11, anchor: .end)
        }
        for t in sx.ticks(8) where t >= sx.domain.0 && t <= sx.domain.1 {
            c.line(sx(t), bottom, sx(t), bottom + 4)
            c.text(sx(t), bottom + 17, LinearScale.label(t), size: 11, anchor: .middle)
        }
        c.line(left, bottom, right, bottom)
        c.line(left, top, left, bottom)
        c.text((left + right) / 2, height - 12, xLabel, size: 12, anchor: .middle)
        c.text(16, (top + bottom) / 2, yLabel, size: 12, anchor: .middle, rotate: -90)
        for h in horizontalLines {
            c.line(left, sy(h.y), right, sy(h.y), stroke: "#555", dash: "4 3")
            if !h.label.isEmpty { c.text(right - 4, sy(h.y) - 5, h.label, size: 11, anchor: .end) }
        }
        for v in verticalLines {
            c.line(sx(v.x), top + 14, sx(v.x), bottom, stroke: "#555", dash: "4 3")
            c.text(sx(v.x) + 4, top + 26, v.label, size: 11)
        }
        for band in bands {
            let points = zip(band.x, zip(band.low, band.high)).filter { $0.0.isFinite && $0.1.0.isFinite && $0.1.1.isFinite }
            let upper = points.map { (sx($0.0), sy($0.1.1)) }, lower = points.reversed().map { (sx($0.0), sy($0.1.0)) }
            c.polygon(upper + lower, fill: band.color, opacity: band.opacity)
        }
        for b in errorBars where b.low.isFinite && b.high.isFinite {
            c.line(sx(b.x), sy(b.low), sx(b.x), sy(b.high), stroke: "#444", width: 1.2)
        }
        for s in series {
            // Break the line at missing values.
            var run: [(Double, Double)] = []
            for (x, y) in zip(s.x, s.y) {
                if x.isFinite && y.isFinite {
                    run.append((sx(x), sy(y)))
                } else {
                    c.polyline(run, stroke: s.color, width: s.width, dash: s.dashed ? "6 4" : nil, opacity: s.opacity)
                    run = []
                }
            }
            c.polyline(run, stroke: s.color, width: s.width, dash: s.dashed ? "6 4" : nil, opacity: s.opacity)
            if s.markers { for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite { c.circle(sx(x), sy(y), r: 3, fill: s.color) } }
        }
        // Legend.
        var lx = left + 8
        for s in named {
            c.line(lx, top + 8, lx + 22, top + 8, stroke: s.color, width: 2.5, dash: s.dashed ? "6 4" : nil)
            c.text(lx + 27, top + 12, s.name!, size: 11)
            lx += 40 + Double(s.name!.count) * 6.5
        }
        return c.render()
    }
}
