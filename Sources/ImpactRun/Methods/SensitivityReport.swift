import EstimationCore
import Foundation
import Plotting
import Reporting
import StaggeredDiD
import Tabular

/// `sensitivity`: robust confidence sets when parallel trends may fail (Rambachan & Roth 2023,
/// as R HonestDiD), for the `event-study` and `did` methods.
///
/// ```yaml
/// sensitivity:
///   relative_magnitudes: [0.5, 1, 1.5, 2]   # M̄ values ([] for none)
///   smoothness: [0, 0.01, 0.02]             # M values ([] for none; default: HonestDiD's 10-value grid)
///   target: first                           # first | average | a list of post-period weights
///   grid_points: 1000                       # test grid of the relative-magnitudes sets
///   breakdown: true                         # also find the breakdown values
/// ```
public struct SensitivitySetting: SettingValue, Decodable, Sendable {
    public enum Target: Sendable, Equatable {
        case first, average
        case weights([Double])
    }
    public var relativeMagnitudes: [Double] = [0.5, 1, 1.5, 2]
    /// nil: HonestDiD's default grid (`defaultSmoothnessBounds`).
    public var smoothness: [Double]? = nil
    public var target = Target.first
    public var gridPoints = 1000
    public var breakdown = true

    static let keys = ["relative_magnitudes", "smoothness", "target", "grid_points", "breakdown"]
    public static var expected: String { "a mapping with any of: " + keys.joined(separator: ", ") }
    public static func decode(_ decoder: any Decoder) throws -> SensitivitySetting { try SensitivitySetting(from: decoder) }
    public var configText: String { "{relative_magnitudes: \(relativeMagnitudes.configText)}" }

    public init() {}

