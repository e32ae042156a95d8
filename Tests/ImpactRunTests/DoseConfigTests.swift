import DoseResponse
import Foundation
import Tabular
import TestSupport
import Testing

@testable import ImpactRun

@Suite("The dose method in configs")
struct DoseConfigTests {
    static func config(_ keys: String, data: String = "nmes: ../Datasets/nmes_causaldrf.csv", set: String = "nmes") -> String {
        """
        seed: 3
        data:
          \(data)
        analyses:
          - name: d
            method: dose
            data: \(set)
            \(keys.split(separator: "\n").joined(separator: "\n    "))
        """
    }

    @Test("Examples/dose_response.yaml runs every estimator; the contdid analysis gives the README's overall ATT and ACRT")
    func example() throws {
        let config = try ConfigLoader.load(path: TestData.example("dose_response.yaml").path)
        let output = try Runner.run(config, threads: 2)
        #expect(output.failures.isEmpty, "\(output.failures)")
        let results = output.analyses.compactMap { $0.result as? DoseResponseAnalysis.Result }
        #expect(Set(results.map(\.estimator.rawValue)) == ["gps", "weighting", "entropy", "dr", "did"])
        let did = try #require(results.first { $0.estimator == .did }?.did)
        #expect(abs(did.overallATT.estimate - -0.0265) < 5e-5 && abs(did.overallACRT.estimate - 0.1341) < 5e-5)
        let entropy = try #require(results.first { $0.estimator == .entropy }?.weighting)
        #expect(entropy.balanceAfter.rows.allSatisfy { abs($0.correlation) < 1e-6 })
        // Every curve point has an interval; the curve is written as rows of dose, estimate, lower, upper.
        for r in results { #expect(r.curve.points.allSatisfy { $0.effect.lower != nil && $0.effect.upper != nil }, "\(r.estimator)") }
        let section = try #require(output.analyses.first { $0.name == "smoking-weighting" }?.section)
        #expect(section.files.map(\.fileName).contains("curve.csv") && section.figures.map(\.fileName).contains("balance.svg"))
        #expect(section.files.map(\.fileName).contains("dose_bands.csv"))
    }

    @Test("keys of another estimator, a did without its panel keys and a confounder-free cross-section are refused with the key named")
    func refused() {
        let base = "estimator: gps\ndose: packyears\noutcome: TOTALEXP\ncovariates: [AGESMOKE]"
        for (keys, message) in [
            (base + "\nbandwidth: 2", "'bandwidth' applies only to estimator dr"),
            (base + "\nunit: RACE3", "'unit' applies only to estimator did"),
            ("estimator: did\ndose: packyears\noutcome: TOTALEXP", "needs 'unit', 'time' and 'adoption'"),
            ("estimator: entropy\ndose: packyears\noutcome: TOTALEXP", "list 'covariates' or 'factors'"),
            (base + "\ndegree: 4", "degree must be 1, 2 or 3"),
            (base + "\ncommon_support: 1", "2 to 10 dose groups"),
            (base + "\nbands: [0, 10]", "at least three cut points"),
            ("estimator: smooth\ndose: packyears\noutcome: TOTALEXP", "smooth")
        ] {
            do {
                _ = try parseExample(Self.config(keys))
                Issue.record("accepted: \(keys)")
            } catch { #expect("\(error)".contains(message), "\(keys): \(error)") }
        }
    }

    @Test("collinear covariates are named; a share needs a positive denominator (refused before fitting); doses outside the bands are named")
    func dataErrors() throws {
        let collinear = try parseExample(
            Self.config("estimator: weighting\ndose: packyears\noutcome: TOTALEXP\nfactors: [educate, SREGION]\nreplications: 0"))
        let out = try Runner.run(collinear, threads: 1)
        let failure = try #require(out.failures.first)
        #expect(failure.message.contains("collinear") && failure.message.contains("SREGION"), "\(failure.message)")
        let bands = try parseExample(
            Self.config("estimator: entropy\ndose: packyears\noutcome: TOTALEXP\ncovariates: [AGESMOKE]\nreplications: 0\nbands: [1, 10, 300]"))
        let b = try Runner.run(bands, threads: 1)
        #expect(b.failures.first?.message.contains("lies outside the bands") == true, "\(b.failures)")
        // A share: pack-years per year smoked (LASTAGE − AGESMOKE, zero for some) must have a positive denominator.
        let share = try parseExample(
            Self.config("estimator: entropy\ndose: packyears\ndose_denominator: MALE\noutcome: TOTALEXP\ncovariates: [AGESMOKE]\nreplications: 0"))
        #expect { try Runner.run(share, threads: 1) } throws: { "\($0)".contains("'MALE' is 0 in row 1: a dose share needs a positive denominator") }
    }

    @Test(
        "weights with an effective sample size below half of n warn that bootstrap intervals may be too narrow; below a tenth, that a few units carry the curve"
    )
    func effectiveSampleSize() throws {
        // NMES pack-years on these covariates: ESS about 96%, 24% and 0.08% of n (measured), one case each.
        var seen: [String] = []
        for covariates in ["[AGESMOKE]", "[LASTAGE]", "[AGESMOKE, LASTAGE, MALE]"] {
            let config = try parseExample(
                Self.config("estimator: weighting\ndose: packyears\noutcome: TOTALEXP\ncovariates: \(covariates)\nreplications: 50"))
            let output = try Runner.run(config, threads: 2)
            let analysis = try #require(output.analyses.first)
            let result = try #require(analysis.result as? DoseResponseAnalysis.Result)
            let n = Double(result.units), ess = try #require(result.weighting?.balanceAfter.effectiveSampleSize)
            let narrow = result.warnings.contains { if case .narrowEndIntervals = $0 { return true } else { return false } }
            let few = result.warnings.contains { if case .fewEffectiveUnits = $0 { return true } else { return false } }
            #expect(analysis.warnings == result.warnings.map(\.message))
            #expect(narrow == (ess >= 0.1 * n && ess < 0.5 * n), "ESS \(ess) of \(n)")
            #expect(few == (ess < 0.1 * n), "ESS \(ess) of \(n)")
            seen.append(few ? "few" : narrow ? "narrow" : "none")
        }
        #expect(seen == ["none", "narrow", "few"])
    }

    @Test("validate: a dose with one value and a log transform of non-positive doses are found without fitting")
    func validate() throws {
        let log = try parseExample(Self.config("estimator: gps\ndose: MALE\noutcome: TOTALEXP\ncovariates: [AGESMOKE]\ntransform: log"))
        do {
            _ = try DataLoader.load(log)
            Issue.record("a log of zero doses was accepted")
        } catch { #expect("\(error)".contains("analyses[0].transform: log needs a positive dose; row 1 has 0"), "\(error)") }
        var t = try CSVReader.read(contentsOf: TestData.dataset("nmes_causaldrf.csv"))
        try t.setColumn("MALE", .numeric([Double](repeating: 1, count: t.rowCount)))
        let single = try parseExample(Self.config("estimator: gps\ndose: MALE\noutcome: TOTALEXP\ncovariates: [AGESMOKE]"))
        let data = LoadedData(name: "nmes", url: TestData.dataset("nmes_causaldrf.csv"), sha256: "", bytes: 0, table: t)
        #expect(single.analyses[0].settings.check(data).contains { $0.key == "dose" && $0.message.contains("single value 1") })
    }
}

@Suite("Stata, SPSS and SAS files in configs")
struct StatisticalFileConfigTests {
    static func config(_ data: String) -> String {
        """
        seed: 1
        data:
          schools: \(data)
        analyses:
          - name: r
            method: ols
            data: schools
            outcome: referrals
            covariates: [wave]
        """
    }

    @Test("a .dta file is read by ReadStat; 'categorical' turns a labelled code into a factor; CSV options are refused")
    func stata() throws {
        let config = try parseExample(
            Self.config("{path: ../Tests/TabularTests/Fixtures/schools.sav, categorical: [region]}"))
        let loaded = try DataLoader.load(config)
        let table = try #require(loaded["schools"]).table
        let regions = try table.strings("region")
        #expect(table.rowCount == 5 && regions == ["1", "2", "2", "1", "3"])
        let out = try Runner.run(config, threads: 1)
        #expect(out.failures.isEmpty, "\(out.failures)")
        let refused = try parseExample(Self.config("{path: ../Tests/TabularTests/Fixtures/schools.dta, delimiter: ';'}"))
        do {
            _ = try DataLoader.load(refused)
            Issue.record("a delimiter on a .dta file was accepted")
        } catch { #expect("\(error)".contains("'delimiter' applies to delimited text"), "\(error)") }
    }
}
