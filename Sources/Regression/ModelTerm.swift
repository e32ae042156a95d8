import Tabular

/// One term on the right-hand side of a linear model.
///
/// | term | columns of the design | R formula |
/// |---|---|---|
/// | `.numeric("x")` | `x` | `x` |
/// | `.factor("g")` | one 0/1 column `g[T.level]` per non-reference level | `factor(g)` (`contr.treatment`) |
/// | `.interaction([a, b])` | the products of a's and b's columns, `a:b`, the first component varying fastest | `a:b` |
///
/// A factor inside an interaction is coded as its main effect is (reference level dropped), which
/// is R's coding when the main effects are in the model. Absorbed fixed effects are not terms:
/// they are swept out of every term before the fit (see `ModelSpecification.absorb`).
public indirect enum ModelTerm: Sendable, Hashable, CustomStringConvertible {
    case numeric(String)
    case factor(String)
    case interaction([ModelTerm])

    /// The table columns the term reads.
    public var columnsUsed: [String] {
        switch self {
        case .numeric(let c), .factor(let c): return [c]
        case .interaction(let parts): return parts.flatMap(\.columnsUsed)
        }
    }

    /// R's spelling: `x`, `g`, `x:g`.
    public var description: String {
        switch self {
        case .numeric(let c), .factor(let c): return c
        case .interaction(let parts): return parts.map(\.description).joined(separator: ":")
        }
    }

    /// The factors the term reads (directly or inside an interaction).
    public var factors: [String] {
        switch self {
        case .numeric: return []
        case .factor(let c): return [c]
        case .interaction(let parts): return parts.flatMap(\.factors)
        }
    }
}

/// A regression specification in terms of table columns.
public struct ModelSpecification: Sendable, Equatable {
    /// The outcome column (numeric).
    public var outcome: String
    /// The right-hand side, in order.
    public var terms: [ModelTerm]
    /// Reference levels for factors (default: the first level in R's sorted order).
    public var referenceLevels: [String: String]
    /// Whether to include an intercept.
    public var intercept: Bool
    /// Optional analytic (precision) weights column.
    public var weights: String?
    /// Cluster identifier columns for cluster-robust variance: one for one-way clustering, several for
    /// multiway clustering (Cameron, Gelbach & Miller 2011).
    public var clusters: [String]
    /// Factors absorbed as fixed effects (swept out by `FixedEffects`; the intercept is absorbed too).
    public var absorb: [String]

    /// The model `outcome ~ terms | absorb`.
    public init(
        outcome: String, terms: [ModelTerm], referenceLevels: [String: String] = [:], intercept: Bool = true,
        weights: String? = nil, clusters: [String] = [], absorb: [String] = []
    ) {
        self.outcome = outcome
        self.terms = terms
        self.referenceLevels = referenceLevels
        self.intercept = intercept
        self.weights = weights
        self.clusters = clusters
        self.absorb = absorb
    }

    /// Whether to drop, repeatedly, observations alone in a level of an absorbed factor (reghdfe's
    /// default). They are fitted perfectly and only inflate the degrees of freedom.
    public var dropSingletons = true
    /// Which fixed effects count in small-sample corrections (see `Absorption`).
    public var fixedEffectCounting = Absorption.Counting.fixest

    /// The first (or only) cluster column.
    public var cluster: String? { clusters.first }

    /// Numeric covariates entered linearly (a treatment indicator is one of these), then factors
    /// entered as treatment contrasts (numeric columns are treated as categories too).
    public init(
        outcome: String, covariates: [String] = [], factors: [String] = [],
        referenceLevels: [String: String] = [:], intercept: Bool = true,
        weights: String? = nil, cluster: String? = nil, absorb: [String] = []
    ) {
        self.init(
            outcome: outcome, terms: covariates.map(ModelTerm.numeric) + factors.map(ModelTerm.factor),
            referenceLevels: referenceLevels, intercept: intercept, weights: weights, clusters: cluster.map { [$0] } ?? [], absorb: absorb)
    }

    /// The numeric main-effect terms.
    public var covariates: [String] { terms.compactMap { if case .numeric(let c) = $0 { c } else { nil } } }
    /// The factor main-effect terms.
    public var factors: [String] { terms.compactMap { if case .factor(let c) = $0 { c } else { nil } } }

    /// Every column the model reads, each once, in first-use order.
    public var columnsUsed: [String] {
        var seen = Set<String>()
        return ([outcome] + terms.flatMap(\.columnsUsed) + [weights].compactMap { $0 } + clusters + absorb).filter { seen.insert($0).inserted }
    }
}
