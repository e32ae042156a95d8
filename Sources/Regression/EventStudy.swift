import Distributions
import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// A two-way fixed-effects event study: the outcome on indicators of time relative to each unit's
/// adoption, with unit and period fixed effects absorbed (fixest's
/// `y ~ i(rel, ref = c(-1, -1000)) | unit + time`).
///
/// Relative time is `time − adoption` for units that adopt (adoption = the first treated period;
/// 0 or missing = never treated, as for the staggered synthetic control). Never-treated units have
/// every indicator 0, so they serve as controls throughout. The `reference` relative time (−1 by
/// default) has no indicator: every coefficient is a difference from it. With a `window`
/// [first, last], relative times before `first` are binned into `first` and those after `last`
/// into `last` (endpoint binning); without one, every relative time in the data gets an indicator.
///
/// Inference is the fit's, by default CR1 clustered by unit with fixest's small-sample rules. The
/// simultaneous (sup-t) band of Montiel Olea & Plagborg-Møller (2019) uses the critical value c with
/// P(max_j |T_j| ≤ c) = level for T multivariate t with the tests' degrees of freedom (G − 1 for
/// CR1) and the correlation matrix of the event-time coefficients, estimated from 100,000 seeded
/// draws (Monte Carlo error about 0.005 in c).
public struct EventStudy: Sendable {
    /// The model: the four panel columns are required; everything else has fixest's default.
    public struct Specification: Sendable {
        public var outcome: String
        public var unit: String
        public var time: String
        /// Each unit's first treated period (0 or missing: never treated).
        public var adoption: String
        public var reference = -1
        /// Binned endpoints; nil: every relative time.
        public var window: ClosedRange<Int>? = nil
        public var covariates: [String] = []
        public var weights: String? = nil
        /// Cluster columns (nil: the unit).
        public var clusters: [String]? = nil
        public var estimator = VarianceEstimator.cr1
        public var level = 0.95
        /// Seed of the sup-t simulation.
        public var seed: UInt64 = 1

        public init(outcome: String, unit: String, time: String, adoption: String) {
            self.outcome = outcome
            self.unit = unit
            self.time = time
            self.adoption = adoption
        }
    }

    /// One relative time's coefficient (the reference period is a point estimate of 0).
    public struct Coefficient: Sendable, Codable, Equatable {
        public let eventTime: Int
        public let effect: Estimate
        /// The simultaneous band.
        public let bandLower: Double?
        public let bandUpper: Double?
    }

    public let coefficients: [Coefficient]
    /// The sup-t critical value and the pointwise one it replaces.
    public let supTCritical: Double
    public let pointwiseCritical: Double
    public let fit: LinearFit
    /// The covariance of the estimated coefficients (every relative period but the reference, in
    /// order), from the specification's variance estimator.
    public let eventTimeCovariance: Matrix
    /// The confidence level of the intervals and the band.
    public let level: Double
    public let treatedUnits: Int
    public let neverTreatedUnits: Int

    /// The indicator column name for relative time `e`.
    static func name(_ e: Int) -> String { "rel::\(e)" }

