import Distributions
import Foundation

/// An estimate with its uncertainty: the one shape every estimator reports.
///
/// A coefficient, an average treatment effect, a synthetic-control gap or a group-time
/// effect is an `Estimate`: the point estimate, its standard error, the reference
/// distribution's degrees of freedom (which may differ per estimate, as with CR2's
/// Satterthwaite degrees of freedom), the test statistic of estimate = 0, its two-sided
/// p-value, and the confidence interval at `level`, together with a machine-readable
/// description of how the uncertainty was obtained (`inference`).
///
/// Any of the uncertainty fields may be absent (`nil`): a point estimate without a
/// standard error, a permutation p-value without a standard error, an interval from a
/// bootstrap without a statistic. Never NaN: a quantity that cannot be computed is `nil`.
///
/// JSON (keys sorted; absent fields omitted):
/// `{"estimate": 1794.3, "standardError": 670.8, "degreesOfFreedom": 443, "statistic": 2.67,
///   "pValue": 0.0078, "level": 0.95, "lower": 476.0, "upper": 3112.7,
///   "inference": {"kind": "robust", "type": "HC1", "df": "residual"}}`
public struct Estimate: Sendable, Codable, Equatable {
    /// What is estimated (a coefficient's term, an event time, a cohort), when the estimate sits in a list.
    public var term: String?
    public var estimate: Double
    public var standardError: Double?
    /// Degrees of freedom of the t reference distribution; nil with a normal reference or none.
    public var degreesOfFreedom: Double?
    /// The test statistic of `estimate = 0` (t or z).
    public var statistic: Double?
    /// Two-sided p-value of `estimate = 0`.
    public var pValue: Double?
    /// The confidence level of `lower`…`upper` (e.g. 0.95).
    public var level: Double
    public var lower: Double?
    public var upper: Double?
    /// How the uncertainty was obtained.
    public var inference: Inference

    /// An estimate with every field given.
    public init(
        term: String? = nil, estimate: Double, standardError: Double?, degreesOfFreedom: Double?, statistic: Double?,
        pValue: Double?, level: Double, lower: Double?, upper: Double?, inference: Inference
    ) {
        self.term = term
        self.estimate = estimate
        self.standardError = standardError.flatMap { $0.isFinite ? $0 : nil }
        self.degreesOfFreedom = degreesOfFreedom
        self.statistic = statistic.flatMap { $0.isFinite ? $0 : nil }
        self.pValue = pValue.flatMap { $0.isFinite ? $0 : nil }
        self.level = level
        self.lower = lower.flatMap { $0.isFinite ? $0 : nil }
        self.upper = upper.flatMap { $0.isFinite ? $0 : nil }
        self.inference = inference
    }

    /// A Wald estimate with a t (finite `degreesOfFreedom`) or normal (nil) reference:
    /// statistic `b/se`, p-value `2·P(T > |b/se|)`, interval `b ± q·se` with `q` the `(1+level)/2` quantile.
    /// A standard error that is not a positive finite number gives a point estimate (no uncertainty fields).
    public static func wald(
        term: String? = nil, estimate b: Double, standardError se: Double, degreesOfFreedom df: Double?,
        level: Double, inference: Inference
    ) -> Estimate {
        guard se.isFinite && se > 0 else { return .point(term: term, b, level: level, inference: inference) }
        let reference: any ContinuousDistribution = df.map { StudentT(degreesOfFreedom: $0) } ?? Normal.standard
        let critical = reference.complementaryQuantile((1 - level) / 2)
        let statistic = b / se
        return Estimate(
            term: term, estimate: b, standardError: se, degreesOfFreedom: df, statistic: statistic,
            pValue: reference.twoSidedPValue(statistic), level: level,
            lower: b - critical * se, upper: b + critical * se, inference: inference)
    }

    /// A point estimate with no measure of uncertainty.
    public static func point(term: String? = nil, _ b: Double, level: Double, inference: Inference = Inference(kind: .none)) -> Estimate {
        Estimate(
            term: term, estimate: b, standardError: nil, degreesOfFreedom: nil, statistic: nil, pValue: nil,
            level: level, lower: nil, upper: nil, inference: inference)
    }

}

