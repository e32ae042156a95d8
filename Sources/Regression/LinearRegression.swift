import EstimationCore
import Tabular

/// A linear regression as one call: the fit (with absorbed fixed effects), a coefficient table
/// per requested variance estimator, wild cluster bootstrap tests, the HTZ Wald test, and typed
/// warnings. What `impact run` computes for `method: ols` and `method: wls`, and what its
/// `results.json` holds.
///
/// ```swift
/// var spec = LinearRegression.Specification(model: ModelSpecification(outcome: "re78", covariates: ["treat", "age"]))
/// spec.inference = [.hc1, .hc3]
/// let result = try LinearRegression.estimate(spec, table: nsw)
/// ```
///
/// Conventions: HC0–HC3 as R sandwich; CR0/CR1 with fixest's small-sample rules (``Absorption/Counting``);
/// CR2 with Satterthwaite df and the HTZ Wald test as clubSandwich; the wild cluster bootstrap as
/// boottest/wildboottest (``WildClusterBootstrap``).
///
/// Complexity: one fit (O(n k²), plus the alternating projections with absorbed factors), a table per
/// estimator, and for the wild bootstrap O(G k) per draw per coefficient.
public enum LinearRegression {
    public struct Specification: Sendable {
        public var model: ModelSpecification
        /// The treatment column, entered first and reported first.
        public var treatment: String? = nil
        /// Variance estimators, one coefficient table each, in this order.
        public var inference: [VarianceEstimator] = [.classical, .hc1]
        /// Also a wild cluster bootstrap test of every coefficient but the intercept.
        public var wildBootstrap: WildClusterBootstrap.Specification? = nil
        /// Coefficients tested jointly zero by the HTZ test (CR2).
        public var wald: [String] = []
        /// Also estimate the absorbed fixed effects (fixest's `fixef()` normalisation).
        public var fixedEffectEstimates = false
        /// The absorbed factor clustered by when no cluster column was given (reported as such).
        public var clusteredByAbsorbedFactor: String? = nil
        public var level = 0.95
        public var seed: UInt64 = 1
        public var threads = 1

        public init(model: ModelSpecification) { self.model = model }
    }

    /// The absorbed fixed effects of a fit.
    public struct AbsorbedEffects: Sendable, Codable, Equatable {
        public struct Factor: Sendable, Codable, Equatable {
            public let name: String
            public let levels: Int
        }
        public let factors: [Factor]
        public let singletons: Int
        /// Sweeps of the alternating projections.
        public let iterations: Int
        /// The small-sample counting rule.
        public let smallSample: String

        init(_ a: Absorption) {
            factors = zip(a.fixedEffects.names, a.fixedEffects.levels).map { Factor(name: $0, levels: $1.count) }
            singletons = a.singletons
            iterations = a.iterations
            smallSample = a.counting.rawValue
        }
    }

    /// Something a reader should know before trusting a number.
    public enum Warning: Sendable, Codable, Equatable {
        case wildBootstrap(WildClusterBootstrap.Warning)
        /// CR0/CR1 with fewer than 42 clusters.
        case fewClusters(Int)
        /// A factor nested in the cluster column: its coefficients each rest on one cluster.
        case factorNestedInClusters(factor: String, coefficients: Int)

        public var message: String {
            switch self {
            case .wildBootstrap(let w): return w.message
            case .fewClusters(let g):
                return "Only \(g) clusters: CR1 tests can reject a true null far more often than their level with fewer than about 42 clusters; "
                    + "compare `inference: [cr2]` (Satterthwaite df) or `[wild]` (wild cluster bootstrap)."
            case .factorNestedInClusters(let f, let n):
                return "The factor '\(f)' is nested in the cluster column: its \(n) coefficient(s) each rest on one cluster, "
                    + "so their cluster-robust standard errors are degenerate (near zero) and their tests meaningless. Absorb it instead (`absorb: [\(f)]`)."
            }
        }
    }

    /// The `results.json` entry of a regression analysis.
    public struct Result: Sendable, Codable {
        public let outcome: String
        public let treatment: String?
        public let observations: Int
        public let droppedRows: Int
        public let parameters: Int
        public let residualDegreesOfFreedom: Int
        public let rSquared: Double
        /// R² of the demeaned model, with absorbed fixed effects.
        public let withinRSquared: Double?
        public let adjustedRSquared: Double
        public let sigma: Double
        public let weighted: Bool
        /// The weights column (WLS).
        public let weights: String?
        /// The cluster columns (several: multiway clustering).
        public let clusterColumns: [String]
        public let clusters: Int?
        public let absorbed: AbsorbedEffects?
        /// The absorbed factor clustered by default (no `cluster` given), as pyfixest and fixest < 1.0 do.
        public let clusteredByAbsorbedFactor: String?
        /// One coefficient table per requested variance estimator, keyed by its name.
        public let coefficients: [String: CoefficientTable]
        /// The estimators in the order they were asked for.
        public let inferenceOrder: [VarianceEstimator]
        /// Wild cluster bootstrap tests, one per coefficient.
        public let wildBootstrap: [WildClusterBootstrap.Result]?
        /// The HTZ test of `wald`.
        public let waldTest: WaldTest?
        /// The coefficients the Wald test sets to zero.
        public let waldTerms: [String]
        public let level: Double
        public let warnings: [Warning]
        /// The absorbed fixed effects' estimates, when asked for; not encoded (written to their own file).
        public internal(set) var fixedEffects: [FixedEffectEstimates]? = nil

