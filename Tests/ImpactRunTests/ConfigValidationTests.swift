import Foundation
import SyntheticControlMethods
import TestSupport
import Testing

@testable import ImpactRun

/// Parses config text as if it were a file in `Examples/` (so `../Datasets/…` resolves).
func parseExample(_ text: String) throws(ConfigError) -> Config {
    try ConfigLoader.parse(text: text, path: TestData.example("test.yaml").path)
}

let validConfig = """
    seed: 7
    data:
      nsw: ../Datasets/nsw_dehejia_wahba_445.tsv
    analyses:
      - name: a
        method: ols
        data: nsw
        outcome: re78
        treatment: t
        covariates: [age, educ]
    """

@Suite("Config validation")
struct ConfigValidationTests {
    @Test("a valid config decodes with defaults filled in")
    func valid() throws {
        let c = try parseExample(validConfig)
        #expect(c.seed == 7)
        #expect(c.analyses.count == 1)
        let s = try #require(c.analyses[0].settings as? RegressionAnalysis)
        #expect(s.intercept == true && s.level == 0.95)
        #expect(s.inference == [.classical, .hc1])
        #expect(c.data[0].url.path.hasSuffix("Datasets/nsw_dehejia_wahba_445.tsv"))
        let data = try DataLoader.load(c)
        #expect(data["nsw"]?.table.rowCount == 445)
    }

