/// A problem with a configuration file, located as precisely as possible.
///
/// The description reads like a compiler diagnostic:
/// `analysis.yaml:12:5: analyses[0]: unknown key 'covariate' (did you mean 'covariates'?); expected one of: …`
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The config file's path.
    public var file: String
    /// 1-based line and column, when known.
    public var line: Int?
    public var column: Int?
    /// The key path inside the file, e.g. `analyses[0].covariates`.
    public var path: String
    /// What is wrong and what was expected.
    public var message: String

    public var description: String {
        var location = file
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Several configuration problems found at once (validation reports all it can).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
