import Foundation
import Yams

/// A decoded configuration file: data sources and the analyses to run on them.
///
/// ```yaml
/// title: NSW experiment
/// seed: 20261124
/// data:
///   nsw: ../Datasets/nsw_dehejia_wahba_445.tsv      # shorthand: just the path
///   smoking:
///     path: ../Datasets/california_prop99_smoking.csv
///     categorical: [state]
/// analyses:
///   - name: effect-of-training
///     method: ols
///     data: nsw
///     outcome: re78
///     treatment: t
///     covariates: [age, educ]
///     variance: [classical, hc1]
/// ```
///
/// Paths are relative to the config file's folder.
public struct Config: Sendable {
    /// The config file's path, as given.
    public var path: String
    /// The config file's exact text (recorded in the manifest).
    public var text: String
    /// A title for the report.
    public var title: String?
    /// The master random seed; every analysis derives its own from it (default 1).
    public var seed: UInt64
    /// Named data sources, in file order.
    public var data: [DataSourceSpec]
    /// Analyses, in file order.
    public var analyses: [AnalysisSpec]

    /// Allowed top-level keys.
    static let keys = ["version", "title", "seed", "data", "analyses"]

    /// The source named `name`.
    public func source(_ name: String) -> DataSourceSpec? { data.first { $0.name == name } }
}

/// Where one data set comes from and how to read it.
public struct DataSourceSpec: Sendable {
    public var name: String
    /// The path as written in the config.
    public var path: String
    /// The path resolved against the config file's folder.
    public var url: URL
    /// Columns always read as text (identifiers such as "007").
    public var categorical: [String]
    /// Missing-value tokens, replacing the defaults when given.
    public var missing: [String]?
    /// Where the source was declared, for messages.
    var mark: Mark?

    static let keys = ["path", "categorical", "missing"]
}

/// One analysis: a name, a method, the data it uses and the method's own settings.
public struct AnalysisSpec: Sendable {
    public var name: String
    public var method: String
    public var data: String
    public var description: String?
    public var settings: MethodSettings
    /// Index in the file, and where it starts.
    public var index: Int
    var mark: Mark?
    /// Where each key's value starts, for messages.
    var keyMarks: [String: Mark]

    static let commonKeys = ["name", "method", "data", "description"]
}

/// The method-specific part of an analysis.
public enum MethodSettings: Sendable {
    case regression(RegressionSettings)
    case match(MatchSettings)
    case weight(WeightSettings)
    case abadieImbens(AbadieImbensSettings)
    case syntheticControl(SyntheticControlSettings)
    case syntheticDiD(SyntheticDiDSettings)
}

/// Every method the runner knows, with the type that decodes its settings.
enum MethodCatalog {
    static let methods: [String] = ["ols", "wls", "match", "weight", "abadie-imbens", "synth", "augsynth", "sdid"]

    static func settingsKeys(for method: String) -> [String] {
        switch method {
        case "ols", "wls": return RegressionSettings.keys
        case "match": return MatchSettings.keys
        case "weight": return WeightSettings.keys
        case "abadie-imbens": return AbadieImbensSettings.keys
        case "synth": return SyntheticControlSettings.keys
        case "augsynth": return SyntheticControlSettings.augsynthKeys
        case "sdid": return SyntheticDiDSettings.keys
        default: return []
        }
    }

    static func decode(method: String, _ m: StrictMapping) throws -> MethodSettings {
        switch method {
        case "ols", "wls": return .regression(try RegressionSettings(m, method: method))
        case "match": return .match(try MatchSettings(m))
        case "weight": return .weight(try WeightSettings(m))
        case "abadie-imbens": return .abadieImbens(try AbadieImbensSettings(m))
        case "synth": return .syntheticControl(try SyntheticControlSettings(m, augmented: false))
        case "augsynth": return .syntheticControl(try SyntheticControlSettings(m, augmented: true))
        case "sdid": return .syntheticDiD(try SyntheticDiDSettings(m))
        default: fatalError("unreachable: method validated before decoding")
        }
    }
}

/// A column an analysis needs, with where it was named.
struct ColumnRequirement {
    var key: String
    var column: String
    var numeric: Bool

    /// One requirement per entry of the list under `key` (`key[0]`, `key[1]`, …).
    static func list(_ key: String, _ columns: [String], numeric: Bool) -> [ColumnRequirement] {
        columns.enumerated().map { ColumnRequirement(key: "\(key)[\($0.offset)]", column: $0.element, numeric: numeric) }
    }
}