    @Test("an unknown key is named, with its line, key path and a suggestion")
    func unknownKey() {
        let text = validConfig.replacingOccurrences(of: "covariates:", with: "covariate:")
        #expect {
            try parseExample(text)
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.line == 10 && e.path == "analyses[0].covariate"
                && e.message.contains("unknown key 'covariate'") && e.message.contains("did you mean 'covariates'?")
                && e.description.hasPrefix(TestData.example("test.yaml").path + ":10:")
        }
    }

    @Test("an unknown top-level key is an error too")
    func unknownTopLevel() {
        #expect(throws: ConfigError.self) { try parseExample("seeds: 3\n" + validConfig) }
    }

    @Test("a wrong type names what was expected")
    func wrongType() {
        let text = validConfig.replacingOccurrences(of: "covariates: [age, educ]", with: "covariates: {a: 1}")
        #expect {
            try parseExample(text)
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.path == "analyses[0].covariates" && e.message.contains("a list of strings") && e.line == 10
        }
    }

    @Test("a wrong scalar type: seed must be a whole number")
    func wrongScalar() {
        #expect {
            try parseExample(validConfig.replacingOccurrences(of: "seed: 7", with: "seed: seven"))
        } throws: { error in
            (error as? ConfigError)?.path == "seed" && (error as? ConfigError)?.message.contains("whole number") == true
        }
    }

    @Test("an unknown method suggests the nearest one")
    func unknownMethod() {
        #expect {
            try parseExample(validConfig.replacingOccurrences(of: "method: ols", with: "method: olss"))
        } throws: { error in
            let d = "\(error)"
            return d.contains("'olss' is not a valid value") && d.contains("did you mean 'ols'?")
        }
    }

    @Test("missing required keys and bad values are named")
    func missingRequired() {
        #expect(throws: ConfigError.self) { try parseExample(validConfig.replacingOccurrences(of: "    outcome: re78\n", with: "")) }
        #expect {
            try parseExample(validConfig + "\n    inference: [hc5]")
        } throws: { "\($0)".contains("'hc5' is not a valid value (did you mean 'hc0'?)") }
        #expect {
            try parseExample(validConfig + "\n    inference: [cr1]")
        } throws: { "\($0)".contains("needs a 'cluster' column") }
        #expect {
            try parseExample(validConfig + "\n    inference: placebo")
        } throws: { "\($0)".contains("'placebo' is not available for ols/wls") }
        #expect {
            try parseExample(validConfig + "\n    variance: [hc1]")
        } throws: { "\($0)".contains("'variance' is spelled 'inference' since ImpactEval 0.2") }
        // One spelling per concept (0.3): each old key names its replacement where the method has it.
        #expect {
            try parseExample(validConfig + "\n    absorb: [educ]\n    fixed_effects: true")
        } throws: { "\($0)".contains("'fixed_effects' is spelled 'write_fixed_effects' since ImpactEval 0.3") }
        #expect {
            try parseExample(matchConfig.replacingOccurrences(of: "method: match", with: "method: weight") + "\n    weighting: entropy\n    variances: true")
        } throws: { "\($0)".contains("'variances' is spelled 'moments' since ImpactEval 0.3") }
        #expect {
            try parseExample(
                synthConfig.replacingOccurrences(of: "method: synth", with: "method: sdid").components(separatedBy: "\n    predictors:")[0]
                    + "\n    inference: conformal\n    draws: 500")
        } throws: { "\($0)".contains("'draws' is spelled 'replications' since ImpactEval 0.3") }
        #expect {
            try parseExample(validConfig + "\n    level: 95")
        } throws: { "\($0)".contains("between 0 and 1") }
    }

    @Test("duplicate keys and YAML syntax errors carry a line number")
    func yamlErrors() {
        #expect {
            try parseExample(validConfig + "\n    outcome: re74")
        } throws: { ($0 as? ConfigError)?.message.contains("duplicate key(s) 'outcome'") == true }
        #expect {
            try parseExample("data: [unclosed\nanalyses: []")
        } throws: { ($0 as? ConfigError)?.line != nil }
    }

    @Test("analysis names must be unique and data references must exist")
    func references() {
        let twice = validConfig + "\n" + validConfig.components(separatedBy: "analyses:\n")[1]
        #expect { try parseExample(twice) } throws: { "\($0)".contains("already used by analyses[0]") }
        #expect {
            try parseExample(validConfig.replacingOccurrences(of: "data: nsw", with: "data: nws"))
        } throws: { "\($0)".contains("no data set named 'nws' (did you mean 'nsw'?)") }
    }

    @Test("a missing column is named with the data set, key and a suggestion; all such errors are reported")
    func missingColumn() throws {
        let c = try parseExample(validConfig.replacingOccurrences(of: "[age, educ]", with: "[agee, educ, black2]"))
        #expect {
            try DataLoader.load(c)
        } throws: { error in
            guard let e = error as? ConfigErrors else { return false }
            return e.errors.count == 2
                && e.errors[0].path == "analyses[0].covariates[0]"
                && e.errors[0].message.contains("column 'agee' is not in data set 'nsw'")
                && e.errors[0].message.contains("did you mean 'age'?")
                && e.errors[1].message.contains("'black2'")
        }
    }

    @Test("a missing data file names the resolved path")
    func missingFile() throws {
        let c = try parseExample(validConfig.replacingOccurrences(of: "nsw_dehejia_wahba_445.tsv", with: "nope.tsv"))
        #expect {
            try DataLoader.load(c)
        } throws: { "\($0)".contains("Datasets/nope.tsv' does not exist") }
    }

    @Test("data sets declare their encoding and delimiter; a wrong encoding names the line")
    func encodingAndDelimiter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("impact-encoding-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Latin-1, semicolon-separated, as a French or German spreadsheet export: "Ecole Saint-Andr\u{E9}".
        var bytes = Array("nom;n\nEcole A;1\nEcole Saint-Andr".utf8) + [0xE9] + Array(";2\n".utf8)
        bytes += Array("Coll".utf8) + [0xE8] + Array("ge;3\n".utf8)
        let file = folder.appendingPathComponent("ecoles.csv")
        try Data(bytes).write(to: file)
        func config(_ options: String) throws -> Config {
            try parseExample(
                """
                seed: 1
                data:
                  ecoles: {path: \(file.path)\(options)}
                analyses:
                  - name: a
                    method: ols
                    data: ecoles
                    outcome: n
                    factors: [nom]
                """)
        }
        let latin1 = try DataLoader.load(try config(", encoding: latin1, delimiter: ';'"))["ecoles"]!
        #expect(try latin1.table.strings("nom") == ["Ecole A", "Ecole Saint-Andr\u{E9}", "Coll\u{E8}ge"])
        #expect(latin1.table.sourceEncoding == "latin1")
        #expect {
            try DataLoader.load(try config(", encoding: utf-8"))
        } throws: { "\($0)".contains("line 3 is not valid UTF-8") }
        #expect(throws: (any Error).self) { try config(", delimiter: ':'") }
        // A date column that is not a date is named with its line.
        #expect {
            try DataLoader.load(try config(", encoding: latin1, delimiter: ';', dates: [nom]"))
        } throws: { "\($0)".contains("dates: column 'nom', row 1 (line 2 of the file) holds 'Ecole A'; expected an ISO date") }
        #expect(throws: (any Error).self) { try config(", encoding: ebcdic") }
    }

    @Test("a folder given as data or as the config says so")
    func folders() throws {
        let c = try parseExample(validConfig.replacingOccurrences(of: "../Datasets/nsw_dehejia_wahba_445.tsv", with: "../Datasets"))
        #expect {
            try DataLoader.load(c)
        } throws: { "\($0)".contains("is a folder; give the path of a CSV or TSV file") }
        #expect {
            try ConfigLoader.load(path: TestData.example("").path)
        } throws: { "\($0)".contains("it is a folder, not a YAML file") }
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-4 example vectors.
    @Test("standard vectors")
    func vectors() {
        #expect(Fingerprint.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Fingerprint.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Fingerprint.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Fingerprint.sha256(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("the bundled NSW file hashes as documented in Datasets/README.md")
    func datasetHash() throws {
        let data = try Data(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
        #expect(Fingerprint.sha256(data) == "c98677daee7f16fda29967d13e74d0ce26b0e98fe80574a03d818cc9a1b1c295")
    }
}

let matchConfig = """
    data:
      lalonde: ../Datasets/lalonde_matchit.csv
    analyses:
      - name: psm
        method: match
        data: lalonde
        treatment: treat
        covariates: [age, educ, re74]
    """

@Suite("Config validation: matching and weighting")
struct MatchingConfigTests {
    @Test("defaults: nearest neighbour on a logit score, 1:1 without replacement")
    func defaults() throws {
        let c = try parseExample(matchConfig)
        let s = try #require(c.analyses[0].settings as? MatchingAnalysis)
        guard case .nearest(let m) = s.specification.design else {
            Issue.record("expected nearest-neighbour matching")
            return
        }
        #expect(m.ratio == 1 && !m.replace && m.caliper == nil)
        #expect(m.link == .logit && m.usePropensityScore)
    }

    @Test("options that do not apply to the chosen matching are named")
    func inapplicable() {
        #expect { try parseExample(matchConfig + "\n    cutpoints: {age: 4}") } throws: { "\($0)".contains("'cutpoints' applies only to 'matching: cem'") }
        #expect { try parseExample(matchConfig + "\n    matching: cem\n    caliper: 0.2") } throws: {
            "\($0)".contains("'caliper' applies to 'matching: nearest'")
        }
        #expect { try parseExample(matchConfig + "\n    adjust: [age]") } throws: { "\($0)".contains("need an 'outcome'") }
        #expect { try parseExample(matchConfig + "\n    replace: true\n    outcome: re78\n    inference: cr1") } throws: { "\($0)".contains("use hc1") }
        #expect { try parseExample(matchConfig + "\n    distance: mahalanobis\n    caliper: 0.1") } throws: {
            "\($0)".contains("no propensity score for a caliper")
        }
    }

    @Test("weighting options are checked, and the estimand defaults depend on the weighting")
    func weighting() throws {
        let text = matchConfig.replacingOccurrences(of: "method: match", with: "method: weight")
        let ipw = try #require(try parseExample(text).analyses[0].settings as? WeightingAnalysis)
        #expect(ipw.specification.design.estimand == .ate)
        let eb = try #require(try parseExample(text + "\n    weighting: entropy").analyses[0].settings as? WeightingAnalysis)
        #expect(eb.specification.design.estimand == .att)
        #expect { try parseExample(text + "\n    moments: 2") } throws: { "\($0)".contains("'moments' applies only to 'weighting: entropy'") }
        #expect { try parseExample(text + "\n    estimand: atx") } throws: {
            "\($0)".contains("'atx' is not a valid value (did you mean 'att'?); expected one of: att, atc, ate")
        }
    }

    @Test("a matching config runs end to end and writes balance, sample and love plot")
    func run() throws {
        let c = try parseExample(matchConfig + "\n    outcome: re78")
        let out = try Runner.run(c, threads: 1)
        let files = try OutputWriter.render(out, command: ["test"], threads: 1).map(\.0)
        #expect(
            files.contains("psm/balance.csv") && files.contains("psm/matched_sample.csv") && files.contains("psm/love_plot.svg")
                && files.contains("psm/effects.csv"))
    }
}