    public init(_ spec: Specification, table: Table) throws(RegressionError) {
        let panel: Panel
        let adoption: [String: Double]
        do {
            panel = try Panel(table, unit: spec.unit, time: spec.time)
            adoption = try panel.adoptionTimes(spec.adoption)
        } catch { throw .invalidOption("\(error)") }
        let times: [Double], units: [String?]
        do {
            times = try table.numeric(spec.time)
            units = try table.strings(spec.unit)
        } catch { throw .table(error) }
        // Relative time per row (nil: never treated or unit missing).
        var relative: [Int?] = units.indices.map { r in
            guard let u = units[r], let a = adoption[u], !times[r].isNaN else { return nil }
            return Int((times[r] - a).rounded())
        }
        if let w = spec.window {
            guard w.contains(spec.reference) else {
                throw .invalidOption("the event window \(w.lowerBound)…\(w.upperBound) must contain the reference period \(spec.reference)")
            }
            relative = relative.map { $0.map { min(max($0, w.lowerBound), w.upperBound) } }
        }
        let eventTimes = Array(Set(relative.compactMap { $0 })).sorted()
        guard eventTimes.contains(spec.reference) else {
            throw .invalidOption("no treated unit is observed at the reference period \(spec.reference) (relative to adoption)")
        }
        let estimated = eventTimes.filter { $0 != spec.reference }
        var extended = table
        do {
            for e in estimated { try extended.addColumn(Self.name(e), .numeric(relative.map { $0 == e ? 1 : 0 })) }
        } catch { throw .table(error) }
        var model = ModelSpecification(
            outcome: spec.outcome, covariates: estimated.map(Self.name) + spec.covariates, weights: spec.weights,
            absorb: [spec.unit, spec.time])
        model.clusters = spec.clusters ?? [spec.unit]
        let fit = try LinearModel.fit(model, table: extended)
        let table = try fit.coefficientTable(spec.estimator, level: spec.level)
        let cov = try fit.covariance(spec.estimator)
        let indices = estimated.map { fit.index(of: Self.name($0))! }
        let pointwise = StudentT(degreesOfFreedom: table.degreesOfFreedom ?? 1e9).complementaryQuantile((1 - spec.level) / 2)
        let critical = try Self.supTCritical(
            cov.matrix, indices: indices, degreesOfFreedom: table.degreesOfFreedom, level: spec.level, seed: spec.seed)
        var out: [Coefficient] = []
        for e in eventTimes {
            if e == spec.reference {
                out.append(Coefficient(eventTime: e, effect: .point(term: Self.name(e), 0, level: spec.level), bandLower: nil, bandUpper: nil))
                continue
            }
            var row = table[Self.name(e)]!
            row.term = "\(e)"
            let se = row.standardError ?? 0
            out.append(Coefficient(eventTime: e, effect: row, bandLower: row.estimate - critical * se, bandUpper: row.estimate + critical * se))
        }
        coefficients = out
        supTCritical = critical
        pointwiseCritical = pointwise
        self.fit = fit
        var eventCovariance = Matrix(rows: indices.count, columns: indices.count)
        for (a, i) in indices.enumerated() { for (b, j) in indices.enumerated() { eventCovariance[a, b] = cov.matrix[i, j] } }
        eventTimeCovariance = eventCovariance
        level = spec.level
        treatedUnits = adoption.count
        neverTreatedUnits = panel.units.count - adoption.count
    }

    /// The level quantile of max_j |T_j|, T = Z/√(W/ν) multivariate t with ν degrees of freedom
    /// (Z ~ N(0, R), R the correlation matrix of `indices`; W ~ χ²_ν, a sum of ν squared normals for
    /// ν ≤ 200 and ν + √(2ν)·N(0, 1) beyond), or T = Z with a normal reference.
    public static func supTCritical(
        _ v: Matrix, indices: [Int], degreesOfFreedom nu: Double?, level: Double, seed: UInt64
    ) throws(RegressionError) -> Double {
        let m = indices.count
        guard m > 0 else { return 0 }
        var r = Matrix(rows: m, columns: m)
        for a in 0..<m {
            for b in 0..<m { r[a, b] = v[indices[a], indices[b]] / (v[indices[a], indices[a]] * v[indices[b], indices[b]]).squareRoot() }
        }
        let root: Matrix
        do { root = try r.symmetricEigen().applying { max($0, 0).squareRoot() } } catch { throw .linearAlgebra(error) }
        let draws = 100_000
        var rng = SplitMix64(seed: seed)
        var maxima = [Double](repeating: 0, count: draws)
        var z = [Double](repeating: 0, count: m)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        for d in 0..<draws {
            for j in 0..<m { z[j] = normal() }
            let x = root.multiplied(by: z)
            var scale = 1.0
            if let nu {
                var w = 0.0
                if nu <= 200 { for _ in 0..<Int(nu.rounded()) { let e = normal(); w += e * e } } else { w = nu + (2 * nu).squareRoot() * normal() }
                scale = (w / nu.rounded()).squareRoot()
            }
            maxima[d] = (x.map(abs).max() ?? 0) / scale
        }
        return WeightedStatistics.quantile(maxima, level)
    }
}
