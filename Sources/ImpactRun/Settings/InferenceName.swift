import Regression

/// The names the `inference:` key takes, the same in every method (as fixest's `vcov`).
///
/// Each method supports a subset and says which; the names keep one meaning everywhere:
///
/// | name | meaning | convention |
/// |---|---|---|
/// | `classical` | homoskedastic (iid) variance | t with n − k df |
/// | `hc0` … `hc3` | heteroskedasticity-robust sandwich | MacKinnon & White (1985); HC1 is Stata's `robust` |
/// | `cr0`, `cr1` | cluster-robust sandwich (needs `cluster`; several columns: multiway) | CR1 is Stata's G/(G−1)·(N−1)/(N−K), K by fixest's rule with absorbed fixed effects; t with G − 1 df |
/// | `cr2` | bias-reduced cluster-robust sandwich (Bell & McCaffrey) | clubSandwich's CR2; t with Satterthwaite df per coefficient |
/// | `wild` | wild cluster bootstrap (restricted by default) | boottest's WCR; p-value and test-inversion interval |
/// | `placebo` | placebo (permutation) distribution over untreated units | p = rank/(J+1) for synthetic control |
/// | `jackknife` | jackknife over units | synthdid's Algorithm 3; multisynth: augsynth's delete-one-unit refit |
/// | `bootstrap` | bootstrap with the method's own resampling | multisynth: augsynth's wild bootstrap of units (Mammen); quantile: pairs bootstrap of clusters |
/// | `conformal` | conformal inference by permuting residuals under the null | Chernozhukov, Wüthrich & Zhu (2021), as augsynth |
/// | `prediction-intervals` | in-sample (weights) plus out-of-sample (shock) uncertainty of the counterfactual | Cattaneo, Feng & Titiunik (2021), as scpi; simultaneous band as R's scpi |
/// | `hall-sheather` | kernel sandwich of a quantile regression, Hall & Sheather's bandwidth | statsmodels `QuantReg`'s default; t with n − k df |
/// | `none` | no uncertainty | |
public enum InferenceName: String, SettingChoice {
    case classical, hc0, hc1, hc2, hc3, cr0, cr1, cr2, wild, placebo, jackknife, bootstrap, conformal, none
    case predictionIntervals = "prediction-intervals"
    case hallSheather = "hall-sheather"

    /// The sandwich estimator this name selects, for regression-based methods.
    public var varianceEstimator: VarianceEstimator? { VarianceEstimator(rawValue: rawValue) }

    /// Whether the name needs a cluster column.
    public var isClustered: Bool { self == .wild || (varianceEstimator?.isClustered ?? false) }

    /// A method's `inference` key taking one name of `supported`, with a fixed default: its rule, the
    /// schema's choices and `impact help`'s all come from the one list.
    static func key(_ help: String, default value: InferenceName, supported: [InferenceName], method: String) -> DefaultedKey<InferenceName> {
        DefaultedKey("inference", help, default: value, rule: { Self.supported(supported, method: method)([$0]) }).choosing(supported.map(\.rawValue))
    }

    /// The same with a default that depends on other keys (described by `defaultText`).
    static func key(_ help: String, defaultText: String, supported: [InferenceName], method: String) -> OptionalKey<InferenceName> {
        OptionalKey("inference", help, default: defaultText, rule: { Self.supported(supported, method: method)([$0]) })
            .choosing(supported.map(\.rawValue))
    }

    /// A method's `inference` key taking one name or a list of names of `supported`.
    static func listKey(_ help: String, defaultText: String, supported: [InferenceName], method: String) -> OptionalKey<[InferenceName]> {
        OptionalKey("inference", help, default: defaultText, rule: Self.supported(supported, method: method)).choosing(supported.map(\.rawValue))
    }

    /// A rule for a key listing inference names: each must be in `supported`.
    static func supported(_ supported: [InferenceName], method: String) -> @Sendable ([InferenceName]) -> String? {
        { names in
            guard let bad = names.first(where: { !supported.contains($0) }) else {
                return names.isEmpty ? "list at least one of: " + supported.map(\.rawValue).joined(separator: ", ") : nil
            }
            return "'\(bad.rawValue)' is not available for \(method); use one of: " + supported.map(\.rawValue).joined(separator: ", ")
        }
    }
}
