import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// Partially pooled synthetic control for staggered adoption (Ben-Michael, Feller & Rothstein 2022;
/// augsynth's `multisynth`).
///
/// Every treated unit j, adopting after its first t_j periods, gets simplex weights γ_j over its donors:
/// never-treated units and units adopting more than `leads` periods after it. With `fixedEffects`
/// (augsynth's default intercept shift) outcomes are first demeaned by each unit's own mean over
/// j's pre-treatment periods (and by the never-treated units' mean in each period). With
/// e_j the pre-treatment imbalance of unit j over its last min(t_j, L) periods, aligned in event time
/// (L = `lags`), the weights minimise
///
///     ν/(n_p L J²) ‖Σ_j e_j‖² + (1 − ν)/(n_s J) Σ_j ‖e_j‖² / min(t_j, L) + λ Σ_j ‖γ_j‖²,
///
/// the first term the imbalance of the pooled (average) synthetic control, the second the units' own
/// imbalance; ν = 0 fits separate synthetic controls, ν = 1 only the pooled average. The norms n_p and
/// n_s are the squared global and individual L2 imbalance of the separate fit (ν = 0), and the default
/// ν is augsynth's heuristic ‖mean_j e_j‖ / mean_j ‖e_j‖ from that fit. Auxiliary covariates, scaled to
/// the outcomes' spread (augsynth's `sdx · (z − mean₀)/sd₀`), add their own pooled and individual
/// terms, each divided by the number of covariates.
///
/// augsynth solves the stacked quadratic programme with OSQP; here it is solved by exact block
/// coordinate descent: with the other units fixed, unit j's problem is a weighted simplex least squares
/// problem (`SimplexLeastSquares`) towards its target shifted by ν/(ν + …) of the others' summed
/// imbalance, and sweeps repeat until the objective stops decreasing (relative change below 1e-13).
/// The objective is convex with separable constraints, so the sweeps converge to its minimum
/// (Luo & Tseng 1992). The imbalances are unique for ν < 1; the weights are unique only with λ > 0 or
/// more periods than donors, as for any synthetic control.
///
/// Effects are τ_j(t) = ỹ_j(t) − Σ_i γ_ji ỹ_i(t) on the demeaned outcomes, for event times from −t_j
/// up to `leads` − 1; the average effect is the mean over units of each unit's mean post-treatment
/// effect, and each event time's effect the mean over the units observed then (augsynth's `predict`).
/// Inference is one of augsynth's two (`InferenceMethod`): the jackknife, refitting without each unit in
/// turn, or the wild bootstrap, which keeps the weights and perturbs the units' outcomes. Refits and
/// draws have their own seeds and run in parallel, so results do not depend on the number of threads.
///
/// Complexity: O(sweeps · J · cost of one simplex solve) for the fit; O(B · J · (donors with weight) · T)
/// for the bootstrap.
public struct PartiallyPooledSyntheticControl: Sendable {
    public var outcome: String
    /// Adoption time of every treated unit; other units are never treated.
    public var adoption: [String: Double]
    /// The pooling parameter ν in [0, 1]; nil chooses augsynth's heuristic.
    public var nu: Double?
    /// The ridge penalty λ on the weights (augsynth's `lambda`, default 0).
    public var lambda: Double
    /// Pre-treatment periods balanced (default: all before the last adoption).
    public var lags: Int?
    /// Post-treatment periods estimated (default: the periods from the last adoption on).
    public var leads: Int?
    /// Demean each unit by its pre-treatment mean (augsynth's `fixedeff`, default true).
    public var fixedEffects: Bool
    /// Auxiliary covariates balanced alongside the outcomes; a covariate that varies over time is
    /// averaged over the periods before the first adoption.
    public var covariates: [String]
    /// How the uncertainty of the effects is measured.
    public var inference: InferenceMethod
    public var level: Double
    public var seed: UInt64
    public var threads: Int
    /// Maximum number of block-coordinate sweeps.
    public var maxSweeps: Int

    public init(
        outcome: String, adoption: [String: Double], nu: Double? = nil, lambda: Double = 0, lags: Int? = nil,
        leads: Int? = nil, fixedEffects: Bool = true, covariates: [String] = [], inference: InferenceMethod = .none,
        level: Double = 0.95, seed: UInt64 = 1, threads: Int = 1, maxSweeps: Int = 20_000
    ) {
        self.outcome = outcome
        self.adoption = adoption
        self.nu = nu
        self.lambda = lambda
        self.lags = lags
        self.leads = leads
        self.fixedEffects = fixedEffects
        self.covariates = covariates
        self.inference = inference
        self.level = level
        self.seed = seed
        self.threads = threads
        self.maxSweeps = maxSweeps
    }

