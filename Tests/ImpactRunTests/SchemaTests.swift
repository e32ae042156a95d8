import Foundation
import TestSupport
import Testing
import Yams

@testable import ImpactRun

/// The config JSON Schema (`impact schema`, shipped as `Schemas/impacteval-config.schema.json`).
@Suite("Config JSON Schema")
struct SchemaTests {
    static func schema() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(MethodRegistry.configSchemaText.utf8)) as! [String: Any]
    }

    @Test("the shipped schema is the one the registry generates")
    func shipped() throws {
        let shipped = try String(contentsOf: TestData.root.appendingPathComponent("Schemas/impacteval-config.schema.json"), encoding: .utf8)
        #expect(shipped == MethodRegistry.configSchemaText, "regenerate with: swift run -c release impact schema > Schemas/impacteval-config.schema.json")
    }

    @Test("the README names every key each method declares (the declarations are the source; the README must keep up)")
    func readmeCoversDeclaredKeys() throws {
        let readme = try String(contentsOf: TestData.root.appendingPathComponent("README.md"), encoding: .utf8)
        for method in MethodRegistry.all {
            for key in MethodRegistry.keys(of: method) {
                #expect(readme.contains("`\(key.name)`"), "README does not mention `\(key.name)` of \(method.names[0])")
            }
        }
    }

    @Test("one alternative per method with every declared key, its choices and its required keys; unknown keys refused")
    func methods() throws {
        let analyses = try #require((try Self.schema()["properties"] as? [String: Any])?["analyses"] as? [String: Any])
        let alternatives = try #require((analyses["items"] as? [String: Any])?["oneOf"] as? [[String: Any]])
        #expect(alternatives.count == MethodRegistry.all.count)
        for (method, alternative) in zip(MethodRegistry.all, alternatives) {
            let properties = try #require(alternative["properties"] as? [String: Any])
            let declared = MethodRegistry.keys(of: method)
            #expect(Set(properties.keys) == Set(declared.map(\.name) + AnalysisSpec.commonKeys), "\(method.names)")
            #expect(alternative["additionalProperties"] as? Bool == false)
            let required = Set(alternative["required"] as? [String] ?? [])
            #expect(required == Set(declared.filter(\.isRequired).map(\.name) + ["name", "method", "data"]))
            for key in declared {
                guard let choices = key.choices, !key.expected.hasPrefix("a list") else { continue }
                let schema = try #require(properties[key.name] as? [String: Any])
                #expect(schema["enum"] as? [String] == choices, "\(method.names[0]).\(key.name)")
            }
        }
    }

    @Test("each method's inference key offers only the names it accepts, in the schema and in impact help")
    func inferenceNames() throws {
        let analyses = try #require((try Self.schema()["properties"] as? [String: Any])?["analyses"] as? [String: Any])
        let alternatives = try #require((analyses["items"] as? [String: Any])?["oneOf"] as? [[String: Any]])
        /// Every `enum` list inside a schema value.
        func enums(_ value: Any) -> [[String]] {
            if let object = value as? [String: Any] {
                let own = (object["enum"] as? [String]).map { [$0] } ?? []
                return own + object.values.flatMap(enums)
            }
            if let list = value as? [Any] { return list.flatMap(enums) }
            return []
        }
        let expected: [String: [String]] = [
            "ols": ["classical", "hc0", "hc1", "hc2", "hc3", "cr0", "cr1", "cr2", "wild"],
            "match": ["cr1", "hc1"], "weight": ["hc0", "hc1", "hc2", "hc3"], "event-study": ["cr1", "cr0", "hc1"],
            "synth": ["placebo", "conformal", "prediction-intervals", "none"], "augsynth": ["placebo", "conformal", "none"],
            "sdid": ["placebo", "jackknife", "conformal", "none"], "multisynth": ["jackknife", "bootstrap", "none"]
        ]
        for (method, names) in expected {
            let alternative = try #require(
                alternatives.first { ((($0["properties"] as? [String: Any])?["method"] as? [String: Any])?["enum"] as? [String])?.contains(method) == true })
            let inference = try #require((alternative["properties"] as? [String: Any])?["inference"])
            let lists = enums(inference)
            #expect(!lists.isEmpty && lists.allSatisfy { $0 == names }, "\(method): \(lists)")
            let help = try #require(MethodRegistry.help(for: method))
            #expect(help.contains("one of " + names.joined(separator: ", ")), "\(method)")
        }
    }

    @Test("impact help METHOD lists every key with its type, default and meaning")
    func methodHelp() throws {
        let did = try #require(MethodRegistry.help(for: "did"))
        for key in MethodRegistry.keys(of: MethodRegistry.method(named: "did")!) {
            #expect(did.contains("  \(key.name) "), "did: \(key.name)")
            #expect(did.contains(key.help), "did: \(key.name)'s help")
            #expect(key.isRequired ? did.contains("\(key.help); required") : did.contains("(default: \(key.defaultText))"))
        }
        #expect(did.contains("estimator") && did.contains("one of dr, ipw, reg, imputation"))
        #expect(MethodRegistry.help(for: "regression") == nil)
        for name in MethodRegistry.names { #expect(MethodRegistry.help(for: name) != nil) }
    }

    @Test("every example config uses only keys the schema declares for its method")
    func examples() throws {
        let analyses = try #require((try Self.schema()["properties"] as? [String: Any])?["analyses"] as? [String: Any])
        let alternatives = try #require((analyses["items"] as? [String: Any])?["oneOf"] as? [[String: Any]])
        let files = try FileManager.default.contentsOfDirectory(atPath: TestData.root.appendingPathComponent("Examples").path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 6)
        for file in files {
            let yaml = try String(contentsOf: TestData.example(file), encoding: .utf8)
            let config = try #require(try Yams.load(yaml: yaml) as? [String: Any])
            for analysis in try #require(config["analyses"] as? [[String: Any]]) {
                let method = try #require(analysis["method"] as? String)
                let alternative = try #require(
                    alternatives.first { (($0["properties"] as? [String: Any])?["method"] as? [String: Any])?["enum"] as? [String] ?? [] == [method] }
                        ?? alternatives.first {
                            ((($0["properties"] as? [String: Any])?["method"] as? [String: Any])?["enum"] as? [String])?.contains(method) == true
                        })
                let properties = try #require(alternative["properties"] as? [String: Any])
                for key in analysis.keys { #expect(properties[key] != nil, "\(file): \(method) key '\(key)' is not in the schema") }
            }
        }
    }
}
