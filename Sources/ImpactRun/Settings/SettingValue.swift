import Foundation
import Tabular

/// A type a config key can hold: how it is decoded, and how it is described in messages and docs.
///
/// Scalars (`String`, `Int`, `Double`, `Bool`), choices (`SettingChoice` enums), lists of
/// either (a single value is accepted as a one-element list), string-keyed mappings, and the
/// structured values of individual methods (period sets, predictors).
public protocol SettingValue: Sendable {
    /// What a valid value looks like, for "expected …" messages: "a string", "a list of strings".
    static var expected: String { get }
    /// The allowed values, for choice types.
    static var choices: [String]? { get }
    /// Decodes a value; errors are `DecodingIssue`s located at `decoder.codingPath`.
    static func decode(_ decoder: any Decoder) throws -> Self
    /// The value as written in a config, for documenting defaults.
    var configText: String { get }
    /// The JSON Schema of a value (`SettingValue+Schema.swift`), for `impact schema`.
    static var jsonSchema: JSONValue { get }
}

extension SettingValue {
    public static var choices: [String]? { nil }
    public var configText: String { "\(self)" }
}

/// Decodes a scalar through a single-value container, or fails with "expected …".
func decodeScalar<T: Decodable>(_ decoder: any Decoder, _ type: T.Type, expected: String) throws -> T {
    do {
        return try decoder.singleValueContainer().decode(T.self)
    } catch {
        throw DecodingIssue(codingPath: decoder.codingPath, message: "expected \(expected)")
    }
}

extension String: SettingValue {
    public static var expected: String { "a string" }
    public static func decode(_ decoder: any Decoder) throws -> String { try decodeScalar(decoder, String.self, expected: expected) }
    public var configText: String { self }
}

extension Int: SettingValue {
    public static var expected: String { "a whole number" }
    public static func decode(_ decoder: any Decoder) throws -> Int { try decodeScalar(decoder, Int.self, expected: expected) }
}

extension Double: SettingValue {
    public static var expected: String { "a number" }
    public static func decode(_ decoder: any Decoder) throws -> Double { try decodeScalar(decoder, Double.self, expected: expected) }
    public var configText: String { formatNumber(self) }
}

extension Bool: SettingValue {
    public static var expected: String { "true or false" }
    public static func decode(_ decoder: any Decoder) throws -> Bool { try decodeScalar(decoder, Bool.self, expected: expected) }
}

/// A list; a single value is read as a one-element list (`covariates: age` is `[age]`).
extension Array: SettingValue where Element: SettingValue {
    public static var expected: String {
        switch Element.expected {
        case "a string": return "a list of strings, e.g. [a, b]"
        case "a number": return "a list of numbers"
        case "a whole number": return "a list of whole numbers"
        case let e: return "a list, each \(e)"
        }
    }
    public static var choices: [String]? { Element.choices }

    public static func decode(_ decoder: any Decoder) throws -> [Element] {
        if var list = try? decoder.unkeyedContainer() {
            var values: [Element] = []
            while !list.isAtEnd { values.append(try Element.decode(try list.superDecoder())) }
            return values
        }
        if (try? decoder.container(keyedBy: AnyKey.self)) != nil {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "expected \(expected)")
        }
        return [try Element.decode(decoder)]
    }

    public var configText: String { "[" + map(\.configText).joined(separator: ", ") + "]" }
}

/// A mapping from strings (usually column names) to values: `{region: London}`, `{age: 5}`.
extension Dictionary: SettingValue where Key == String, Value: SettingValue {
    public static var expected: String { "a mapping of names to \(Value.expected.replacingOccurrences(of: "a ", with: ""))s" }

    public static func decode(_ decoder: any Decoder) throws -> [String: Value] {
        guard let c = try? decoder.container(keyedBy: AnyKey.self) else {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "expected \(expected)")
        }
        var out: [String: Value] = [:]
        for key in c.allKeys { out[key.stringValue] = try Value.decode(try c.superDecoder(forKey: key)) }
        return out
    }

    public var configText: String { "{" + keys.sorted().map { "\($0): \(self[$0]!.configText)" }.joined(separator: ", ") + "}" }
}

/// A key whose value is one of a fixed set of names: an enum with string raw values.
///
/// The allowed values come from `allCases`, so the list in messages, docs and the decoder is the enum itself.
public protocol SettingChoice: SettingValue, CaseIterable, RawRepresentable where RawValue == String {}

extension SettingChoice {
    public static var expected: String { "one of: " + allCases.map(\.rawValue).joined(separator: ", ") }
    public static var choices: [String]? { allCases.map(\.rawValue) }
    public var configText: String { rawValue }

    public static func decode(_ decoder: any Decoder) throws -> Self {
        let name = try decodeScalar(decoder, String.self, expected: expected)
        guard let value = Self(rawValue: name) else {
            throw DecodingIssue(codingPath: decoder.codingPath, message: invalidChoice(name, allCases.map(\.rawValue)))
        }
        return value
    }
}
