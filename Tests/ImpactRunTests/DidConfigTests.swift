import Foundation
import StaggeredDiD
import TestSupport
import Testing

@testable import ImpactRun

@Suite("Staggered DiD configs")
struct DidConfigTests {
    @Test("Examples/mpdta_did.yaml runs; its numbers are R did's and pyfixest's")
    func example() throws {
        let config = try ConfigLoader.load(path: TestData.example("mpdta_did.yaml").path)
        let output = try Runner.run(config, threads: 2)
        let byName = Dictionary(uniqueKeysWithValues: output.analyses.map { ($0.name, $0) })
        let never = try #require(byName["never-treated"]?.result as? DifferenceInDifferences.Result)
        #expect(abs(never.groupTime![0].effect.estimate - -0.0105032462209509) < 1e-10)
        let simple = try #require(never.aggregations?.first { $0.aggregation == .simple })
        #expect(abs(simple.overall.estimate - -0.0399512752) < 1e-9 && abs(simple.overall.standardError! - 0.0120340128) < 1e-8)
        #expect(never.aggregations?.count == 4 && never.uniformCriticalValue != nil && never.preTest != nil)
        let lpop = try #require(byName["with-population"]?.result as? DifferenceInDifferences.Result)
        #expect(abs(lpop.preTest!.pValue - 0.23267) < 5e-6)
        let imputation = try #require(byName["imputation"]?.result as? DifferenceInDifferences.Result)
        #expect(abs(imputation.imputation!.overall.estimate - -0.0477099183) < 1e-9)
        #expect(abs(imputation.imputation!.overall.standardError! - 0.01326496) < 1e-8)
        let sensitivity = try #require((byName["sensitivity"]?.result as? DifferenceInDifferences.Result)?.sensitivity)
        // target: average of the 4 post-adoption event times; its estimate is the dynamic aggregation's overall.
        #expect(sensitivity.target == [0.25, 0.25, 0.25, 0.25] && sensitivity.relativeMagnitudes.count == 4)
        #expect(sensitivity.relativeMagnitudes.allSatisfy { $0.lower! <= sensitivity.estimate && $0.upper! >= sensitivity.estimate })
        let notYet = try #require(byName["not-yet-treated"]?.result as? DifferenceInDifferences.Result)
        #expect(notYet.controlGroup == "not-yet")
        // Where the default differs from R did's (bootstrap SEs), the report says so.
        let files = try OutputWriter.render(output, command: ["test"], threads: 2)
        let report = String(decoding: try #require(files.first { $0.0 == "report.md" }).1, as: UTF8.self)
        #expect(report.contains("R did's default (bstrap = TRUE) reports multiplier-bootstrap standard errors"))
        // Results are identical for any thread count (the bootstrap's uniform band included).
        let one = try Runner.run(config, threads: 1)
        #expect((one.analyses[0].result as? DifferenceInDifferences.Result)?.uniformCriticalValue == never.uniformCriticalValue)
    }

    @Test("bad keys are named; a bootstrap too large for memory is refused before running")
    func invalid() throws {
        let base = """
            seed: 1
            data:
              mpdta: ../Datasets/mpdta.csv
            analyses:
              - name: d
                method: did
                data: mpdta
                unit: countyreal
                time: year
                outcome: lemp
                adoption: first.treat
            """
        for (extra, message) in [
            ("estimator: ols", "ols"), ("control_group: sometimes", "sometimes"), ("replications: 10", "at least 99"),
            ("aggregations: [simple, yearly]", "yearly"), ("bootstrap_weights: webb", "use rademacher or mammen"),
            ("estimator: imputation\n    control_group: never", "the imputation estimator uses every untreated observation"),
            ("sensitivity: {relative_magnitudes: [1]}", "sensitivity needs base_period: universal"),
            ("estimator: imputation\n    sensitivity: {smoothness: [0]}", "does not produce"),
            ("base_period: universal\n    sensitivity: {relative_magnitude: [1]}", "did you mean 'relative_magnitudes'"),
            ("base_period: universal\n    sensitivity: {relative_magnitudes: [-1]}", "finite and 0 or more"),
            ("base_period: universal\n    sensitivity: {relative_magnitudes: [], smoothness: []}", "both are empty"),
            ("base_period: universal\n    sensitivity: {target: last}", "last"),
            ("sampling: rotating", "rotating")
        ] {
            do {
                _ = try parseExample(base + "\n    " + extra)
                Issue.record("\(extra) was accepted")
            } catch { #expect("\(error)".contains(message), "\(error)") }
        }
        // A bootstrap too large for memory is refused by the data checks (`impact validate`), with a value that fits.
        let huge = try parseExample(base + "\n    replications: 1000000000")
        #expect { _ = try DataLoader.load(huge) } throws: { error in
            let text = "\(error)"
            return text.contains("replications") && text.contains("1000000000 bootstrap draws would need about") && text.contains("use at most")
        }
        #expect(throws: Never.self) { _ = try DataLoader.load(try parseExample(base + "\n    replications: 100000")) }
    }
}

@Suite("Staggered DiD sampling in configs")
struct DidSamplingConfigTests {
    static func config(_ extra: String, unit: Bool = true) -> String {
        """
        seed: 1
        data:
          mpdta: ../Datasets/mpdta.csv
        analyses:
          - name: d
            method: did
            data: mpdta
        \(unit ? "    unit: countyreal\n" : "")    time: year
            outcome: lemp
            adoption: first.treat
            replications: 0
            \(extra)
        """
    }

