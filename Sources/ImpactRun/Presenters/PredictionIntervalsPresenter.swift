import EstimationCore
import Plotting
import Reporting
import SyntheticControlMethods

/// The report of scpi's prediction intervals (`synth` with `inference: prediction-intervals`).
///
/// The library gives intervals for the synthetic (counterfactual) outcome; the report turns each
/// into an interval for the effect, treated minus counterfactual: [treated − upper, treated − lower].
enum PredictionIntervalsPresenter {
    static func effect(_ p: PredictionIntervals.Period, _ band: PredictionIntervals.Band) -> (lower: Double, upper: Double) {
        (p.treated - band.upper, p.treated - band.lower)
    }

    static func blocks(_ r: PredictionIntervals.Result) -> [ReportBlock] {
        let failed = r.failedLower + r.failedUpper
        var text: ReportText =
            "\(strong: "Prediction intervals") (Cattaneo, Feng & Titiunik 2021, as scpi): the weights' estimation error from \(r.simulations) simulated draws "
        text +=
            "(local geometry ρ = \(number: r.rho): \(r.activeDonors.count) donor(s) above it; HC variance with \(r.degreesOfFreedom) df on \(r.rows) periods), "
        text += "plus the post-period shock modelled on the pre-period residuals three ways (gaussian, location-scale, quantile regression). "
        text += "The simultaneous band covers every post period at once (in-sample joint bound plus the gaussian bound × √log(T₁ + 1), as R's scpi)."
        if failed > 0 { text += " \(failed) of \(2 * r.simulations * r.periods.count) simulated programs failed and were left out." }
        func interval(_ p: PredictionIntervals.Period, _ b: PredictionIntervals.Band) -> ReportTable.Cell {
            let e = effect(p, b)
            return .interval(e.lower, e.upper)
        }
        return [
            .paragraph(text),
            .table(
                ReportTable(
                    fileName: nil, caption: "Effects by period with \(percent: r.level) prediction intervals",
                    columns: [
                        .init("period", .left), .init("effect"), .init("in-sample only"), .init("gaussian"), .init("location-scale"),
                        .init("quantile"), .init("simultaneous")
                    ],
                    rows: r.periods.map { p in
                        [
                            .period(p.time), .number(p.treated - p.synthetic), interval(p, p.inSample), interval(p, p.gaussian),
                            interval(p, p.locationScale), interval(p, p.quantile), interval(p, p.simultaneous)
                        ]
                    }))
        ]
    }

    /// `prediction_intervals.csv`: per period the treated and synthetic outcomes and every interval for
    /// the synthetic outcome (as scpi prints them) and for the effect.
    static func table(_ r: PredictionIntervals.Result) -> ReportTable {
        let kinds: [(String, KeyPath<PredictionIntervals.Period, PredictionIntervals.Band>)] = [
            ("in_sample", \.inSample), ("gaussian", \.gaussian), ("location_scale", \.locationScale), ("quantile", \.quantile),
            ("simultaneous", \.simultaneous)
        ]
        let headers =
            ["period", "treated", "synthetic", "effect"] + kinds.flatMap { ["synthetic_lower_\($0.0)", "synthetic_upper_\($0.0)"] }
            + kinds.flatMap { ["effect_lower_\($0.0)", "effect_upper_\($0.0)"] }
        return ReportTable(
            fileName: "prediction_intervals.csv", headers: headers,
            rows: r.periods.map { p in
                [.period(p.time), .number(p.treated), .number(p.synthetic), .number(p.treated - p.synthetic)]
                    + kinds.flatMap { k -> [ReportTable.Cell] in [.number(p[keyPath: k.1].lower), .number(p[keyPath: k.1].upper)] }
                    + kinds.flatMap { k -> [ReportTable.Cell] in
                        let e = effect(p, p[keyPath: k.1])
                        return [.number(e.lower), .number(e.upper)]
                    }
            })
    }

    /// Bands for the gap plot: the simultaneous band (lighter) under the per-period gaussian one.
    static func gapBands(_ r: PredictionIntervals.Result) -> [LineChart.Band] {
        let x = r.periods.map(\.time)
        let joint = r.periods.map { effect($0, $0.simultaneous) }, each = r.periods.map { effect($0, $0.gaussian) }
        return [
            LineChart.Band(x: x, low: joint.map(\.lower), high: joint.map(\.upper), color: Palette.color(0), opacity: 0.12),
            LineChart.Band(x: x, low: each.map(\.lower), high: each.map(\.upper), color: Palette.color(0), opacity: 0.25)
        ]
    }
}