let synthConfig = """
    data:
      smoking: ../Datasets/california_prop99_smoking.csv
    analyses:
      - name: prop99
        method: synth
        data: smoking
        unit: state
        time: year
        outcome: cigsale
        treated: California
        adoption: 1989
        predictors:
          - {variable: retprice, periods: {from: 1980, to: 1988}}
          - {variable: cigsale, periods: [1975, 1980]}
          - {variable: cigsale, periods: 1988}
    """

@Suite("Config validation: synthetic control")
struct SyntheticControlConfigTests {
    @Test("predictor periods as ranges, lists and single years")
    func predictors() throws {
        let c = try parseExample(synthConfig)
        let s = try #require(c.analyses[0].settings as? SyntheticControlAnalysis)
        #expect(s.predictors.map(\.periods) == [Array(stride(from: 1980.0, through: 1988, by: 1)), [1975, 1980], [1988]])
        #expect(s.placebo && s.randomStarts == 1 && s.adoption == nil)
        if case .optimized = s.predictorWeights {} else { Issue.record("expected optimized V") }
    }

    @Test("single-unit and staggered keys are not mixed; staggered designs need an adoption column")
    func modes() {
        #expect { try parseExample(synthConfig + "\n    aggregation: cohort") } throws: { "\($0)".contains("'aggregation' applies to staggered designs") }
        // One key for when treatment starts: a period with 'treated', a column for staggered designs.
        let staggered = synthConfig.replacingOccurrences(of: "    adoption: 1989\n", with: "    adoption: first_year\n")
        #expect { try parseExample(staggered) } throws: { "\($0)".contains("'treated' applies to a single treated unit") }
        let periodOnly = synthConfig.replacingOccurrences(of: "    treated: California\n", with: "")
        #expect { try parseExample(periodOnly) } throws: { "\($0)".contains("'adoption: 1989' is a period: name the treated unit") }
        let neither = periodOnly.replacingOccurrences(of: "    adoption: 1989\n", with: "")
        #expect { try parseExample(neither) } throws: { "\($0)".contains("name the treated unit") }
        #expect {
            try parseExample(synthConfig.replacingOccurrences(of: "    adoption: 1989\n", with: "    treatment_time: 1989\n"))
        } throws: { "\($0)".contains("'treatment_time' is spelled 'adoption' since ImpactEval 0.3") }
        #expect { try parseExample(synthConfig + "\n    predictor_weights: [1, 2]") } throws: { "\($0)".contains("2 custom weight(s) for 3 predictor(s)") }
        #expect {
            try parseExample(synthConfig.replacingOccurrences(of: "{variable: cigsale, periods: 1988}", with: "{variable: cigsale, period: 1988}"))
        } throws: { "\($0)".contains("unknown key 'period' in a predictor (did you mean 'periods'?)") }
    }

    /// Adoption times outside the panel are a coding mistake, named with the likely fix.
    @Test("a 0/1 indicator, a time-varying column or dates outside the panel are refused under the 'adoption' key with a hint")
    func adoptionRange() throws {
        func staggered(_ column: String, data: String = "../Datasets/mpdta.csv", unit: String = "countyreal", outcome: String = "lemp") -> String {
            """
            data:
              panel: \(data)
            analyses:
              - name: s
                method: synth
                data: panel
                unit: \(unit)
                time: year
                outcome: \(outcome)
                adoption: \(column)
                replications: 0
            """
        }
        #expect { try Runner.run(try parseExample(staggered("treat")), threads: 1) } throws: {
            "\($0)".contains("analyses[0].adoption: unit '12007' adopts at 1, not after the first period 2003")
                && "\($0)".contains("looks like a 0/1 indicator")
        }
        #expect { try Runner.run(try parseExample(staggered("year")), threads: 1) } throws: {
            "\($0)".contains("unit '8001' has two adoption times in 'year' (2003 and 2004)")
        }
        // A small panel in which unit u5 adopts in the first period, or after the last one.
        let dir = TestData.temporaryDirectory()
        for (adopts, message) in [(2001, "adopts at 2001, not after the first period 2001"), (2009, "adopts at 2009, after the last period 2004")] {
            var csv = "unit,year,y,first\n"
            for u in 0..<6 {
                for t in 2001...2004 { csv += "u\(u),\(t),\(u * t % 7),\(u == 0 ? 2003 : u == 5 ? adopts : 0)\n" }
            }
            try Data(csv.utf8).write(to: dir.appendingPathComponent("panel.csv"))
            let config = try ConfigLoader.parse(
                text: staggered("first", data: "panel.csv", unit: "unit", outcome: "y"),
                path: dir.appendingPathComponent("c.yaml").path)
            #expect { try Runner.run(config, threads: 1) } throws: { "\($0)".contains("unit 'u5' \(message)") }
        }
    }

    @Test("augsynth and sdid accept only their own keys")
    func otherMethods() throws {
        let aug = synthConfig.replacingOccurrences(of: "method: synth", with: "method: augsynth")
        #expect { try parseExample(aug) } throws: { "\($0)".contains("unknown key 'predictors'") }
        // The synth config without its predictors, as an sdid analysis.
        let sdid = synthConfig.components(separatedBy: "\n    predictors:")[0].replacingOccurrences(of: "method: synth", with: "method: sdid")
        let s = try #require(try parseExample(sdid).analyses[0].settings as? SyntheticDiDAnalysis)
        let spec = s.specification
        guard case .placebo(let replications) = spec.inference else {
            Issue.record("expected placebo inference")
            return
        }
        #expect(spec.estimator == .syntheticDiD && replications == 200 && spec.treated == ["California"])
        #expect { try parseExample(sdid + "\n    inference: jackknife") } throws: { "\($0)".contains("the jackknife needs at least 2 treated units") }
    }

    @Test("sdid with conformal inference: the joint p-value on the effect, conformal.csv, the band, and its keys only with it")
    func sdidConformal() throws {
        let sdid = synthConfig.components(separatedBy: "\n    predictors:")[0].replacingOccurrences(of: "method: synth", with: "method: sdid")
        let text = sdid + "\n    inference: conformal\n    permutations: block\n    grid: 10"
        let out = try Runner.run(try parseExample(text), threads: 2)
        let r = try #require(out.analyses[0].result as? SyntheticDiDStudy.Result)
        let c = try #require(r.conformal)
        #expect(r.effect.pValue == c.jointPValue && r.effect.inference.kind == .permutation && c.periods.count == 12)
        // Moving-block p-values are multiples of 1/T (31 periods).
        #expect(abs(c.jointPValue * 31 - (c.jointPValue * 31).rounded()) < 1e-9)
        let files = try OutputWriter.render(out, command: ["test"], threads: 2)
        #expect(files.contains { $0.0 == "prop99/conformal.csv" })
        let svg = try #require(files.first { $0.0 == "prop99/effects.svg" }).1
        #expect(String(decoding: svg, as: UTF8.self).contains("conformal 95% intervals"))
        #expect { try parseExample(sdid + "\n    grid: 10") } throws: { "\($0)".contains("'grid' applies to 'inference: conformal'") }
    }

    @Test("a synth config runs end to end; an unknown treated unit is caught before running")
    func run() throws {
        var text = synthConfig + "\n    inference: none"
        let out = try Runner.run(try parseExample(text), threads: 2)
        let files = try OutputWriter.render(out, command: ["test"], threads: 2).map(\.0)
        for f in ["prop99/weights.csv", "prop99/gaps.csv", "prop99/predictors.csv", "prop99/path.svg", "prop99/gaps.svg", "prop99/weights.svg"] {
            #expect(files.contains(f), "\(f)")
        }
        text = text.replacingOccurrences(of: "treated: California", with: "treated: Califronia")
        #expect { try Runner.run(try parseExample(text), threads: 1) } throws: {
            "\($0)".contains("test.yaml:10:14: analyses[0].treated: unit 'Califronia' does not occur")
        }
    }
}