    @Test("repeated cross-sections need no unit and match the library; an unbalanced panel needs one")
    func sampling() throws {
        let output = try Runner.run(try parseExample(Self.config("sampling: repeated-cross-sections", unit: false)), threads: 1)
        let result = try #require(output.analyses.first?.result as? DifferenceInDifferences.Result)
        #expect(result.units == 2500)
        #expect(abs(result.groupTime![0].effect.estimate - DidRowsReference.rcFirst) <= 1e-10)
        #expect(throws: (any Error).self) { try parseExample(Self.config("sampling: unbalanced-panel", unit: false)) }
        #expect(throws: (any Error).self) { try parseExample(Self.config("sampling: repeated-cross-sections\n    estimator: imputation", unit: false)) }
    }

    @Test("validate: an unbalanced panel under the default sampling names the remedy")
    func unbalancedRefused() throws {
        let config = try parseExample(Self.config(""))
        let full = try #require(try DataLoader.load(config)["mpdta"])
        let county = try full.table.numeric("countyreal"), year = try full.table.numeric("year")
        let table = full.table.filteringRows { !(county[$0] == 8001 && year[$0] == 2005) }
        let data = LoadedData(name: full.name, url: full.url, sha256: full.sha256, bytes: full.bytes, table: table)
        let issues = config.analyses[0].settings.check(data)
        #expect(issues.first?.key == "sampling" && issues.first?.message.contains("use sampling: unbalanced-panel") == true, "\(issues)")
        let unbalanced = try parseExample(Self.config("sampling: unbalanced-panel"))
        #expect(unbalanced.analyses[0].settings.check(data).isEmpty)
    }
}

/// ATT(2004, 2004) of mpdta read as repeated cross-sections (moderndid; see StaggeredDiDTests).
enum DidRowsReference {
    static let rcFirst = -0.010503246220962475
}

@Suite("Synthetic control with cross-validated V in configs")
struct CrossValidatedSynthConfigTests {
    @Test("Examples/synth_inference.yaml gives ADH (2015) Table 2's weights and reports the training V")
    func germany() throws {
        let config = try ConfigLoader.load(path: TestData.example("synth_inference.yaml").path)
        let output = try Runner.run(config, threads: 2)
        guard case .single(let r) = try #require(output.analyses.first?.result as? SyntheticControlOutcome) else {
            Issue.record("expected a single-unit result")
            return
        }
        let w = Dictionary(uniqueKeysWithValues: r.weights.map { ($0.donor, $0.weight) })
        for (country, weight) in ["Austria": 0.42, "USA": 0.22, "Japan": 0.16, "Switzerland": 0.11, "Netherlands": 0.09] {
            // Within 0.01 (the training MSPE is flat near its minimum; see SyntheticControlTests).
            #expect(abs((w[country] ?? 0) - weight) <= 0.01, "\(country): \(w[country] ?? 0)")
        }
        let cv = try #require(r.crossValidation)
        #expect(cv.fitPeriods == Array(stride(from: 1981.0, through: 1990, by: 1)) && cv.predictors.count == 6)
        // The main fit's V is the training V.
        for (a, b) in zip(cv.predictors, r.predictors) { #expect(a.weight == b.weight) }
        // scpi's outcome-only Germany fit: its published weights to 1e-3 (to 1e-6 against scpi-pkg in SyntheticControlTests).
        guard case .single(let scpi) = try #require(output.analyses.first { $0.name == "germany-scpi" }?.result as? SyntheticControlOutcome)
        else {
            Issue.record("expected a single-unit result for scpi's Germany")
            return
        }
        let ws = Dictionary(uniqueKeysWithValues: scpi.weights.map { ($0.donor, $0.weight) })
        for (country, weight) in ["Austria": 0.2911, "USA": 0.2728, "Italy": 0.1914, "Netherlands": 0.1330, "Switzerland": 0.0814, "France": 0.0303] {
            #expect(abs((ws[country] ?? 0) - weight) <= 1e-3, "\(country): \(ws[country] ?? 0)")
        }
        // scpi's prediction intervals from the config's 200 draws: within 4 Monte Carlo standard errors of
        // scpi-pkg's 2,000-draw bounds (a 200-draw quantile's error is about √10 times a 2,000-draw one's;
        // the library is checked against scpi's own draws in PredictionIntervalsTests).
        struct ScpiReference: Decodable {
            struct Bands: Decodable { let lower: [Double], upper: [Double] }
            struct Run: Decodable { let inSample: Bands, inSampleSe: Bands }
            let years: [Double]
            let reference: Run
        }
        let snakeCase = JSONDecoder()
        snakeCase.keyDecodingStrategy = .convertFromSnakeCase
        let scpiReference = try snakeCase.decode(
            ScpiReference.self, from: Foundation.Data(contentsOf: TestData.fixture("SyntheticControlTests", "scpi_germany_intervals.json")))
        let pi = try #require(scpi.predictionIntervals)
        #expect(pi.simulations == 200 && pi.periods.map(\.time) == scpiReference.years && pi.failedLower + pi.failedUpper == 0)
        for (t, p) in pi.periods.enumerated() {
            let ref = scpiReference.reference
            #expect(abs(p.inSample.lower - ref.inSample.lower[t]) <= 4 * 11.0.squareRoot() * ref.inSampleSe.lower[t], "\(p.time)")
            #expect(abs(p.inSample.upper - ref.inSample.upper[t]) <= 4 * 11.0.squareRoot() * ref.inSampleSe.upper[t], "\(p.time)")
            // Adding the shock's bounds widens each interval; the simultaneous band holds the per-period one.
            #expect(p.gaussian.upper - p.gaussian.lower > p.inSample.upper - p.inSample.lower)
            #expect(p.simultaneous.lower < p.inSample.lower && p.simultaneous.upper > p.inSample.upper)
        }
        // Kansas with conformal inference: augsynth's SCM and, within the Monte Carlo error of 1,000
        // draws (3 binomial SDs; see ConformalInferenceTests), its joint p 0.34 and 2012Q3 p 0.026.
        guard case .single(let kansas) = try #require(output.analyses.first { $0.name == "kansas-conformal" }?.result as? SyntheticControlOutcome)
        else {
            Issue.record("expected a single-unit result for Kansas")
            return
        }
        #expect(abs(kansas.averageEffect - -0.0294) <= 0.00005)
        let c = try #require(kansas.conformal)
        // The joint test's p-value is the average effect's.
        #expect(kansas.effect.pValue == c.jointPValue && kansas.effect.inference.kind == .permutation)
        #expect(abs(c.jointPValue - 0.34) <= 3 * (0.34 * 0.66 / 1000).squareRoot() + 0.005, "joint p \(c.jointPValue)")
        #expect(abs(c.periods[1].estimate - -0.041) <= 0.0005 && abs(c.periods[1].pValue - 0.026) <= 3 * (0.026 * 0.974 / 1000).squareRoot())
        // The ridge-augmented fit (augsynth's progfunc = "Ridge"): ATT -0.0401, joint p 0.071.
        let ridge = try #require(output.analyses.first { $0.name == "kansas-ridge-conformal" }?.result as? SyntheticControlResult)
        #expect(abs(ridge.averageEffect - -0.0401) <= 0.00005)
        let rc = try #require(ridge.conformal)
        #expect(ridge.effect.pValue == rc.jointPValue)
        #expect(abs(rc.jointPValue - 0.071) <= 3 * (0.071 * 0.929 / 1000).squareRoot() + 0.0005, "joint p \(rc.jointPValue)")
        // Medicaid expansion with multisynth: ν and the imbalances of the OSQP transcription of augsynth's QP
        // (Tests/Fixtures/Generators/multisynth_osqp.py, case ehec_leads3), and the jackknife's refits.
        let m = try #require(output.analyses.first { $0.name == "medicaid-multisynth" }?.result as? MultisynthResult)
        struct Reference: Decodable {
            let nu: Double, global: Double, individual: Double
            enum CodingKeys: String, CodingKey {
                case nu
                case global = "global_l2"
                case individual = "ind_l2"
            }
        }
        let all = try JSONDecoder().decode(
            [String: Reference].self, from: Data(contentsOf: TestData.fixture("SyntheticControlTests", "multisynth_osqp.json")))
        let ref = try #require(all["ehec_leads3"])
        #expect(abs(m.nu - ref.nu) <= 1e-6 * ref.nu && abs(m.imbalance.global - ref.global) <= 1e-6 * ref.global)
        #expect(abs(m.imbalance.individual - ref.individual) <= 1e-6 * ref.individual)
        #expect(m.units.count == 30 && m.eventTime.count == 14 && m.average.inference.replications == 46)
        #expect(m.average.standardError! > 0 && m.average.lower! < m.average.estimate && m.average.pValue! < 0.001)
    }

