import Regression
import Tabular

/// The keys that describe a linear model's terms, declared once for every method that fits one
/// (`ols`/`wls`, `quantile`): a `formula` in fixest's syntax, or `outcome`, `covariates`, `factors`,
/// `reference` and `intercept`. A method that absorbs fixed effects adds its own `absorb` key.
public struct ModelKeys: KeySet {
    let formula = OptionalKey<String>(
        "formula",
        "the model in fixest's syntax, e.g. 'y ~ x1 + x2 + x1:x2 + i(region) | school + year' (instead of outcome, covariates, factors, intercept, absorb)")
    let outcome = OptionalKey<String>("outcome", "outcome column", column: .numeric, default: "required unless 'formula'")
    let covariates = CommonKeys.covariates
    let factors = CommonKeys.factors
    let reference = DefaultedKey<[String: String]>("reference", "reference level per factor, e.g. {region: London}", default: [:])
    let intercept = DefaultedKey<Bool>("intercept", "include an intercept", default: true)
    public init() {}
}

/// A model's terms as the config gives them, read through `ModelKeys`.
public struct ModelTerms: Sendable {
    public var outcome: String
    /// The right-hand side as written in `formula`, with the highlighted treatment first; nil with keys.
    public var formulaTerms: [ModelTerm]?
    /// The numeric covariates other than the treatment.
    public var covariates: [String]
    public var factors: [String]
    public var reference: [String: String]
    public var intercept: Bool
    public var absorb: [String]

    /// The library's model: the treatment first, then the covariates and factors (or the formula's terms).
    public func specification(treatment: String?) -> ModelSpecification {
        ModelSpecification(
            outcome: outcome,
            terms: formulaTerms ?? ((treatment.map { [$0] } ?? []) + covariates).map(ModelTerm.numeric) + factors.map(ModelTerm.factor),
            referenceLevels: reference, intercept: intercept, absorb: absorb)
    }
}

extension SettingsReader {
    /// Reads a `ModelKeys` group: the formula (its parse errors pointed at the token) or the separate keys,
    /// never both. `treatment` is the method's key for a highlighted treatment (a numeric term of a formula,
    /// entered first), or nil; `absorb` is its key for absorbed factors, or nil where the method takes none
    /// (then a formula's `| …` part is refused).
    public func model(
        _ group: KeyPath<Keys, ModelKeys>, treatment treatmentKey: KeyPath<Keys, OptionalKey<String>>?,
        absorb: KeyPath<Keys, DefaultedKey<[String]>>?, method: String
    ) throws -> ModelTerms {
        let formulaKey = group.appending(path: \.formula)
        let treatment = try treatmentKey.map { try self($0) } ?? nil
        let reference = try self(group.appending(path: \.reference))
        guard let text = try self(formulaKey) else {
            guard let outcome = try self(group.appending(path: \.outcome)) else {
                throw issue("an analysis with method '\(method)' needs 'outcome' (or a 'formula')")
            }
            let covariates = try self(group.appending(path: \.covariates))
            if covariates.contains(outcome) {
                throw issue(group.appending(path: \.covariates), "'\(outcome)' is the outcome; it cannot also be on the right-hand side")
            }
            if let treatmentKey, treatment == outcome {
                throw issue(treatmentKey, "'\(outcome)' is the outcome; it cannot also be on the right-hand side")
            }
            return ModelTerms(
                outcome: outcome, formulaTerms: nil, covariates: covariates,
                factors: try self(group.appending(path: \.factors)), reference: reference, intercept: try self(group.appending(path: \.intercept)),
                absorb: try absorb.map { try self($0) } ?? [])
        }
        let f: ModelFormula
        do { f = try ModelFormula.parse(text) } catch {
            let pointer = ExpressionError(error.message, range: (error.position - 1)..<(error.position - 1 + max(1, error.token.count)))
            throw issue(formulaKey, pointer.pointing(into: text), atCharacter: error.position - 1)
        }
        let conflicting: [(String, Bool)] = [
            ("outcome", has(group.appending(path: \.outcome))), ("covariates", has(group.appending(path: \.covariates))),
            ("factors", has(group.appending(path: \.factors))), ("intercept", has(group.appending(path: \.intercept))),
            ("absorb", absorb.map { has($0) } ?? false)
        ]
        if let (key, _) = conflicting.first(where: \.1) {
            throw issue(formulaKey, "'\(key)' and 'formula' both describe the model; keep the formula or the keys")
        }
        if absorb == nil && !f.absorb.isEmpty {
            throw issue(formulaKey, "'\(method)' absorbs no fixed effects; enter them as factors, i(\(f.absorb[0]))")
        }
        if f.terms.flatMap(\.columnsUsed).contains(f.outcome) {
            throw issue(formulaKey, "'\(f.outcome)' is the outcome; it cannot also be on the right-hand side")
        }
        if let treatmentKey, let treatment, !f.terms.contains(.numeric(treatment)) {
            throw issue(treatmentKey, "'\(treatment)' is not a numeric term of the formula; add it there to highlight it")
        }
        // The treatment first, as with the keys; the rest in the formula's order.
        let terms = treatment.map { t in [ModelTerm.numeric(t)] + f.terms.filter { $0 != .numeric(t) } } ?? f.terms
        var factorColumns: [String] = []
        for c in f.terms.flatMap(\.factors) where !factorColumns.contains(c) { factorColumns.append(c) }
        var numericColumns: [String] = []
        for c in [f.outcome] + f.terms.flatMap(\.columnsUsed) where !factorColumns.contains(c) && !numericColumns.contains(c) { numericColumns.append(c) }
        requireColumns("formula", numericColumns, role: .numeric)
        requireColumns("formula", factorColumns + f.absorb, role: .any)
        let covariates = f.terms.compactMap { term -> String? in if case .numeric(let c) = term, c != treatment { c } else { nil } }
        return ModelTerms(
            outcome: f.outcome, formulaTerms: terms, covariates: covariates, factors: factorColumns, reference: reference, intercept: f.intercept,
            absorb: f.absorb)
    }
}
