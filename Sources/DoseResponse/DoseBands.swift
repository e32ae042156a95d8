import EstimationCore
import LinearAlgebra
import Regression
import Tabular

/// Dose bands compared as categories: the outcome regressed on indicators of the bands (the lowest as
/// reference) and the covariates, by least squares with HC1 (Stata's `robust`) standard errors and t
/// intervals with n − k degrees of freedom.
///
/// A band is `[cᵢ, cᵢ₊₁)` for consecutive cut points (the last band closed above); doses below the first
/// or above the last cut point are an error naming the unit, so no dose is left out silently. Each band's
/// effect is the adjusted difference in mean outcome from the reference band: a coarse, assumption-light
/// check on the shape of a fitted curve.
///
/// Complexity: O(n (b + p)²) for b bands and p covariates.
public enum DoseBands {
    public struct Band: Sendable, Codable, Equatable {
        public let label: String
        public let lower: Double
        public let upper: Double
        public let count: Int
        public let meanDose: Double
        public let meanOutcome: Double
        /// The adjusted difference from the reference band (nil for the reference itself).
        public let effect: Estimate?
    }

    public struct Result: Sendable, Codable, Equatable {
        public let bands: [Band]
        public let covariates: [String]
        public let level: Double
    }

    public static func compare(_ data0: DoseData, cutpoints: [Double], level: Double = ConfidenceLevel.standard) throws(DoseResponseError) -> Result {
        let data = data0.withObservedOutcome()
        let cuts = cutpoints.sorted()
        guard cuts.count >= 3, Set(cuts).count == cuts.count else {
            throw .data("dose bands need at least three distinct cut points (two bands); got \(cutpoints.map(formatNumber))")
        }
        let b = cuts.count - 1
        var band = [Int](repeating: -1, count: data.count)
        for i in 0..<data.count {
            let d = data.dose[i]
            guard d >= cuts[0] && d <= cuts[b] else {
                throw .data(
                    "dose \(formatNumber(d)) (row \(data.rows[i] + 1)) lies outside the bands [\(formatNumber(cuts[0])), \(formatNumber(cuts[b]))]; widen the cut points"
                )
            }
            band[i] = d == cuts[b] ? b - 1 : (cuts.lastIndex { $0 <= d })!
        }
        let labels = (0..<b).map { k in "[\(formatNumber(cuts[k])), \(formatNumber(cuts[k + 1]))\(k == b - 1 ? "]" : ")")" }
        for k in 0..<b where !band.contains(k) { throw .data("dose band \(labels[k]) holds no units; merge it with a neighbour") }
        let p = data.covariates.columns
        var x = Matrix(rows: data.count, columns: b + p, repeating: 0)
        for i in 0..<data.count {
            x[i, 0] = 1
            if band[i] > 0 { x[i, band[i]] = 1 }
            for j in 0..<p { x[i, b + j] = data.covariates[i, j] }
        }
        let names = ["(Intercept)"] + labels.dropFirst().map { "dose \($0)" } + data.covariateNames
        let table: CoefficientTable
        do {
            let fit = try LinearModel.fit(y: data.outcome, x: x, names: names)
            table = try fit.coefficientTable(.hc1, level: level)
        } catch { throw .estimation("dose bands: \(error)") }
        let bands = (0..<b).map { k -> Band in
            let members = (0..<data.count).filter { band[$0] == k }
            return Band(
                label: labels[k], lower: cuts[k], upper: cuts[k + 1], count: members.count,
                meanDose: WeightedStatistics.mean(members.map { data.dose[$0] }), meanOutcome: WeightedStatistics.mean(members.map { data.outcome[$0] }),
                effect: k == 0 ? nil : table.rows[k])
        }
        return Result(bands: bands, covariates: data.covariateNames, level: level)
    }
}
