import Foundation
import Tabular

extension MethodRegistry {
    /// The JSON Schema (draft 2020-12) of a config file, generated from the registered methods' declared
    /// keys: the top-level keys, the data sets, and one alternative per method (its `method` name, the
    /// common keys, its own keys with their types, choices, help and defaults; unknown keys refused, as
    /// the decoder refuses them). `impact schema` prints it; editors with a YAML language server use it
    /// to validate and complete configs.
    public static var configSchema: JSONValue {
        let strings: JSONValue = .object(["type": "array", "items": .object(["type": "string"])])
        let joinStep: JSONValue = .object([
            "type": "object", "additionalProperties": false, "required": .array(["join", "by"]),
            "properties": .object([
                "join": .object(["type": "string", "description": "a data set declared above this one, joined many-to-one"]),
                "by": strings, "columns": strings,
                "unmatched": .object(["enum": .array(Table.UnmatchedRows.allCases.map { .string($0.rawValue) })])
            ])
        ])
        let filterStep: JSONValue = .object([
            "type": "object", "additionalProperties": false, "required": .array(["filter"]),
            "properties": .object(["filter": .object(["type": "string", "description": "keep the rows where this condition holds"])])
        ])
        let deriveStep: JSONValue = .object([
            "type": "object", "additionalProperties": false, "required": .array(["derive"]),
            "properties": .object([
                "derive": .object([
                    "type": "object", "minProperties": .number(1), "description": "new columns, each NAME: EXPRESSION",
                    "additionalProperties": .object(["type": .array(["string", "number"])])
                ])
            ])
        ])
        let dataSet: JSONValue = .object([
            "oneOf": .array([
                .object(["type": "string", "description": "path of a CSV/TSV (optionally .gz), Stata, SPSS or SAS file, relative to the config"]),
                .object([
                    "type": "object", "additionalProperties": false, "required": .array(["path"]),
                    "properties": .object([
                        "path": .object(["type": "string", "description": "the file, relative to the config"]),
                        "categorical": .object(["type": "array", "items": .object(["type": "string"]), "description": "columns read as categories"]),
                        "missing": .object(["type": "array", "items": .object(["type": "string"]), "description": "extra missing-value tokens"]),
                        "delimiter": .object(["enum": .array([",", ";", "|", "tab"])]),
                        "encoding": .object(["enum": .array(CSVOptions.TextEncoding.allCases.map { .string($0.rawValue) })]),
                        "dates": .object(["type": "array", "items": .object(["type": "string"]), "description": "columns holding dates"]),
                        "unit": .object(["type": "string", "description": "the unit column of a panel (for lag and lead in prepare)"]),
                        "time": .object(["type": "string", "description": "the numeric time column of a panel (for lag and lead in prepare)"]),
                        "prepare": .object([
                            "type": "array", "description": "joins, filters and derived columns applied in order after reading",
                            "items": .object(["oneOf": .array([joinStep, filterStep, deriveStep])])
                        ])
                    ])
                ])
            ])
        ])
        let analyses: [JSONValue] = all.map { method in
            var properties: [String: JSONValue] = [
                "name": .object(["type": "string", "description": "the analysis's name (its output folder)"]),
                "method": .object(["enum": .array(method.names.map { .string($0) }), "description": .string(method.summary)]),
                "data": .object(["type": "string", "description": "the data set it uses (a name under 'data')"]),
                "description": .object(["type": "string", "description": "a sentence shown in the report"])
            ]
            var required: [JSONValue] = ["name", "method", "data"]
            for key in keys(of: method) {
                properties[key.name] = key.jsonSchema
                if key.isRequired { required.append(.string(key.name)) }
            }
            return .object([
                "type": "object", "title": .string(method.names.joined(separator: ", ")), "additionalProperties": false,
                "properties": .object(properties), "required": .array(required)
            ])
        }
        return .object([
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://impacteval.invalid/schema/config.json",
            "title": "ImpactEval config",
            "description": .string("An ImpactEval config (impact run CONFIG). Generated by `impact schema` from ImpactEval \(ImpactEvalVersion.string)."),
            "type": "object", "additionalProperties": false, "required": .array(["data", "analyses"]),
            "properties": .object([
                "version": .object(["description": "the config format's version"]),
                "title": .object(["type": "string", "description": "the report's title"]),
                "seed": .object(["type": "integer", "minimum": .number(0), "description": "master seed; each analysis derives its own"]),
                "data": .object(["type": "object", "minProperties": .number(1), "additionalProperties": dataSet]),
                "analyses": .object(["type": "array", "minItems": .number(1), "items": .object(["oneOf": .array(analyses)])])
            ])
        ])
    }

    /// The schema as JSON text (keys sorted, two-space indentation).
    public static var configSchemaText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(configSchema), as: UTF8.self) + "\n"
    }
}
