import EstimationCore
import Plotting

/// The event-time chart every event-study presenter shares (`did`, `event-study`, `multisynth`,
/// staggered `synth`): the estimates with their pointwise intervals as error bars, an optional
/// simultaneous band as dashed lines, zero, and a line where adoption falls.
enum EventTimeChart {
    /// A simultaneous band around the estimates.
    struct Band {
        var name: String
        var lower: [Double]
        var upper: [Double]
    }

    static func render(
        title: String, xLabel: String = "periods since adoption", yLabel: String, eventTimes x: [Double], estimates: [Estimate], seriesName: String,
        band: Band? = nil, adoptionAt: Double = -0.5
    ) -> String {
        var chart = LineChart(title: title, xLabel: xLabel, yLabel: yLabel)
        chart.series = [.init(name: seriesName, x: x, y: estimates.map(\.estimate), color: Palette.color(0), markers: true)]
        if let band {
            chart.series.append(.init(name: band.name, x: x, y: band.lower, color: Palette.color(1), dashed: true))
            chart.series.append(.init(name: nil, x: x, y: band.upper, color: Palette.color(1), dashed: true))
        }
        chart.errorBars = zip(x, estimates).compactMap { t, e in e.lower.map { (t, $0, e.upper ?? $0) } }
        chart.horizontalLines = [(0, "")]
        chart.verticalLines = [(adoptionAt, "adoption")]
        return chart.render()
    }
}