    @Test("conformal settings without 'inference: conformal', and conformal without outcome-only weights, are errors naming the key")
    func conformalKeys() throws {
        let text = try String(contentsOf: TestData.example("synth_inference.yaml"), encoding: .utf8)
        #expect {
            try parseExample(text.replacingOccurrences(of: "    inference: conformal\n", with: ""))
        } throws: { "\($0)".contains("'permutations' applies to 'inference: conformal'") }
        #expect {
            try parseExample(
                text.replacingOccurrences(
                    of: "    predictor_weights: outcome-only\n    inference: conformal\n", with: "    predictor_weights: optimized\n    inference: conformal\n")
            )
        } throws: {
            "\(String(describing: $0))".contains("conformal inference refits W on the outcomes alone under every null; set 'predictor_weights: outcome-only'")
        }
    }

    @Test("prediction-interval settings: keys without 'inference: prediction-intervals', a bad rho, fit_periods or optimized V are errors naming the key")
    func predictionIntervalKeys() throws {
        let text = try String(contentsOf: TestData.example("synth_inference.yaml"), encoding: .utf8)
        let scpi = "    inference: prediction-intervals\n    replications: 200\n"
        #expect(text.contains(scpi))
        #expect {
            try parseExample(text.replacingOccurrences(of: scpi, with: "    replications: 200\n"))
        } throws: { "\($0)".contains("'replications' applies to staggered designs, conformal inference or prediction intervals") }
        // The old spellings name the new key.
        #expect {
            try parseExample(text.replacingOccurrences(of: scpi, with: "    inference: prediction-intervals\n    simulations: 200\n"))
        } throws: { "\($0)".contains("'simulations' is spelled 'replications' since ImpactEval 0.3") }
        #expect {
            try parseExample(text.replacingOccurrences(of: scpi, with: scpi + "    rho: type-3\n"))
        } throws: { "\($0)".contains("rho") && "\($0)".contains("type-3") && "\($0)".contains("type-1") }
        #expect {
            try parseExample(text.replacingOccurrences(of: scpi, with: "    inference: prediction-intervals\n    replications: 5\n"))
        } throws: { "\($0)".contains("replications") && "\($0)".contains("at least 10 simulations") }
        #expect {
            try parseExample(text.replacingOccurrences(of: scpi, with: scpi + "    fit_periods: {from: 1970, to: 1990}\n"))
        } throws: { "\($0)".contains("fit_periods: prediction intervals (scpi) fit the weights on every pre-treatment period") }
        let optimized = text.replacingOccurrences(
            of: "    predictor_weights: outcome-only\n" + scpi, with: "    predictor_weights: optimized\n" + scpi)
        #expect(optimized != text)
        #expect { try parseExample(optimized) } throws: {
            "\($0)".contains("prediction intervals (scpi) need weights fitted on the outcome alone; set 'predictor_weights: outcome-only'")
        }
    }

    @Test("multisynth settings out of range name their key")
    func multisynthKeys() throws {
        let text = try String(contentsOf: TestData.example("synth_inference.yaml"), encoding: .utf8)
        #expect {
            try parseExample(text.replacingOccurrences(of: "    leads: 3\n", with: "    leads: 3\n    nu: 1.5\n"))
        } throws: { "\($0)".contains("nu") && "\($0)".contains("must lie between 0 and 1") }
        #expect {
            try parseExample(text.replacingOccurrences(of: "    inference: jackknife\n", with: "    inference: placebo\n"))
        } throws: { "\($0)".contains("'placebo' is not available for multisynth; use one of: jackknife, bootstrap, none") }
        // An adoption column that varies within a unit is caught by validate, before any fitting.
        let varying = try parseExample(text.replacingOccurrences(of: "    adoption: yexp2\n", with: "    adoption: year\n"))
        #expect { try DataLoader.load(varying) } throws: {
            "\($0)".contains("analyses[4].adoption: unit 'alabama' has two adoption times in 'year' (2008 and 2009)")
        }
    }

    @Test("cross_validation needs one training predictor per main predictor")
    func mismatch() throws {
        var text = try String(contentsOf: TestData.example("synth_inference.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "        - {variable: invest70, periods: [1980]}\n", with: "")
        #expect {
            try parseExample(text)
        } throws: { "\($0)".contains("lists 5 training predictor(s) for 6 main predictor(s)") }
    }
}