    /// augsynth's two ways of measuring uncertainty (`summary.multisynth`'s `inf_type`).
    public enum InferenceMethod: Sendable, Equatable, Codable {
        /// Point estimates only.
        case none
        /// Delete-one-unit jackknife (augsynth's `jackknife_se_multi`): every unit, treated or donor, left
        /// out in turn and the weights refitted at the same ν, λ, lags and leads;
        /// se² = (n − 1)/n Σ_i (θ̂₍ᵢ₎ − θ̄)², with a normal interval and p-value. n refits.
        case jackknife
        /// Wild bootstrap (augsynth's `weighted_bootstrap_multi`, its default): the weights held fixed, every
        /// unit's outcomes multiplied by a Mammen weight ξ_i, each draw centred by (Σ_i ξ_i / J)·estimate;
        /// se is the draws' SD (divisor B) and the interval [θ̂ − q_{1−α/2}, θ̂ − q_{α/2}], with no p-value.
        /// Because the centring term includes the donors' multipliers, its spread grows with the size
        /// of the effect: the interval is conservative when effects are large relative to the noise.
        case bootstrap(draws: Int)
    }

    /// One treated unit's synthetic control.
    public struct Unit: Sendable, Codable, Equatable {
        public let name: String
        public let adoption: Double
        /// Donors with a positive weight, and their weights (summing to 1).
        public let donors: [String]
        public let weights: [Double]
        /// Pre-treatment imbalance in event time −min(t_j, L) … −1 (on the balanced, demeaned outcomes).
        public let imbalance: [Double]
        /// Effects by event time, from −t_j to the last estimated lead.
        public let eventTimes: [Int]
        public let effects: [Double]
        /// Mean of the post-treatment effects.
        public let averageEffect: Double
    }

    /// The average effect at one event time (periods since adoption; 0 is the first treated period).
    public struct EventTimeEffect: Sendable, Codable, Equatable {
        public let eventTime: Int
        public let effect: Estimate
        /// The treated units whose effects at this event time are averaged.
        public let treatedUnits: Int
    }

    /// The average effect of one adoption cohort.
    public struct CohortEffect: Sendable, Codable, Equatable {
        public let adoption: Double
        public let effect: Estimate
        /// The cohort's treated units.
        public let treatedUnits: Int
    }

    /// Imbalance of a set of weights: augsynth's `global_l2` (‖mean_j e_j‖ / √d, d the periods before
    /// the last adoption) and `ind_l2` (√(mean_j ‖e_j‖² / min(t_j, L))).
    public struct Imbalance: Sendable, Codable, Equatable {
        public let global: Double
        public let individual: Double
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        case noInference
        /// The weights did not converge within the sweep limit.
        case notConverged

        public var message: String {
            switch self {
            case .noInference: return "no inference (inference: none): the effects have no measure of uncertainty"
            case .notConverged: return "the weights did not converge within the sweep limit: the effects may be slightly off the optimum"
            }
        }
    }

    public struct Result: Sendable, Codable {
        public let nu: Double
        /// Whether ν was chosen by the heuristic.
        public let nuChosen: Bool
        public let lambda: Double
        public let lags: Int
        public let leads: Int
        public let units: [Unit]
        /// Imbalance of the fit, of the separate fit (ν = 0) and of uniform weights on the raw outcomes.
        public let imbalance: Imbalance
        public let separateImbalance: Imbalance
        public let uniformImbalance: Imbalance
        /// Treated minus synthetic mean of each raw auxiliary covariate, averaged over units.
        public let covariateImbalance: [String: Double]
        /// Mean over units of the unit's mean post-treatment effect.
        public let average: Estimate
        /// Mean effect at each event time over the units observed then (negative: before adoption).
        public let eventTime: [EventTimeEffect]
        /// Mean of each adoption cohort's units' average effects.
        public let cohorts: [CohortEffect]
        public let sweeps: Int
        public let converged: Bool
        public let inference: InferenceMethod
        public let warnings: [Warning]

        /// augsynth's scaled global imbalance: the fit's over uniform weights' (1 − it is the improvement).
        public var scaledGlobal: Double { imbalance.global / uniformImbalance.global }
        public var scaledIndividual: Double { imbalance.individual / uniformImbalance.individual }
    }
}
