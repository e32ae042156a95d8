import Foundation
import Tabular

/// A JSON value, for the config schema (`impact schema`).
public indirect enum JSONValue: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? try c.encode(Int64(x)) : try c.encode(x)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// The JSON Schema of a setting's value (`SettingValue.jsonSchema`); by default any value, described by `expected`.
extension SettingValue {
    public static var jsonSchema: JSONValue { .object(["description": .string(expected)]) }
}

extension String {
    public static var jsonSchema: JSONValue { .object(["type": "string"]) }
}

extension Int {
    public static var jsonSchema: JSONValue { .object(["type": "integer"]) }
}

extension Double {
    public static var jsonSchema: JSONValue { .object(["type": "number"]) }
}

extension Bool {
    public static var jsonSchema: JSONValue { .object(["type": "boolean"]) }
}

/// A list: an array of the element's schema, or a single element (the decoder reads both).
extension Array where Element: SettingValue {
    public static var jsonSchema: JSONValue { .object(["anyOf": .array([.object(["type": "array", "items": Element.jsonSchema]), Element.jsonSchema])]) }
}

/// A string-keyed mapping.
extension Dictionary where Key == String, Value: SettingValue {
    public static var jsonSchema: JSONValue { .object(["type": "object", "additionalProperties": Value.jsonSchema]) }
}

/// A choice: one of its names.
extension SettingChoice {
    public static var jsonSchema: JSONValue { .object(["enum": .array(allCases.map { .string($0.rawValue) })]) }
}