        enum CodingKeys: String, CodingKey {
            case outcome, treatment, observations, droppedRows, parameters, residualDegreesOfFreedom, rSquared, withinRSquared
            case adjustedRSquared, sigma, weighted, weights, clusterColumns, clusters, absorbed, clusteredByAbsorbedFactor, coefficients
            case inferenceOrder, wildBootstrap, waldTest, waldTerms, level, warnings
        }

        /// The coefficient tables in the order asked for.
        public var tables: [CoefficientTable] { inferenceOrder.compactMap { coefficients[$0.rawValue] } }
    }

    /// Fits the model and computes every table and test asked for.
    public static func estimate(_ spec: Specification, table: Table) throws(RegressionError) -> Result {
        let design = try DesignMatrix(spec.model, table: table)
        let fit = try LinearModel.fit(design, counting: spec.model.fixedEffectCounting)
        var ordered: [CoefficientTable] = []
        for v in spec.inference { ordered.append(try fit.coefficientTable(v, level: spec.level)) }
        var bootstrapped: [WildClusterBootstrap.Result] = []
        if var wild = spec.wildBootstrap {
            (wild.seed, wild.threads, wild.level) = (spec.seed, spec.threads, spec.level)
            for name in fit.names where name != "(Intercept)" { bootstrapped.append(try fit.wildClusterBootstrap(name, wild)) }
        }
        let waldTest = spec.wald.isEmpty ? nil : try fit.waldTest(zero: spec.wald)
        let clusters = ordered.first(where: { $0.clusterCount != nil })?.clusterCount ?? fit.clusterLabels?.count
        var result = Result(
            outcome: spec.model.outcome, treatment: spec.treatment, observations: fit.observations, droppedRows: fit.droppedRows,
            parameters: fit.parameterCount, residualDegreesOfFreedom: fit.residualDegreesOfFreedom, rSquared: fit.rSquared,
            withinRSquared: fit.absorption == nil ? nil : fit.withinRSquared, adjustedRSquared: fit.adjustedRSquared, sigma: fit.sigma,
            weighted: spec.model.weights != nil, weights: spec.model.weights, clusterColumns: spec.model.clusters, clusters: clusters,
            absorbed: fit.absorption.map { AbsorbedEffects($0) }, clusteredByAbsorbedFactor: spec.clusteredByAbsorbedFactor,
            coefficients: Dictionary(zip(spec.inference.map(\.rawValue), ordered), uniquingKeysWith: { first, _ in first }),
            inferenceOrder: spec.inference, wildBootstrap: bootstrapped.isEmpty ? nil : bootstrapped, waldTest: waldTest, waldTerms: spec.wald,
            level: spec.level, warnings: warnings(fit, spec, clusters: clusters, bootstrap: bootstrapped))
        if spec.fixedEffectEstimates { result.fixedEffects = try design.fixedEffectEstimates(fit) }
        return result
    }

    /// Few clusters, and coefficients of factors nested in the cluster column (their cluster-robust SEs are degenerate).
    static func warnings(_ fit: LinearFit, _ spec: Specification, clusters: Int?, bootstrap: [WildClusterBootstrap.Result]) -> [Warning] {
        // The bootstrap's own warnings, each distinct one once (most are the same for every coefficient).
        var out: [Warning] = []
        for w in bootstrap.flatMap(\.warnings) where !out.contains(.wildBootstrap(w)) { out.append(.wildBootstrap(w)) }
        let clustered = spec.inference.contains { $0 == .cr0 || $0 == .cr1 }
        if clustered, let g = clusters, g < 42 { out.append(.fewClusters(g)) }
        guard clustered || spec.inference.contains(.cr2), let codes = fit.clusters else { return out }
        for f in spec.model.factors {
            let dummies = fit.names.indices.filter { fit.names[$0].hasPrefix("\(f)[T.") }
            // A dummy is degenerate when it is constant within every cluster and nonzero in only one.
            let nested = dummies.filter { j in
                var owner: Int? = nil
                for i in 0..<fit.observations where fit.x[i, j] != 0 {
                    if owner == nil { owner = codes[i] } else if owner != codes[i] { return false }
                }
                return true
            }
            if !nested.isEmpty { out.append(.factorNestedInClusters(factor: f, coefficients: nested.count)) }
        }
        return out
    }
}