/// How the uncertainty of an `Estimate` was obtained, in machine-readable form:
/// e.g. `{kind: cluster, type: CR1, df: clusters-minus-one, clusters: 25}`.
public struct Inference: Sendable, Codable, Equatable {
    /// The family of the method.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// No uncertainty reported.
        case none
        /// Homoskedastic (iid) model-based variance.
        case classical
        /// Heteroskedasticity-robust sandwich (HC0–HC3).
        case robust
        /// Cluster-robust sandwich (CR0, CR1, …).
        case cluster
        /// Analytic variance of a matching or weighting estimator (e.g. Abadie–Imbens).
        case analytic
        /// Placebo (permutation over untreated units) distribution.
        case placebo
        /// Jackknife over units.
        case jackknife
        /// Bootstrap distribution.
        case bootstrap
        /// Randomisation/permutation test (rank-based p-value).
        case permutation
    }

    /// How the degrees of freedom of the reference distribution were chosen.
    public enum DegreesOfFreedom: String, Sendable, Codable, CaseIterable {
        /// n − k (Stata's `regress`).
        case residual
        /// G − 1 with G clusters (Stata's `vce(cluster)`).
        case clustersMinusOne = "clusters-minus-one"
        /// Satterthwaite approximation (per estimate).
        case satterthwaite
        /// A normal reference (no degrees of freedom).
        case normal
    }

    public var kind: Kind
    /// The name a config's `inference` key uses for the method that produced this (`cr1`, `hc1`, `cr2`,
    /// `wild`, `placebo`, `conformal`, `jackknife`, `bootstrap`, `hall-sheather`, `prediction-intervals`),
    /// so that requests and results share one vocabulary; nil where no such choice was made (e.g. the
    /// influence-function SEs of `did`).
    public var name: String?
    /// The estimator's conventional name, e.g. "HC1", "CR1", "placebo SD", "rank/(J+1)".
    public var type: String?
    public var df: DegreesOfFreedom?
    public var clusters: Int?
    /// Draws of a placebo, bootstrap or permutation distribution.
    public var replications: Int?

    public init(
        kind: Kind, name: String? = nil, type: String? = nil, df: DegreesOfFreedom? = nil, clusters: Int? = nil, replications: Int? = nil
    ) {
        self.kind = kind
        self.name = name
        self.type = type
        self.df = df
        self.clusters = clusters
        self.replications = replications
    }

    /// A short phrase for reports, e.g. "CR1, 25 clusters, t with G − 1 df".
    public var summary: String {
        var parts: [String] = [type ?? kind.rawValue]
        if let clusters { parts.append("\(clusters) clusters") }
        if let replications { parts.append("\(replications) \(kind == .jackknife ? "refits" : "draws")") }
        switch df {
        case .residual?: parts.append("t with n − k df")
        case .clustersMinusOne?: parts.append("t with G − 1 df")
        case .satterthwaite?: parts.append("t with Satterthwaite df")
        case .normal?: parts.append("normal reference")
        case nil: break
        }
        return parts.joined(separator: ", ")
    }
}

/// The confidence level every method takes as `level`.
public enum ConfidenceLevel {
    /// The default, 0.95.
    public static let standard = 0.95

    /// Why `level` is not a valid confidence level, or nil when it is (strictly between 0 and 1).
    public static func problem(_ level: Double) -> String? {
        level > 0 && level < 1 ? nil : "the confidence level must be between 0 and 1 (exclusive), e.g. 0.95; got \(level)"
    }

    /// The two-sided normal critical value `z_{(1+level)/2}` (1.959964 at 0.95).
    public static func normalCritical(_ level: Double) -> Double {
        Normal.standard.complementaryQuantile((1 - level) / 2)
    }

    /// The tolerance with which a p-value is compared with α = 1 − level: `1 - 0.95` is
    /// 0.05000000000000004 and `1 - 0.9` is 0.09999999999999998, so a p-value of exactly 1/20 or
    /// 1/10 (a rank among 20 or 10 permutations) would fall on the wrong side of an exact comparison.
    /// 1e-12 is far below the spacing of any attainable permutation or bootstrap p-value (1/draws).
    public static let alphaTolerance = 1e-12

    /// Whether `pValue` is at least α = 1 − level, i.e. the null is **not** rejected at `level` by the
    /// rule "reject when p < α" (augsynth's conformal rule `p >= alpha`, R's `p.value < alpha`).
    /// α is compared up to ``alphaTolerance``, so p = 0.05 is not rejected at level 0.95.
    public static func accepts(pValue: Double, level: Double) -> Bool {
        pValue >= (1 - level) - alphaTolerance
    }

    /// Whether `pValue` is strictly above α = 1 − level (up to ``alphaTolerance``): the rule of a
    /// confidence set {r : p(r) > α}, as boottest's test inversion. p = 0.1 is not above α at level 0.9.
    public static func exceedsAlpha(pValue: Double, level: Double) -> Bool {
        pValue > (1 - level) + alphaTolerance
    }

    /// `level` as a percentage label: "95%", "90%", "99.5%".
    public static func percent(_ level: Double) -> String {
        let p = level * 100
        return p == p.rounded() ? "\(Int(p))%" : String(format: "%g%%", p)
    }
}
