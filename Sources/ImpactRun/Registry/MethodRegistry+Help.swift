import Foundation

extension MethodRegistry {
    /// `impact help METHOD`: the method's summary, then every key it takes with its type, choices, default
    /// and meaning, read from the same declarations the decoder and `impact schema` use. Nil for an
    /// unknown method name.
    public static func help(for name: String) -> String? {
        guard let method = method(named: name) else { return nil }
        var lines = ["method: \(method.names.joined(separator: ", ")) — \(method.summary)", ""]
        let common: [(String, String, String)] = [
            ("name", "a string", "the analysis's name (its output folder); required"),
            ("method", "a string", "\(method.names.joined(separator: " or ")); required"),
            ("data", "a string", "the data set it uses (a name under 'data'); required"),
            ("description", "a string", "a sentence shown in the report")
        ]
        let keys = keys(of: method)
        let width = max(12, (common.map(\.0) + keys.map(\.name)).map(\.count).max() ?? 0) + 2
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        lines.append("Keys of every analysis:")
        for (key, type, meaning) in common { lines.append("  " + pad(key) + "\(type): \(meaning)") }
        lines.append("")
        lines.append("Keys of '\(name)':")
        for key in keys {
            var type = key.expected
            if let choices = key.choices { type = "one of " + choices.joined(separator: ", ") + (type.hasPrefix("a list") ? " (or a list)" : "") }
            let meaning = key.isRequired ? "\(key.help); required" : "\(key.help) (default: \(key.defaultText))"
            lines.append("  " + pad(key.name) + type)
            lines.append("  " + pad("") + meaning)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
