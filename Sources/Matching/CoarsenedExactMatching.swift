import Foundation
import Tabular

/// Coarsened exact matching (Iacus, King & Porro 2012), as MatchIt's `method = "cem"` (ATT).
///
/// Each numeric covariate is cut into bins — by default Sturges' number,
/// ⌈log₂ n⌉ + 1, of equal-width bins over its range, the outer edges open,
/// each bin closed on the left (R's `findInterval`) — or at the given cut
/// points; categorical covariates are matched exactly. Strata (joint bins)
/// holding both treated and control units are kept. Weights: treated 1,
/// controls n₁ₛ/n₀ₛ, rescaled to sum to the number of matched controls.
public enum CoarsenedExactMatching {
    /// How to coarsen one numeric covariate.
    public enum Cutpoints: Sendable, Equatable {
        /// Sturges' rule (the default).
        case sturges
        /// This many equal-width bins over the range.
        case bins(Int)
        /// Explicit interior cut points.
        case at([Double])
    }

    public static func match(
        _ table: Table, treatment: String, covariates: [String], factors: [String] = [],
        cutpoints: [String: Cutpoints] = [:]
    ) throws(MatchingError) -> MatchedSample {
        for name in cutpoints.keys.sorted() where !covariates.contains(name) {
            throw .invalidOption("cutpoints are given for '\(name)', which is not among the coarsened covariates")
        }
        let sample = try AnalysisSample(table, treatment: treatment, columns: covariates + factors)
        var codes: [[Int]] = []
        for name in covariates {
            let x: [Double]
            do { x = try sample.table.numeric(name) } catch { throw .table(error) }
            codes.append(binCodes(x, cutpoints[name] ?? .sturges))
        }
        let factorStrata = try sample.strata(factors)
        var key: [String: Int] = [:]
        let strata = (0..<sample.count).map { i -> Int in
            let k = codes.map { String($0[i]) }.joined(separator: ",") + "|" + String(factorStrata[i])
            if let s = key[k] { return s }
            key[k] = key.count
            return key.count - 1
        }
        let result = MatchedSample(
            rows: sample.rows, treated: sample.treated, droppedRows: sample.droppedRows,
            strata: strata, method: "coarsened exact matching on \((covariates + factors).joined(separator: ", "))")
        guard result.matchedTreatedCount > 0 else {
            throw .noMatches("no stratum holds both treated and control units; coarsen further or match on fewer variables")
        }
        return result
    }

    /// Bin index of every value (R: `findInterval(x, c(-Inf, interior breaks, Inf))`).
    static func binCodes(_ x: [Double], _ cut: Cutpoints) -> [Int] {
        var interior: [Double]
        switch cut {
        case .at(let points):
            interior = Array(Set(points)).sorted()
        case .sturges, .bins:
            let bins: Int
            if case .bins(let b) = cut { bins = max(b, 1) } else { bins = Int((log2(Double(x.count)) + 1).rounded(.up)) }
            let lo = x.min()!, hi = x.max()!
            // seq(min, max, length = bins + 1) without its two ends.
            interior = (1..<bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
        }
        return x.map { v in interior.prefix { $0 <= v }.count }
    }
}
