import EstimationCore
import StaggeredDiD

/// The role of a key that names data columns, checked against the data before anything runs.
public enum ColumnRole: Sendable {
    /// Columns that must hold numbers.
    case numeric
    /// Columns of any type (categories, identifiers).
    case any
}

/// What every config key declares, whatever its value type: read by the decoder (allowed keys,
/// required keys, columns to check) and by the documentation (`impact help METHOD`, the README tables).
public protocol AnySettingKey: Sendable {
    var name: String { get }
    var help: String { get }
    /// "required", "none", or the default as written in a config.
    var defaultText: String { get }
    var isRequired: Bool { get }
    var expected: String { get }
    var choices: [String]? { get }
    var column: ColumnRole? { get }
    /// The JSON Schema of the key's value (with its help and default as the description).
    var jsonSchema: JSONValue { get }
}

/// A value that names columns: one column (`String`) or a list of them (`[String]`).
public protocol ColumnNaming {
    /// The columns this value names under `key`, located as `key` or `key[i]`.
    func columnRequirements(key: String, numeric: Bool) -> [ColumnRequirement]
}
extension String: ColumnNaming {
    public func columnRequirements(key: String, numeric: Bool) -> [ColumnRequirement] {
        [ColumnRequirement(key: key, column: self, numeric: numeric)]
    }
}
extension Array: ColumnNaming where Element == String {
    public func columnRequirements(key: String, numeric: Bool) -> [ColumnRequirement] {
        ColumnRequirement.list(key, self, numeric: numeric)
    }
}

/// The declaration shared by the three key kinds.
public struct KeyDeclaration<Value: SettingValue>: Sendable {
    public let name: String
    public let help: String
    public let column: ColumnRole?
    /// The column requirements of a value, for keys that name columns.
    let requirements: (@Sendable (Value) -> [ColumnRequirement])?
    /// A rule on the value alone: the message when it is broken, nil when it holds.
    let rule: (@Sendable (Value) -> String?)?
    /// The choices this key accepts when they are fewer than its value type's (a method's own inference
    /// names): the schema and `impact help` list only these.
    var choices: [String]? = nil

    /// A key whose value names no columns.
    static func plain(_ name: String, _ help: String, _ rule: (@Sendable (Value) -> String?)?) -> KeyDeclaration {
        KeyDeclaration(name: name, help: help, column: nil, requirements: nil, rule: rule)
    }
}

extension KeyDeclaration where Value: ColumnNaming {
    /// A key whose value names columns of the given role.
    static func columns(_ name: String, _ help: String, _ role: ColumnRole, _ rule: (@Sendable (Value) -> String?)?) -> KeyDeclaration {
        KeyDeclaration(
            name: name, help: help, column: role,
            requirements: { $0.columnRequirements(key: name, numeric: role == .numeric) }, rule: rule)
    }
}

/// A key kind: its declaration answers everything `AnySettingKey` asks but the default.
public protocol DeclaredKey: AnySettingKey {
    associatedtype Value: SettingValue
    var declaration: KeyDeclaration<Value> { get }
}

extension DeclaredKey {
    public var name: String { declaration.name }
    public var help: String { declaration.help }
    public var expected: String { Value.expected }
    public var choices: [String]? { declaration.choices ?? Value.choices }
    public var column: ColumnRole? { declaration.column }
    public var jsonSchema: JSONValue {
        let full = declaration.choices.map { Self.restricting(Value.jsonSchema, to: $0) } ?? Value.jsonSchema
        guard case .object(var schema) = full else { return full }
        var text = help
        if !isRequired { text += " (default: \(defaultText))" }
        if case .string(let expected)? = schema["description"] { text += "; \(expected)" }
        schema["description"] = .string(text)
        return .object(schema)
    }
}

extension DeclaredKey {
    /// `schema` with every `enum` list replaced by `choices` (at any depth: a list of choices too).
    static func restricting(_ schema: JSONValue, to choices: [String]) -> JSONValue {
        switch schema {
        case .object(let fields):
            var out: [String: JSONValue] = [:]
            for (k, v) in fields { out[k] = k == "enum" ? .array(choices.map { .string($0) }) : restricting(v, to: choices) }
            return .object(out)
        case .array(let items): return .array(items.map { restricting($0, to: choices) })
        default: return schema
        }
    }
}

/// A key that must be present.
public struct RequiredKey<Value: SettingValue>: DeclaredKey {
    public internal(set) var declaration: KeyDeclaration<Value>
    public init(_ name: String, _ help: String, rule: (@Sendable (Value) -> String?)? = nil) {
        declaration = .plain(name, help, rule)
    }
    public init(_ name: String, _ help: String, column: ColumnRole, rule: (@Sendable (Value) -> String?)? = nil) where Value: ColumnNaming {
        declaration = .columns(name, help, column, rule)
    }
    public var defaultText: String { "required" }
    public var isRequired: Bool { true }
    /// The key accepting only `names` of its value type's choices (see `KeyDeclaration.choices`).
    func choosing(_ names: [String]) -> Self {
        var key = self
        key.declaration.choices = names
        return key
    }
}