    public init(from decoder: any Decoder) throws {
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

    /// A bound as written in a config (0.5), or to 4 significant digits when it was computed.
    static func boundText(_ x: Double) -> String {
        let plain = formatNumber(x)
        return plain.count <= 8 ? plain : String(format: "%.4g", x)
    }

    /// The post-period weights `l` for `postperiods` post-period coefficients.
    func weights(postperiods: Int) throws -> [Double] {
        switch target {
        case .first: return [1] + Array(repeating: 0, count: postperiods - 1)
        case .average: return Array(repeating: 1 / Double(postperiods), count: postperiods)
        case .weights(let w):
            guard w.count == postperiods else {
                throw RunnerMessage("sensitivity.target lists \(w.count) weights but the event study has \(postperiods) post-period coefficients")
            }
            return w
        }
    }

    /// Runs the analysis and builds its report blocks and warnings (the library calls are
    /// `ParallelTrendsSensitivity.relativeMagnitudes`, `.smoothness` and `.breakdown`).
    func run(_ make: ([Double]?) throws -> ParallelTrendsSensitivity, postperiods: Int, threads: Int, analysis: String) throws -> (
        result: SensitivityResult, blocks: [ReportBlock], warnings: [String]
    ) {
        let s = try make(try weights(postperiods: postperiods))
        let rm = relativeMagnitudes.isEmpty ? [] : try s.relativeMagnitudes(relativeMagnitudes, gridPoints: gridPoints, threads: threads)
        let smoothnessBounds = smoothness ?? s.defaultSmoothnessBounds()
        let sd = smoothnessBounds.isEmpty ? [] : try s.smoothness(smoothnessBounds)
        var breakdowns: [ParallelTrendsSensitivity.Breakdown] = []
        if breakdown {
            if !rm.isEmpty { breakdowns.append(try s.breakdown(.relativeMagnitudes, gridPoints: gridPoints, threads: threads)) }
            if !sd.isEmpty { breakdowns.append(try s.breakdown(.smoothness)) }
        }
        let original = s.original()
        let result = SensitivityResult(
            target: s.target, estimate: s.targetEstimate, standardError: s.targetStandardError, original: [original.lower, original.upper],
            relativeMagnitudes: rm, smoothness: sd, breakdown: breakdowns)
        let targetText: String
        switch target {
        case .first: targetText = "the first post-adoption effect"
        case .average: targetText = "the average of the \(postperiods) post-adoption effects"
        case .weights(let w): targetText = "the weighted post-adoption effect with weights [\(w.map(formatNumber).joined(separator: ", "))]"
        }
        var blocks: [ReportBlock] = []
        var intro: ReportText = "Sensitivity to parallel trends (Rambachan & Roth 2023, as R HonestDiD) for \(targetText), "
        intro +=
            "estimated at \(number: s.targetEstimate) (\(percent: s.level) CI under exact parallel trends \(number: original.lower) to \(number: original.upper)). "
        intro += "Relative magnitudes (M̄) allow post-adoption changes in the trend gap up to M̄ times the largest pre-adoption change; "
        intro +=
            "smoothness (M) allows the slope of the gap to change by up to M per period. Each row is a \(percent: s.level) confidence set valid under that restriction."
        blocks.append(.paragraph(intro))
        var rows: [[ReportTable.Cell]] = [[.text("parallel trends"), .empty, .text("original"), .interval(original.lower, original.upper)]]
        for r in rm + sd {
            rows.append([
                .text(r.restriction == .relativeMagnitudes ? "relative magnitudes (M̄)" : "smoothness (M)"), .text(Self.boundText(r.bound)), .text(r.method),
                r.lower == nil ? .text("empty") : .interval(r.lower, r.upper)
            ])
        }
        blocks.append(
            .table(
                ReportTable(
                    fileName: "sensitivity.csv", caption: "Robust confidence sets for \(targetText)",
                    columns: [.init("restriction", .left), .init("bound"), .init("method", .left), .init("\(ConfidenceLevel.percent(s.level)) set", .left)],
                    rows: rows)))
        for b in breakdowns {
            let name = b.restriction == .relativeMagnitudes ? "M̄" : "M"
            if b.notSignificant {
                blocks.append(.note("The effect is not significant even under exact parallel trends, so there is no breakdown value for \(name)."))
            } else if let v = b.value {
                blocks.append(
                    .paragraph(
                        "Breakdown value: the conclusion of a non-zero effect holds for \(name) up to \(strongNumber: v) (to within \(number: b.resolution)); beyond it the robust set contains zero."
                    ))
            } else {
                blocks.append(.note("The robust set excludes zero for every \(name) up to \(number: b.searchLimit), the end of the search."))
            }
        }
        var markers: [DotChart.Marker] = []
        let intervals = rm + sd
        let categories = ["parallel trends"] + intervals.map { ($0.restriction == .relativeMagnitudes ? "M̄ = " : "M = ") + Self.boundText($0.bound) }
        let nan = Double.nan
        markers.append(
            .init(
                name: "original", values: [s.targetEstimate] + intervals.map { _ in nan }, low: [original.lower] + intervals.map { _ in nan },
                high: [original.upper] + intervals.map { _ in nan }, color: Palette.color(0)))
        markers.append(
            .init(
                name: "robust", values: [nan] + intervals.map { _ in nan }, low: [nan] + intervals.map { $0.lower ?? nan },
                high: [nan] + intervals.map { $0.upper ?? nan }, color: Palette.color(1)))
        var chart = DotChart(title: "\(analysis): sensitivity to parallel trends", xLabel: "effect (\(targetText))", categories: categories)
        chart.markers = markers
        blocks.append(
            .figure(
                ReportFigure(
                    fileName: "sensitivity.svg", caption: "Robust confidence sets by the bound on violations of parallel trends", svg: chart.render())))
        var warnings: [String] = []
        for r in rm where r.openAtGridEnd {
            warnings.append(
                "The relative-magnitudes set at M̄ = \(formatNumber(r.bound)) reaches the end of its test grid, so its true extent may be wider than reported."
            )
        }
        for r in rm + sd where r.lower == nil {
            warnings.append(
                "The \(r.restriction.rawValue) set at \(formatNumber(r.bound)) is empty: the pre-period estimates are inconsistent with that restriction.")
        }
        return (result, blocks, warnings)
    }
}

/// The `results.json` entry of a sensitivity analysis.
public struct SensitivityResult: Encodable, Sendable {
    /// The post-period weights `l` of the target `lᵀτ`.
    public let target: [Double]
    public let estimate: Double
    public let standardError: Double
    /// The interval under exact parallel trends.
    public let original: [Double]
    public let relativeMagnitudes: [ParallelTrendsSensitivity.RobustInterval]
    public let smoothness: [ParallelTrendsSensitivity.RobustInterval]
    public let breakdown: [ParallelTrendsSensitivity.Breakdown]
}