@Suite("Sensitivity to parallel trends in configs")
struct SensitivityConfigTests {
    @Test("Examples/ehec_sensitivity.yaml reproduces the HonestDiD README through the event-study method")
    func ehecExample() throws {
        let config = try ConfigLoader.load(path: TestData.example("ehec_sensitivity.yaml").path)
        let output = try Runner.run(config, threads: 2)
        let study = try #require(output.analyses.first?.result as? EventStudyResult)
        let s = try #require(study.sensitivity)
        // The README's printed sets (3 significant digits), as in StaggeredDiDTests.
        let readmeLower = [0.0241, 0.0171, 0.00859, -0.00107], readmeUpper = [0.0673, 0.0720, 0.0796, 0.0883]
        for (i, r) in s.relativeMagnitudes.enumerated() {
            #expect(abs(r.lower! - readmeLower[i]) <= 0.5 * pow(10, (log10(abs(readmeLower[i]))).rounded(.up) - 3))
            #expect(abs(r.upper! - readmeUpper[i]) <= 0.5 * pow(10, (log10(abs(readmeUpper[i]))).rounded(.up) - 3))
        }
        #expect(s.smoothness.count == 6 && s.breakdown.count == 2)
        let rmBreakdown = try #require(s.breakdown[0].value)
        #expect(rmBreakdown > 1.5 && rmBreakdown < 2)
        // The same analysis from the coefficients file (fixest's numbers) gives the same sets.
        let fromFile = try #require(output.analyses[1].result as? ParallelTrendsSensitivity.Analysis)
        for (a, b) in zip(s.relativeMagnitudes + s.smoothness, fromFile.relativeMagnitudes + fromFile.smoothness) {
            #expect(abs(a.lower! - b.lower!) <= 1e-9 && abs(a.upper! - b.upper!) <= 1e-9)
        }
        #expect(output.analyses[0].section.blocks.contains { if case .figure(let f) = $0 { return f.fileName == "sensitivity.svg" } else { return false } })
    }

