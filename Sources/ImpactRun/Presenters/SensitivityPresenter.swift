import EstimationCore
import Foundation
import Plotting
import Reporting
import StaggeredDiD
import Tabular

/// `sensitivity`: robust confidence sets when parallel trends may fail (Rambachan & Roth 2023,
/// as R HonestDiD), for the `event-study`, `did` and `sensitivity` methods.
///
/// ```yaml
/// sensitivity:
///   relative_magnitudes: [0.5, 1, 1.5, 2]   # M̄ values ([] for none)
///   smoothness: [0, 0.01, 0.02]             # M values ([] for none; default: HonestDiD's 10-value grid)
///   target: first                           # first | average | a list of post-period weights
///   grid_points: 1000                       # test grid of the relative-magnitudes sets
///   breakdown: true                         # also find the breakdown values
/// ```
extension ParallelTrendsSensitivity.Settings: SettingValue, Decodable {
    static let keys = ["relative_magnitudes", "smoothness", "target", "grid_points", "breakdown"]
    public static var expected: String { "a mapping with any of: " + keys.joined(separator: ", ") }
    public static func decode(_ decoder: any Decoder) throws -> Self { try Self(from: decoder) }
    public var configText: String { "{relative_magnitudes: \(relativeMagnitudes.configText)}" }

    public init(from decoder: any Decoder) throws {
        self.init()
        let m = try StrictMapping(decoder, allowed: Self.keys, context: "sensitivity")
        relativeMagnitudes = try m.value("relative_magnitudes", default: relativeMagnitudes)
        smoothness = try m.optional("smoothness", [Double].self)
        for (key, values) in [("relative_magnitudes", relativeMagnitudes), ("smoothness", smoothness ?? [])] {
            if let bad = values.first(where: { !($0 >= 0 && $0.isFinite) }) {
                throw m.issue(key, "bounds must be finite and 0 or more, got \(formatNumber(bad))")
            }
        }
        gridPoints = try m.value("grid_points", default: gridPoints)
        guard gridPoints >= 10 else { throw m.issue("grid_points", "use at least 10 grid points (HonestDiD uses 1000), got \(gridPoints)") }
        breakdown = try m.value("breakdown", default: breakdown)
        if let weights = (try? m.optional("target", [Double].self)) ?? nil {
            guard weights.contains(where: { $0 != 0 }) else { throw m.issue("target", "the post-period weights are all zero") }
            target = .weights(weights)
        } else {
            switch try m.choice("target", ["first", "average"], default: "first") {
            case "average": target = .average
            default: target = .first
            }
        }
        if relativeMagnitudes.isEmpty && smoothness == [] {
            throw m.issue("give relative_magnitudes or smoothness bounds (both are empty)")
        }
    }
}

/// The report of a sensitivity analysis: the robust sets by restriction and bound, breakdown
/// values, and a chart of the sets beside the original interval.
enum SensitivityPresenter {
    /// A bound as written in a config (0.5), or to 4 significant digits when it was computed.
    static func boundText(_ x: Double) -> String {
        let plain = formatNumber(x)
        return plain.count <= 8 ? plain : String(format: "%.4g", x)
    }

    /// What the target is, in words.
    static func targetText(_ target: [Double]) -> String {
        if target.count == 1 || (target.first == 1 && target.dropFirst().allSatisfy { $0 == 0 }) { return "the first post-adoption effect" }
        if Set(target).count == 1 { return "the average of the \(target.count) post-adoption effects" }
        return "the weighted post-adoption effect with weights [\(target.map(formatNumber).joined(separator: ", "))]"
    }

    static func blocks(_ a: ParallelTrendsSensitivity.Analysis, name: String) -> [ReportBlock] {
        let targetText = targetText(a.target)
        var blocks: [ReportBlock] = []
        var intro: ReportText = "Sensitivity to parallel trends (Rambachan & Roth 2023, as R HonestDiD) for \(targetText), "
        intro +=
            "estimated at \(number: a.estimate) (\(percent: a.level) CI under exact parallel trends \(number: a.original[0]) to \(number: a.original[1])). "
        intro += "Relative magnitudes (M̄) allow post-adoption changes in the trend gap up to M̄ times the largest pre-adoption change; "
        intro +=
            "smoothness (M) allows the slope of the gap to change by up to M per period. Each row is a \(percent: a.level) confidence set valid under that restriction."
        blocks.append(.paragraph(intro))
        var rows: [[ReportTable.Cell]] = [[.text("parallel trends"), .empty, .text("original"), .interval(a.original[0], a.original[1])]]
        for r in a.relativeMagnitudes + a.smoothness {
            rows.append([
                .text(r.restriction == .relativeMagnitudes ? "relative magnitudes (M̄)" : "smoothness (M)"), .text(boundText(r.bound)), .text(r.method),
                r.lower == nil ? .text("empty") : .interval(r.lower, r.upper)
            ])
        }
        blocks.append(
            .table(
                ReportTable(
                    fileName: "sensitivity.csv", caption: "Robust confidence sets for \(targetText)",
                    columns: [.init("restriction", .left), .init("bound"), .init("method", .left), .init("\(ConfidenceLevel.percent(a.level)) set", .left)],
                    rows: rows)))
        blocks += a.breakdown.map(breakdown)
        blocks.append(
            .figure(
                ReportFigure(
                    fileName: "sensitivity.svg", caption: "Robust confidence sets by the bound on violations of parallel trends",
                    svg: chart(a, name: name, targetText: targetText))))
        return blocks
    }

    static func breakdown(_ b: ParallelTrendsSensitivity.Breakdown) -> ReportBlock {
        let name = b.restriction == .relativeMagnitudes ? "M̄" : "M"
        if b.notSignificant {
            return .note("The effect is not significant even under exact parallel trends, so there is no breakdown value for \(name).")
        } else if let v = b.value {
            return .paragraph(
                "Breakdown value: the conclusion of a non-zero effect holds for \(name) up to \(strongNumber: v) (to within \(number: b.resolution)); beyond it the robust set contains zero."
            )
        }
        return .note("The robust set excludes zero for every \(name) up to \(number: b.searchLimit), the end of the search.")
    }

    static func chart(_ a: ParallelTrendsSensitivity.Analysis, name: String, targetText: String) -> String {
        let intervals = a.relativeMagnitudes + a.smoothness
        let categories = ["parallel trends"] + intervals.map { ($0.restriction == .relativeMagnitudes ? "M̄ = " : "M = ") + boundText($0.bound) }
        let nan = Double.nan, none = intervals.map { _ in nan }
        var chart = DotChart(title: "\(name): sensitivity to parallel trends", xLabel: "effect (\(targetText))", categories: categories)
        chart.markers = [
            .init(name: "original", values: [a.estimate] + none, low: [a.original[0]] + none, high: [a.original[1]] + none, color: Palette.color(0)),
            .init(
                name: "robust", values: [nan] + none, low: [nan] + intervals.map { $0.lower ?? nan }, high: [nan] + intervals.map { $0.upper ?? nan },
                color: Palette.color(1))
        ]
        return chart.render()
    }
}
