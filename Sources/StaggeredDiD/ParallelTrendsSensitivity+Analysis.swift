import EstimationCore
import Tabular

extension ParallelTrendsSensitivity {
    /// What a sensitivity analysis computes: the bounds of each restriction, the target and the
    /// relative-magnitudes test grid (the `sensitivity` block of a config).
    public struct Settings: Sendable, Equatable {
        /// The target `θ = lᵀτ_post`.
        public enum Target: Sendable, Equatable {
            /// The first post-adoption effect (HonestDiD's default).
            case first
            /// The mean of the post-adoption effects.
            case average
            /// Stated weights, one per post-adoption effect.
            case weights([Double])
        }
        /// `M̄` values of the relative-magnitudes restriction (empty: none).
        public var relativeMagnitudes: [Double] = [0.5, 1, 1.5, 2]
        /// `M` values of the smoothness restriction; nil: HonestDiD's default grid (``ParallelTrendsSensitivity/defaultSmoothnessBounds()``).
        public var smoothness: [Double]? = nil
        public var target = Target.first
        /// Points of the relative-magnitudes test grid (HonestDiD: 1000).
        public var gridPoints = 1000
        /// Also find the breakdown values.
        public var breakdown = true

        public init() {}

        /// The post-period weights `l` for `postperiods` post-period coefficients.
        public func weights(postperiods: Int) throws(DiDError) -> [Double] {
            switch target {
            case .first: return [1] + Array(repeating: 0, count: postperiods - 1)
            case .average: return Array(repeating: 1 / Double(postperiods), count: postperiods)
            case .weights(let w):
                guard w.count == postperiods else {
                    throw .data("the sensitivity target lists \(w.count) weights but the event study has \(postperiods) post-period coefficients")
                }
                return w
            }
        }
    }

    /// Something about a sensitivity analysis a reader should know before trusting it.
    public enum Warning: Sendable, Codable, Equatable {
        /// A relative-magnitudes set reaches the end of its test grid: its true extent may be wider.
        case openAtGridEnd(bound: Double)
        /// A set is empty: the pre-period estimates are inconsistent with the restriction at this bound.
        case emptySet(restriction: RobustInterval.Restriction, bound: Double)

        public var message: String {
            switch self {
            case .openAtGridEnd(let bound):
                return
                    "The relative-magnitudes set at M̄ = \(formatNumber(bound)) reaches the end of its test grid, so its true extent may be wider than reported."
            case .emptySet(let restriction, let bound):
                return
                    "The \(restriction.rawValue) set at \(formatNumber(bound)) is empty: the pre-period estimates are inconsistent with that restriction."
            }
        }
    }

    /// The results of a sensitivity analysis, as `results.json` holds them.
    public struct Analysis: Sendable, Codable, Equatable {
        /// The post-period weights `l` of the target `lᵀτ`.
        public let target: [Double]
        public let estimate: Double
        public let standardError: Double
        /// The interval under exact parallel trends.
        public let original: [Double]
        public let relativeMagnitudes: [RobustInterval]
        public let smoothness: [RobustInterval]
        public let breakdown: [Breakdown]
        public let level: Double
        public let warnings: [Warning]
    }

    /// Every set and breakdown value `settings` asks for, with typed warnings.
    ///
    /// Complexity: that of ``relativeMagnitudes(_:gridPoints:threads:)`` per `M̄` (parallel over
    /// `threads`), ``smoothness(_:criticalValue:)`` and the breakdown bisections.
    public func analyse(_ settings: Settings, threads: Int = 1) throws(DiDError) -> Analysis {
        let rm =
            settings.relativeMagnitudes.isEmpty ? [] : try relativeMagnitudes(settings.relativeMagnitudes, gridPoints: settings.gridPoints, threads: threads)
        let smoothnessBounds = settings.smoothness ?? defaultSmoothnessBounds()
        let sd = smoothnessBounds.isEmpty ? [] : try smoothness(smoothnessBounds)
        var breakdowns: [Breakdown] = []
        if settings.breakdown {
            if !rm.isEmpty { breakdowns.append(try breakdown(.relativeMagnitudes, gridPoints: settings.gridPoints, threads: threads)) }
            if !sd.isEmpty { breakdowns.append(try breakdown(.smoothness)) }
        }
        var warnings: [Warning] = rm.filter(\.openAtGridEnd).map { .openAtGridEnd(bound: $0.bound) }
        warnings += (rm + sd).filter { $0.lower == nil }.map { .emptySet(restriction: $0.restriction, bound: $0.bound) }
        let o = original()
        return Analysis(
            target: target, estimate: targetEstimate, standardError: targetStandardError, original: [o.lower, o.upper], relativeMagnitudes: rm,
            smoothness: sd, breakdown: breakdowns, level: level, warnings: warnings)
    }
}