    @Test("method: sensitivity checks the coefficient file before running")
    func coefficientFile() throws {
        let text = """
            seed: 1
            data:
              coefficients: data/ehec_event_study.csv
            analyses:
              - name: s
                method: sensitivity
                data: coefficients
                estimate: estimate
                covariance: [v1, v2, v3, v4, v5, v6]
                preperiods: 5
            """
        // Loading the data runs the method's checks: the error names the config line and key.
        #expect {
            try DataLoader.load(try parseExample(text))
        } throws: { "\($0)".contains("test.yaml:9:17: analyses[0].covariance: names 6 columns but 'coefficients' has 7 coefficient rows") }
        let tooMany = try parseExample(text.replacingOccurrences(of: "v6]", with: "v6, v7]").replacingOccurrences(of: "preperiods: 5", with: "preperiods: 7"))
        #expect {
            try DataLoader.load(tooMany)
        } throws: { "\($0)".contains("leave no post-period coefficient") }
    }

    @Test("A target with the wrong number of weights names the key and the count")
    func targetLength() throws {
        let config = try parseExample(
            """
            seed: 1
            data:
              ehec: data/ehec_2014.csv
            analyses:
              - name: e
                method: event-study
                data: ehec
                unit: stfips
                time: year
                outcome: dins
                adoption: adopt
                sensitivity: {target: [1, 1, 1], smoothness: [0]}
            """)
        let output = try Runner.run(config, threads: 1)
        #expect(output.failures.first.map { "\($0)".contains("sensitivity target lists 3 weights but the event study has 2") } == true, "\(output.failures)")
    }
}

