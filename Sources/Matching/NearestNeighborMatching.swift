import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Nearest-neighbour matching on a propensity score or Mahalanobis distance (see `MatchingSpecification`).
public enum NearestNeighborMatching {
    /// Matches the treated units of `table` to controls.
    ///
    /// - Throws: `MatchingError` for a missing column, a non-binary treatment, a failed
    ///   propensity-score model (e.g. separation) or an invalid option.
    public static func match(_ table: Table, _ spec: MatchingSpecification) throws(MatchingError) -> MatchedSample {
        guard spec.ratio >= 1 else { throw .invalidOption("ratio must be at least 1") }
        if let c = spec.caliper, !(c > 0) { throw .invalidOption("caliper must be positive (in standard deviations of the distance)") }
        guard spec.usePropensityScore || !spec.mahalanobis.isEmpty else {
            throw .invalidOption("matching needs a propensity score or Mahalanobis columns")
        }
        if spec.caliper != nil && !spec.usePropensityScore {
            throw .invalidOption("a caliper is in standard deviations of the propensity score; none is estimated with pure Mahalanobis matching")
        }
        let columns = spec.covariates + spec.factors + spec.exact + spec.mahalanobis
        let sample = try AnalysisSample(table, treatment: spec.treatment, columns: columns)
        let n = sample.count
        // As MatchIt: too few controls for k matches each without replacement is not an error; matching
        // proceeds in rounds and some treated units get fewer than k (or no) matches. The method text says so.
        let treatedCount = sample.treated.filter { $0 }.count
        let shortOfControls = !spec.replace && treatedCount * spec.ratio > n - treatedCount
        var scores: PropensityScores?
        var distance: [Double]?
        if spec.usePropensityScore {
            scores = try PropensityScores.estimate(
                sample.table, treatment: spec.treatment, covariates: spec.covariates,
                factors: spec.factors, link: spec.link)
            distance = scores!.distance(spec.scale)
        }
        let caliperWidth = spec.caliper.map { $0 * WeightedStatistics.standardDeviation(distance!) }
        var mahalanobis: (x: Matrix, inverseFactor: Matrix)?
        if !spec.mahalanobis.isEmpty {
            let x = try sample.matrix(spec.mahalanobis)
            mahalanobis = (x, try inverseCovarianceFactor(x, treated: sample.treated, names: spec.mahalanobis))
        }
        let order = processingOrder(
            treated: sample.treated, distance: distance,
            order: spec.order ?? (distance == nil ? .data : .largest))
        let matcher = NearestNeighborMatcher(
            isTreated: sample.treated, order: order, score: distance, caliper: caliperWidth,
            strata: try sample.strata(spec.exact), mahalanobis: mahalanobis, ratio: spec.ratio, replace: spec.replace,
            threads: spec.threads)
        let matches = matcher.run()
        guard !matches.isEmpty else {
            throw .noMatches(
                "no treated unit could be matched" + (spec.caliper != nil ? " within the caliper" : "")
                    + (spec.exact.isEmpty ? "" : " with exact matching on \(spec.exact.joined(separator: ", "))"))
        }
        var method = "\(spec.ratio):1 nearest-neighbour matching \(spec.replace ? "with" : "without") replacement on "
        method +=
            spec.mahalanobis.isEmpty
            ? "the propensity score (\(spec.link.rawValue), \(spec.scale.rawValue) scale)"
            : "the Mahalanobis distance (\(spec.mahalanobis.joined(separator: ", ")))"
        if let c = spec.caliper { method += ", caliper \(formatNumber(c)) SD" }
        if !spec.exact.isEmpty { method += ", exact on \(spec.exact.joined(separator: ", "))" }
        if shortOfControls {
            method +=
                "; only \(n - treatedCount) controls for \(treatedCount) treated units, so not all treated units get \(spec.ratio) match\(spec.ratio == 1 ? "" : "es")"
        }
        return MatchedSample(
            rows: sample.rows, treated: sample.treated, droppedRows: sample.droppedRows,
            propensityScores: scores, matches: matches, replace: spec.replace, method: method)
    }

    /// Treated positions in matching order (stable: ties keep data order).
    static func processingOrder(treated: [Bool], distance: [Double]?, order: MatchingSpecification.Order) -> [Int] {
        let t = treated.indices.filter { treated[$0] }
        guard let d = distance else { return t }
        switch order {
        case .data: return t
        case .largest: return t.sorted { d[$0] != d[$1] ? d[$0] > d[$1] : $0 < $1 }
        case .smallest: return t.sorted { d[$0] != d[$1] ? d[$0] < d[$1] : $0 < $1 }
        }
    }

    /// U⁻¹ for the pooled within-group covariance S = UᵀU (group-mean-centred, divisor n − 1), so that
    /// the Mahalanobis distance is ‖(xᵢ − xⱼ)U⁻¹‖.
    static func inverseCovarianceFactor(_ x: Matrix, treated: [Bool], names: [String]) throws(MatchingError) -> Matrix {
        let n = x.rows, p = x.columns
        var centred = x
        for j in 0..<p {
            let col = x.column(j)
            for g in [true, false] {
                let idx = treated.indices.filter { treated[$0] == g }
                let m = idx.reduce(0) { $0 + col[$1] } / Double(idx.count)
                for i in idx { centred[i, j] = col[i] - m }
            }
        }
        let s = (1 / Double(n - 1)) * centred.gram()
        do {
            return try s.cholesky().upper.upperTriangularInverse()
        } catch {
            throw .invalidOption("the Mahalanobis covariates (\(names.joined(separator: ", "))) are collinear or constant within groups")
        }
    }
}
