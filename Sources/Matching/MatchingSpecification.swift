import Regression

/// How to match treated units to controls (nearest-neighbour matching).
///
/// Conventions follow R's MatchIt (`method = "nearest"`, estimand ATT):
///
/// - **Greedy nearest neighbour.** Treated units are taken in `order`; each
///   receives the available control with the smallest distance. Ties (equal
///   distance) go to the control that comes first in the data. This is the
///   definition MatchIt documents and implemented up to 4.5.0; MatchIt 4.5.1+
///   searches a sorted list and can break ties among equal propensity scores
///   differently.
/// - **Ratio k.** k rounds: in round r every treated unit (in order) receives
///   its r-th control, never one it already has. Without replacement and with
///   fewer than k controls per treated unit, matching stops when the controls
///   run out, so later treated units get fewer matches (MatchIt warns "Not all
///   treated units will get k matches" and does the same); the method
///   description says so.
/// - **Caliper.** In standard deviations of the distance over the whole
///   analysis sample (MatchIt's `std.caliper = TRUE`); a treated unit whose
///   nearest available control is farther away stays unmatched.
/// - **Exact.** Controls must share the treated unit's values of these columns.
/// - **Mahalanobis.** With `mahalanobis` columns the distance between units is
///   the Mahalanobis distance on them, using the pooled within-group covariance
///   (MatchIt ≥ 4.4); a propensity-score caliper, if given, restricts candidates.
/// - **Weights.** Treated units weigh 1; a control weighs Σ 1/kᵢ over the treated
///   units i it is matched to (kᵢ = i's number of controls), rescaled so that
///   control weights sum to the number of matched controls.
public struct MatchingSpecification: Sendable, Equatable {
    public enum Order: String, Sendable, Codable, CaseIterable {
        /// Largest propensity score first (MatchIt's default with a propensity score).
        case largest
        /// Smallest propensity score first.
        case smallest
        /// Data order (the default without a propensity score).
        case data
    }

    public var treatment: String
    public var covariates: [String]
    public var factors: [String]
    /// Link of the propensity-score model.
    public var link: BinaryLink
    /// Scale of the propensity-score distance.
    public var scale: DistanceScale
    /// Columns for Mahalanobis distance matching (empty: match on the propensity score).
    public var mahalanobis: [String]
    /// Whether to estimate a propensity score at all (false: pure Mahalanobis matching, no caliper).
    public var usePropensityScore: Bool
    public var ratio: Int
    public var replace: Bool
    /// Caliper width in standard deviations of the propensity-score distance.
    public var caliper: Double?
    public var exact: [String]
    public var order: Order?
    /// Threads for the Mahalanobis searches (the matches are the same for any count).
    public var threads: Int = 1

    public init(
        treatment: String, covariates: [String], factors: [String] = [], link: BinaryLink = .logit,
        scale: DistanceScale = .probability, mahalanobis: [String] = [], usePropensityScore: Bool = true,
        ratio: Int = 1, replace: Bool = false, caliper: Double? = nil, exact: [String] = [], order: Order? = nil
    ) {
        self.treatment = treatment
        self.covariates = covariates
        self.factors = factors
        self.link = link
        self.scale = scale
        self.mahalanobis = mahalanobis
        self.usePropensityScore = usePropensityScore
        self.ratio = ratio
        self.replace = replace
        self.caliper = caliper
        self.exact = exact
        self.order = order
    }
}