@Suite("Validation of units and dates")
struct UnitValidationTests {
    @Test("validate names a misspelt treated unit and a treatment time with no pre-period, with lines")
    func units() throws {
        let c = try parseExample(synthConfig.replacingOccurrences(of: "treated: California", with: "treated: Califronia"))
        #expect {
            try DataLoader.load(c)
        } throws: { error in
            guard let e = error as? ConfigErrors, e.errors.count == 1 else { return false }
            return e.errors[0].path == "analyses[0].treated" && e.errors[0].line == 10
                && e.errors[0].message.contains("unit 'Califronia' does not occur in column 'state' of 'smoking' (did you mean 'California'?)")
        }
        let early = try parseExample(synthConfig.replacingOccurrences(of: "adoption: 1989", with: "adoption: 1960"))
        #expect { try DataLoader.load(early) } throws: { "\($0)".contains("1960 leaves no period before it in column 'year' (1970–2000)") }
    }
}

@Suite("Model formulas in configs")
struct FormulaConfigTests {
    static let base = """
        data:
          nsw: ../Datasets/nsw_dehejia_wahba_445.tsv
        analyses:
          - name: adjusted
            method: ols
            data: nsw
        """

    @Test("a formula gives the same fit as the keys it replaces, and absorbs factors after '|'")
    func sameAsKeys() throws {
        let keys = try Runner.run(
            try parseExample(Self.base + "\n    outcome: re78\n    treatment: t\n    covariates: [age, educ]\n    factors: [black]"), threads: 1)
        let formula = try Runner.run(try parseExample(Self.base + "\n    formula: re78 ~ t + age + educ + i(black)\n    treatment: t"), threads: 1)
        let a = try #require(keys.analyses[0].result as? RegressionResult), b = try #require(formula.analyses[0].result as? RegressionResult)
        #expect(a.coefficients["hc1"] == b.coefficients["hc1"] && a.treatment == "t" && b.treatment == "t")
        let absorbed = try Runner.run(try parseExample(Self.base + "\n    formula: re78 ~ t + age | educ"), threads: 1)
        let c = try #require(absorbed.analyses[0].result as? RegressionResult)
        // Absorbed factors and no cluster: clustered by the first absorbed factor, as pyfixest.
        #expect(c.absorbed != nil && c.coefficients["cr1"]?.rows.map(\.term) == ["t", "age"] && c.clusteredByAbsorbedFactor == "educ")
    }

