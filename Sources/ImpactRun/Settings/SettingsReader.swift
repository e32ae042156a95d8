/// Reads one analysis's settings through its method's declared keys.
///
/// Every value is decoded by the key's type, checked against the key's rule, and, for keys that
/// name columns, recorded as a column requirement. Reading a key that is not declared is a
/// programming error caught by the tests (every method decodes a config with all of its keys).
public final class SettingsReader<Keys: KeySet> {
    let mapping: StrictMapping
    let keys = Keys()
    /// Columns named by the keys read so far, for the data checks.
    public private(set) var columns: [ColumnRequirement] = []

    init(_ mapping: StrictMapping) { self.mapping = mapping }

    /// A required value.
    public func callAsFunction<V>(_ key: KeyPath<Keys, RequiredKey<V>>) throws -> V {
        let k = keys[keyPath: key]
        guard mapping.has(k.name) else {
            throw mapping.issue("missing required key '\(k.name)' (\(V.expected))")
        }
        return try read(k.declaration)!
    }

    /// An optional value: nil when absent or null.
    public func callAsFunction<V>(_ key: KeyPath<Keys, OptionalKey<V>>) throws -> V? {
        try read(keys[keyPath: key].declaration)
    }

    /// A value or its default.
    public func callAsFunction<V>(_ key: KeyPath<Keys, DefaultedKey<V>>) throws -> V {
        let k = keys[keyPath: key]
        return try read(k.declaration) ?? k.defaultValue
    }

    /// The panel columns `unit`, `time` and `outcome` of a `PanelKeys` group.
    public func panel(_ group: KeyPath<Keys, PanelKeys>) throws -> (unit: String, time: String, outcome: String) {
        (try self(group.appending(path: \.unit)), try self(group.appending(path: \.time)), try self(group.appending(path: \.outcome)))
    }

    /// Whether the config gives `key` (with a non-null value).
    public func has<K: AnySettingKey>(_ key: KeyPath<Keys, K>) -> Bool { isGiven(keys[keyPath: key].name) }

    /// Whether the config gives key `name` a value (not null).
    private func isGiven(_ name: String) -> Bool {
        mapping.has(name) && (try? mapping.container.decodeNil(forKey: AnyKey(name))) != true
    }

    /// A problem with the value of `key`, located at it.
    public func issue<K: AnySettingKey>(_ key: KeyPath<Keys, K>, _ message: String) -> DecodingIssue {
        mapping.issue(keys[keyPath: key].name, message)
    }

    /// A problem at a character of `key`'s text (0-based `offset`): the config error's column is that character's.
    public func issue<K: AnySettingKey>(_ key: KeyPath<Keys, K>, _ message: String, atCharacter offset: Int) -> DecodingIssue {
        var issue = mapping.issue(keys[keyPath: key].name, message)
        issue.columnOffset = offset
        return issue
    }

    /// A problem with the value of the key named `name`, for errors a library reports by its own names for
    /// its inputs (the method maps them to its keys).
    public func issue(named name: String, _ message: String) -> DecodingIssue { mapping.issue(name, message) }

    /// A problem with the analysis as a whole.
    public func issue(_ message: String) -> DecodingIssue { mapping.issue(message) }

    /// Refuses every key of `group` the config gives, for settings that apply only under `condition`
    /// (e.g. `'inference: conformal'`): an error naming the first, in declaration order.
    public func refuseGiven<G: KeySet>(_ group: KeyPath<Keys, G>, appliesTo condition: String) throws {
        for key in keys[keyPath: group].declaredKeys where isGiven(key.name) {
            throw issue("'\(key.name)' applies to \(condition)")
        }
    }

    /// Adds column requirements that no key declares directly (e.g. the variables inside `predictors`).
    public func requireColumns(_ key: String, _ names: [String], role: ColumnRole) {
        columns += ColumnRequirement.list(key, names, numeric: role == .numeric)
    }

    private func read<V>(_ k: KeyDeclaration<V>) throws -> V? {
        guard mapping.has(k.name) else { return nil }
        let key = AnyKey(k.name)
        if (try? mapping.container.decodeNil(forKey: key)) == true { return nil }
        let value: V
        do {
            value = try V.decode(try mapping.container.superDecoder(forKey: key))
        } catch let issue as DecodingIssue {
            throw issue
        } catch {
            throw mapping.issue(k.name, "expected \(V.expected)")
        }
        if let message = k.rule?(value) { throw mapping.issue(k.name, message) }
        if let requirements = k.requirements?(value) { columns += requirements }
        return value
    }
}