@Suite("Staggered designs are checked before running")
struct StaggeredValidateTests {
    @Test("a duplicate unit-period row and a 0/1 indicator given as adoption are caught by validate, with the unit")
    func panelChecks() throws {
        let folder = TestData.temporaryDirectory()
        let csv = folder.appendingPathComponent("p.csv")
        var rows = "id,year,y,first\n"
        for u in 1...6 { for t in 2001...2004 { rows += "\(u),\(t),\(Double(u + t) / 10),\(u <= 2 ? 2003 : 0)\n" } }
        try (rows + "3,2002,1.0,0\n").write(to: csv, atomically: true, encoding: .utf8)
        for method in ["did", "event-study"] {
            let text =
                "seed: 1\ndata:\n  p: \(csv.path)\nanalyses:\n  - name: a\n    method: \(method)\n    data: p\n    unit: id\n    time: year\n    outcome: y\n    adoption: first\n"
            let config = try ConfigLoader.parse(text: text, path: folder.appendingPathComponent("c.yaml").path)
            #expect { _ = try DataLoader.load(config) } throws: { "\($0)".contains("'3'") && "\($0)".contains("2002") }
        }
        let indicator = folder.appendingPathComponent("i.csv")
        var irows = "id,year,y,first\n"
        for u in 1...6 { for t in 2001...2004 { irows += "\(u),\(t),\(Double(u + t) / 10),\(u <= 2 ? 1 : 0)\n" } }
        try irows.write(to: indicator, atomically: true, encoding: .utf8)
        let text =
            "seed: 1\ndata:\n  p: \(indicator.path)\nanalyses:\n  - name: a\n    method: did\n    data: p\n    unit: id\n    time: year\n    outcome: y\n    adoption: first\n"
        let config = try ConfigLoader.parse(text: text, path: folder.appendingPathComponent("c.yaml").path)
        #expect { _ = try DataLoader.load(config) } throws: { "\($0)".contains("looks like a 0/1 indicator") }
    }
}
