import Foundation
import Tabular
import Yams

/// A coding key for any string, used to list the keys a mapping actually has.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

/// An error raised while decoding, before the file name is known.
///
/// The loader locates it in the YAML node tree by `codingPath`: at the key
/// itself when `atKey` (an unknown key), otherwise at the value.
public struct DecodingIssue: Error {
    var codingPath: [any CodingKey]
    var atKey = false
    public var message: String
    /// Characters into the value's text where the fault is (a token of an expression), when known.
    var columnOffset: Int? = nil

    init(codingPath: [any CodingKey], atKey: Bool = false, message: String, columnOffset: Int? = nil) {
        self.codingPath = codingPath
        self.atKey = atKey
        self.message = message
        self.columnOffset = columnOffset
    }
}

/// `analyses[0].covariates[2]` from a coding path.
func renderPath(_ path: [any CodingKey]) -> String {
    var s = ""
    for key in path {
        if let i = key.intValue { s += "[\(i)]" } else { s += s.isEmpty ? key.stringValue : ".\(key.stringValue)" }
    }
    return s
}

/// A mapping decoded strictly: every key must be one of `allowed`.
///
/// Codable on its own ignores unknown keys (so a misspelt optional key is
/// silently dropped) and ignores property default values (so an optional key
/// with a default must be decoded by hand); `StrictMapping` does both jobs.
struct StrictMapping {
    let container: KeyedDecodingContainer<AnyKey>
    let decoder: any Decoder

    /// Opens the mapping and rejects any key not in `allowed`, suggesting the nearest allowed key.
    init(_ decoder: any Decoder, allowed: [String], context: String) throws {
        self.decoder = decoder
        do {
            container = try decoder.container(keyedBy: AnyKey.self)
        } catch {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "expected a mapping (key: value pairs) for \(context)")
        }
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            var message = "unknown key '\(key.stringValue)' in \(context)"
            if let renamed = renamedKeys[key.stringValue], allowed.contains(renamed.key) {
                message += " ('\(key.stringValue)' is spelled '\(renamed.key)' since ImpactEval \(renamed.since): \(renamed.why))"
            } else if let s = closestMatch(to: key.stringValue, in: allowed) {
                message += " (did you mean '\(s)'?)"
            }
            message += "; allowed keys: " + allowed.joined(separator: ", ")
            throw DecodingIssue(codingPath: decoder.codingPath + [key], atKey: true, message: message)
        }
    }

    func has(_ key: String) -> Bool { container.contains(AnyKey(key)) }

    /// A required value.
    func required<T: Decodable>(_ key: String, _ type: T.Type = T.self) throws -> T {
        guard has(key) else {
            throw DecodingIssue(codingPath: decoder.codingPath, message: "missing required key '\(key)' (\(describe(T.self)))")
        }
        return try value(key, T.self)
    }

    /// An optional value: nil when absent or null.
    func optional<T: Decodable>(_ key: String, _ type: T.Type = T.self) throws -> T? {
        guard has(key) else { return nil }
        if (try? container.decodeNil(forKey: AnyKey(key))) == true { return nil }
        return try value(key, T.self)
    }

    /// A value with a default used when the key is absent.
    func value<T: Decodable>(_ key: String, default fallback: T) throws -> T {
        try optional(key, T.self) ?? fallback
    }

    /// A string that must be one of `choices`.
    func choice(_ key: String, _ choices: [String], default fallback: String? = nil) throws -> String {
        guard let s: String = fallback == nil ? try required(key) : try optional(key) else { return fallback! }
        guard choices.contains(s) else {
            throw DecodingIssue(codingPath: decoder.codingPath + [AnyKey(key)], message: invalidChoice(s, choices))
        }
        return s
    }

    /// An issue about the value of `key`.
    func issue(_ key: String, _ message: String) -> DecodingIssue {
        DecodingIssue(codingPath: decoder.codingPath + [AnyKey(key)], message: message)
    }

    /// An issue about the mapping as a whole.
    func issue(_ message: String) -> DecodingIssue {
        DecodingIssue(codingPath: decoder.codingPath, message: message)
    }

    private func value<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
        do {
            return try container.decode(T.self, forKey: AnyKey(key))
        } catch let issue as DecodingIssue {
            throw issue
        } catch {
            throw DecodingIssue(codingPath: decoder.codingPath + [AnyKey(key)], message: "expected \(describe(T.self))")
        }
    }
}

/// Keys of earlier versions and the key that replaces each (named in the unknown-key message when the
/// method has the new key): one spelling per concept across methods.
let renamedKeys: [String: (key: String, since: String, why: String)] = [
    "variance": ("inference", "0.2", "one key for inference in every method"),
    "standard_error": ("inference", "0.2", "one key for inference in every method"),
    "placebos": ("replications", "0.2", "one key for every count of random draws"),
    "placebo": ("inference", "0.2", "one key for inference in every method"),
    "fixed_effects": ("write_fixed_effects", "0.3", "absorbed factors are 'absorb'; this key only writes their estimates"),
    "reference": ("reference_period", "0.3", "'reference' names factor levels; the omitted relative period is 'reference_period'"),
    "variances": ("moments", "0.3", "'moments: 2' balances variances too, as in 'dose'"),
    "draws": ("replications", "0.3", "one key for every count of random draws"),
    "simulations": ("replications", "0.3", "one key for every count of random draws"),
    "treatment_time": ("adoption", "0.3", "one key for when treatment starts: a period with 'treated', a column for staggered designs")
]

/// "'x' is not a valid value (did you mean 'y'?); expected one of: …"
func invalidChoice(_ value: String, _ choices: [String]) -> String {
    var message = "'\(value)' is not a valid value"
    if let m = closestMatch(to: value, in: choices) { message += " (did you mean '\(m)'?)" }
    return message + "; expected one of: " + choices.joined(separator: ", ")
}

/// A plain-language description of a type, for "expected …" messages.
func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type: return "a whole number"
    case is Double.Type: return "a number"
    case is Bool.Type: return "true or false"
    case is [String].Type: return "a list of strings, e.g. [a, b]"
    case is [Double].Type: return "a list of numbers"
    case is [Int].Type: return "a list of whole numbers"
    case is [String: String].Type: return "a mapping of strings to strings"
    default:
        let name = String(describing: type)
        if name.hasPrefix("Array<") { return "a list" }
        return "a \(name) mapping"
    }
}