    @Test("a malformed formula, a missing column in it and a key that clashes with it are errors naming the line and token")
    func errors() throws {
        #expect { try parseExample(Self.base + "\n    formula: re78 ~ t + + age") } throws: {
            "\($0)".contains("test.yaml:7:25: analyses[0].formula: expected a column name at character 12, found '+'\n    re78 ~ t + + age\n               ^")
        }
        #expect { try parseExample(Self.base + "\n    formula: re78 ~ t\n    covariates: [age]") } throws: {
            "\($0)".contains("'covariates' and 'formula' both describe the model")
        }
        // A treatment missing from the formula is an error at the 'treatment' key, as is the outcome named as the treatment.
        #expect { try parseExample(Self.base + "\n    formula: re78 ~ age\n    treatment: t") } throws: {
            "\($0)".contains("analyses[0].treatment: 't' is not a numeric term of the formula")
        }
        #expect { try parseExample(Self.base + "\n    outcome: re78\n    treatment: re78") } throws: {
            "\($0)".contains("analyses[0].treatment: 're78' is the outcome")
        }
        let missing = try parseExample(Self.base + "\n    formula: re78 ~ t + agee")
        #expect { try DataLoader.load(missing) } throws: { "\($0)".contains("analyses[0].formula") && "\($0)".contains("'agee'") }
    }
}