/// A key that may be absent (or null); its value is then nil, or a default that depends on other keys
/// (described in `defaultText`).
public struct OptionalKey<Value: SettingValue>: DeclaredKey {
    public internal(set) var declaration: KeyDeclaration<Value>
    public let defaultText: String
    public init(_ name: String, _ help: String, default text: String = "none", rule: (@Sendable (Value) -> String?)? = nil) {
        declaration = .plain(name, help, rule)
        defaultText = text
    }
    public init(
        _ name: String, _ help: String, column: ColumnRole, default text: String = "none",
        rule: (@Sendable (Value) -> String?)? = nil
    ) where Value: ColumnNaming {
        declaration = .columns(name, help, column, rule)
        defaultText = text
    }
    public var isRequired: Bool { false }
    /// The key accepting only `names` of its value type's choices (see `KeyDeclaration.choices`).
    func choosing(_ names: [String]) -> Self {
        var key = self
        key.declaration.choices = names
        return key
    }
}

/// A key with a fixed default used when it is absent.
public struct DefaultedKey<Value: SettingValue>: DeclaredKey {
    public internal(set) var declaration: KeyDeclaration<Value>
    public let defaultValue: Value
    public init(_ name: String, _ help: String, default value: Value, rule: (@Sendable (Value) -> String?)? = nil) {
        declaration = .plain(name, help, rule)
        defaultValue = value
    }
    public init(
        _ name: String, _ help: String, column: ColumnRole, default value: Value,
        rule: (@Sendable (Value) -> String?)? = nil
    ) where Value: ColumnNaming {
        declaration = .columns(name, help, column, rule)
        defaultValue = value
    }
    public var defaultText: String { defaultValue.configText }
    public var isRequired: Bool { false }
    /// The key accepting only `names` of its value type's choices (see `KeyDeclaration.choices`).
    func choosing(_ names: [String]) -> Self {
        var key = self
        key.declaration.choices = names
        return key
    }
}

/// A method's keys, declared once as the stored properties of one struct:
///
/// ```swift
/// struct Keys: KeySet {
///     let outcome = RequiredKey<String>("outcome", "outcome column", column: .numeric)
///     let level = CommonKeys.level
/// }
/// ```
///
/// The decoder's list of allowed keys, the column checks and the documentation are all read
/// from these declarations (by reflection over an instance, as argument-parser reads `@Option`s),
/// so a key cannot be allowed without being decoded, or documented differently from how it is read.
public protocol KeySet: Sendable {
    init()
}

extension KeySet {
    /// Every declared key, in declaration order; a property that is itself a `KeySet` (a group of
    /// keys shared by several methods, such as `PanelKeys`) contributes its keys in place.
    public static var all: [any AnySettingKey] { Self().declaredKeys }

    var declaredKeys: [any AnySettingKey] {
        Mirror(reflecting: self).children.flatMap { child -> [any AnySettingKey] in
            if let key = child.value as? any AnySettingKey { return [key] }
            if let group = child.value as? any KeySet { return group.declaredKeys }
            return []
        }
    }
    /// The names of every declared key.
    public static var names: [String] { all.map(\.name) }
}

/// The keys of a panel design, shared by `synth`, `augsynth` and `sdid`: `unit`, `time`, `outcome`.
public struct PanelKeys: KeySet {
    let unit = RequiredKey<String>("unit", "unit identifier column", column: .any)
    let time = RequiredKey<String>("time", "time period column (numeric)", column: .numeric)
    let outcome = RequiredKey<String>("outcome", "outcome column", column: .numeric)
    public init() {}
}

/// Keys that mean the same in every method, declared once.
public enum CommonKeys {
    /// `level`: the confidence level of every interval the method reports.
    public static let level = DefaultedKey<Double>(
        "level", "confidence level of every interval", default: ConfidenceLevel.standard,
        rule: { ConfidenceLevel.problem($0) })
    /// `outcome`: the outcome column.
    public static let outcome = RequiredKey<String>("outcome", "outcome column", column: .numeric)
    /// `covariates`: numeric covariates.
    public static let covariates = DefaultedKey<[String]>("covariates", "numeric covariates", column: .numeric, default: [])
    /// `sensitivity`: robust sets under violations of parallel trends (event studies).
    public static let sensitivity = OptionalKey<ParallelTrendsSensitivity.Settings>(
        "sensitivity", "robust sets when parallel trends may fail (HonestDiD): relative_magnitudes, smoothness, target, grid_points, breakdown")
    /// `factors`: categorical covariates.
    public static let factors = DefaultedKey<[String]>("factors", "categorical covariates (treatment contrasts)", column: .any, default: [])
}
