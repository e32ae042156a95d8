import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular

/// The imputation estimator for staggered adoption (Borusyak, Jaravel & Spiess 2024).
///
/// Unit and period effects are estimated on the untreated observations (never-treated units, and
/// adopting units before their adoption), each treated observation's untreated outcome is imputed
/// as α̂ᵢ + λ̂ₜ, and the effects τᵢₜ = Yᵢₜ − α̂ᵢ − λ̂ₜ are averaged. This is computed in its numerically
/// identical regression form (Wooldridge 2021): two-way fixed effects with one indicator per treated
/// cohort-period cell, so ATT(g,t) is that cell's coefficient. Averages weight the cells by their
/// treated observations: event time e averages the cells with t − g = e, and the overall effect all
/// treated cells (equal weight per treated observation, BJS's default).
///
/// Standard errors are CR1 clustered by unit (or `cluster`), with fixest's small-sample rules, for
/// every cell and every average (a linear combination aᵀβ̂ has variance aᵀV̂a); t with G − 1 df.
public struct ImputationDiD: Sendable {
    public struct Cell: Sendable, Codable, Equatable {
        public let group: Double
        public let time: Double
        public let observations: Int
        public let effect: Estimate
    }

    public let cells: [Cell]
    /// Event-time averages (keys: t − g) and the overall average.
    public let eventTime: [Estimate]
    public let eventTimes: [Int]
    public let overall: Estimate
    public let fit: LinearFit

    public init(_ spec: CallawaySantAnna.Specification, table: Table) throws(DiDError) {
        let adoption: [Double], time: [Double]
        do {
            adoption = try table.numeric(spec.adoption).map { $0.isNaN ? 0 : $0 }
            time = try table.numeric(spec.time)
        } catch { throw .data("\(error)") }
        var cellOf = [String?](repeating: nil, count: table.rowCount)
        var cellKeys: [String: (Double, Double)] = [:]
        for r in 0..<table.rowCount where adoption[r] > 0 && time[r] >= adoption[r] - Double(spec.anticipation) {
            let key = "d::\(formatNumber(adoption[r]))::\(formatNumber(time[r]))"
            cellOf[r] = key
            cellKeys[key] = (adoption[r], time[r])
        }
        let ordered = cellKeys.sorted { ($0.value.0, $0.value.1) < ($1.value.0, $1.value.1) }
        guard !ordered.isEmpty else { throw .data("no treated observations (adoption at or before the period)") }
        var extended = table
        do {
            for (key, _) in ordered { try extended.addColumn(key, .numeric(cellOf.map { $0 == key ? 1 : 0 })) }
        } catch { throw .data("\(error)") }
        var model = ModelSpecification(
            outcome: spec.outcome, covariates: ordered.map(\.key) + spec.covariates, weights: spec.weights,
            absorb: [spec.unit, spec.time])
        model.clusters = [spec.cluster ?? spec.unit]
        let fit: LinearFit, cov: CoefficientCovariance
        do {
            fit = try LinearModel.fit(model, table: extended)
            cov = try fit.covariance(.cr1)
        } catch { throw .estimation("\(error)") }
        let level = spec.level
        let df = cov.degreesOfFreedom
        let inference = cov.inference
        var cellCounts: [String: Int] = [:]
        for key in cellOf.compactMap({ $0 }) { cellCounts[key, default: 0] += 1 }
        let counts = ordered.map { cellCounts[$0.key]! }
        func combination(_ term: String, _ a: [Double]) -> Estimate {
            var full = [Double](repeating: 0, count: fit.parameterCount)
            for (k, (key, _)) in ordered.enumerated() { full[fit.index(of: key)!] = a[k] }
            let b = Vector.dot(full, fit.coefficients)
            let v = Vector.dot(full, cov.matrix.multiplied(by: full))
            return .wald(term: term, estimate: b, standardError: max(v, 0).squareRoot(), degreesOfFreedom: df, level: level, inference: inference)
        }
        cells = ordered.enumerated().map { k, entry in
            var a = [Double](repeating: 0, count: ordered.count)
            a[k] = 1
            return Cell(
                group: entry.value.0, time: entry.value.1, observations: counts[k],
                effect: combination("ATT(\(formatNumber(entry.value.0)),\(formatNumber(entry.value.1)))", a))
        }
        let events = Array(Set(ordered.map { Int(($0.value.1 - $0.value.0).rounded()) })).sorted()
        eventTimes = events
        eventTime = events.map { e in
            let a = ordered.enumerated().map { k, entry in Int((entry.value.1 - entry.value.0).rounded()) == e ? Double(counts[k]) : 0 }
            let total = a.reduce(0, +)
            return combination("event time \(e)", a.map { $0 / total })
        }
        let total = Double(counts.reduce(0, +))
        overall = combination("overall", counts.map { Double($0) / total })
        self.fit = fit
    }
}
