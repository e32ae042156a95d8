import Foundation
import Tabular
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

    /// Allowed top-level keys (declared with their schemas in `Config.declaredKeys`).
    static var keys: [String] { declaredKeys.map(\.name) }

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
    /// The field separator (`,`, `;`, `|` or `tab`); nil: detected from the header line.
    public var delimiter: UInt8? = nil
    /// The text encoding (`auto`, `utf-8`, `latin1`, `windows-1252`).
    public var encoding: CSVOptions.TextEncoding = .automatic
    /// ISO date columns whose year, quarter, month and day counts are added (`Table.addDateParts`).
    public var dates: [String] = []
    /// The unit and time columns, when the data set is a panel (`lag` and `lead` in `prepare` need them).
    public var panel: TableExpression.PanelKeys? = nil
    /// Joins, filters and derived columns applied in order after reading (see `DataPreparation`).
    public var prepare: [PreparationStepSpec] = []
    /// Where the source was declared, for messages.
    var mark: Mark?

    /// Allowed keys of a data set written as a mapping (declared with their schemas in `DataSourceSpec.declaredKeys`).
    static var keys: [String] { declaredKeys.map(\.name) }
}

/// One `prepare` step as written: the step, and where its parts are in the config (for messages).
///
/// ```yaml
/// prepare:
///   - join: areas              # another data set, declared above this one
///     by: [area, year]
///     columns: [funding]       # default: all of its columns but the keys
///     unmatched: error         # error (default), drop or keep
///   - filter: year >= 2016
///   - derive:
///       post: year >= adoption
///       share: whole_school_hours / total_hours
/// ```
public struct PreparationStepSpec: Sendable {
    public var step: DataPreparation.Step
    /// The step's key (`join`, `filter` or `derive`).
    public var kind: String
    /// Where the step starts, and where each of its values starts (keyed `filter`, `join`, `by`, or a derived column's name).
    var mark: Mark?
    var valueMarks: [String: Mark]

    static let kinds = ["join", "filter", "derive"]
    static let joinKeys = ["join", "by", "columns", "unmatched"]
}

/// One analysis: a name, a method, the data it uses and the method's own settings.
public struct AnalysisSpec: Sendable {
    public var name: String
    /// The method's name as written in the config (`ols`, `synth`, …).
    public var method: String
    public var data: String
    public var description: String?
    /// The decoded settings: an instance of the registered method type.
    public var settings: any AnalysisMethod
    /// The columns the settings name, checked against the data before anything runs.
    public var columns: [ColumnRequirement]
    /// Index in the file, and where it starts.
    public var index: Int
    var mark: Mark?
    /// Where each key's value starts, for messages.
    var keyMarks: [String: Mark]

    static let commonKeys = ["name", "method", "data", "description"]
}

/// A column an analysis needs, with the key that named it.
public struct ColumnRequirement: Sendable, Equatable {
    /// The key, with an index for lists: `covariates[2]`.
    public var key: String
    public var column: String
    public var numeric: Bool

    /// One requirement per entry of the list under `key` (`key[0]`, `key[1]`, …).
    static func list(_ key: String, _ columns: [String], numeric: Bool) -> [ColumnRequirement] {
        columns.enumerated().map { ColumnRequirement(key: "\(key)[\($0.offset)]", column: $0.element, numeric: numeric) }
    }
}
