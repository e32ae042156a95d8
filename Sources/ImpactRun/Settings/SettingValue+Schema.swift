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

/// The JSON Schema of a setting's value; by default any value, described by `expected`.
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

/// The schema of a value type as the decoder reads it (a list also accepts a single value).
enum SchemaOf {
    static func value<V: SettingValue>(_ type: V.Type) -> JSONValue {
        switch type {
        case is String.Type: return String.jsonSchema
        case is Int.Type: return Int.jsonSchema
        case is Double.Type: return Double.jsonSchema
        case is Bool.Type: return Bool.jsonSchema
        default: break
        }
        if let choices = V.choices, !(V.expected.hasPrefix("a list")) {
            return .object(["enum": .array(choices.map { .string($0) })])
        }
        if let list = type as? any ListSetting.Type { return list.listSchema }
        if let map = type as? any MappingSetting.Type { return map.mappingSchema }
        return V.jsonSchema
    }
}

/// Lists: an array of the element's schema, or a single element.
protocol ListSetting { static var listSchema: JSONValue { get } }
extension Array: ListSetting where Element: SettingValue {
    static var listSchema: JSONValue {
        let item = SchemaOf.value(Element.self)
        return .object(["anyOf": .array([.object(["type": "array", "items": item]), item])])
    }
}

/// String-keyed mappings.
protocol MappingSetting { static var mappingSchema: JSONValue { get } }
extension Dictionary: MappingSetting where Key == String, Value: SettingValue {
    static var mappingSchema: JSONValue { .object(["type": "object", "additionalProperties": SchemaOf.value(Value.self)]) }
}
