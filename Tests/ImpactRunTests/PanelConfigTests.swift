import Foundation
import Regression
import TestSupport
import Testing

@testable import ImpactRun

let panelConfig = """
    seed: 3
    data:
      grunfeld: ../Datasets/grunfeld.csv
    analyses:
      - name: g
        method: ols
        data: grunfeld
        outcome: inv
        covariates: [capital]
        absorb: [firm, year]
        cluster: firm
        inference: [cr1, cr2, wild]
    """

@Suite("Panel regression configs")
struct PanelConfigTests {
    @Test("absorb, cluster and the new inference names decode into the library specification")
    func decodes() throws {
        let c = try parseExample(panelConfig)
        let s = try #require(c.analyses[0].settings as? RegressionAnalysis)
        #expect(s.specification.absorb == ["firm", "year"] && s.specification.clusters == ["firm"])
        #expect(s.inference == [.cr1, .cr2] && s.wild && s.bootstrap.replications == 9999 && s.bootstrap.weights == .rademacher)
    }

    @Test("invalid combinations are named at their key")
    func invalid() {
        let cases: [(String, String)] = [
            (panelConfig.replacingOccurrences(of: "cluster: firm", with: "cluster: [firm, year]"), "'cr2' clusters by one column"),
            (
                panelConfig.replacingOccurrences(of: "    cluster: firm\n", with: "").replacingOccurrences(of: "    absorb: [firm, year]\n", with: ""),
                "'cr1' needs a 'cluster' column"
            ),
            (panelConfig + "\n    factors: [firm]", "'firm' is both absorbed and listed in 'factors'"),
            (panelConfig + "\n    bootstrap_weights: gaussian", "gaussian"),
            (panelConfig + "\n    replications: 10", "at least 99"),
            (panelConfig + "\n    small_sample: stata", "stata")
        ]
        for (text, message) in cases {
            #expect(throws: ConfigError.self, "\(message)") { try parseExample(text) }
            do { _ = try parseExample(text) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }

    @Test("Examples/panel_regression.yaml runs; its numbers are the library's (fixest, clubSandwich, wildboottest)")
    func example() throws {
        let config = try ConfigLoader.load(path: TestData.example("panel_regression.yaml").path)
        let output = try Runner.run(config, threads: 2)
        let byName = Dictionary(uniqueKeysWithValues: output.analyses.map { ($0.name, $0) })
        let grunfeld = try #require(byName["grunfeld"]?.result as? RegressionResult)
        #expect(abs(grunfeld.coefficients["cr1"]!["capital"]!.standardError! - 0.06328129) < 1e-8)
        #expect(abs(grunfeld.coefficients["cr2"]!["capital"]!.degreesOfFreedom! - 1.64476368957) < 1e-8)
        #expect(grunfeld.wildBootstrap?.first?.effect.pValue == 254.0 / 1024)
        let twoWay = try #require(byName["grunfeld-two-way"]?.result as? RegressionResult)
        #expect(abs(twoWay.coefficients["cr1"]!["capital"]!.standardError! - 0.06041290) < 1e-8)
        let mortality = try #require(byName["drinking-age"]?.result as? RegressionResult)
        #expect(abs(mortality.coefficients["cr2"]!["legal"]!.standardError! - 2.51308216558) < 1e-8)
        #expect(abs(mortality.waldTest!.statistic - 5.67097503429) < 1e-8)
        let twfe = try #require(byName["minimum-wage-twfe"]?.result as? RegressionResult)
        #expect(abs(twfe.coefficients["cr1"]!["post"]!.estimate - -0.0365489367) < 1e-9)
        #expect(byName["grunfeld"]!.warnings.contains { $0.contains("Only 10 clusters") })
        // The report ends with the models side by side, written as CSV too.
        let files = try OutputWriter.render(output, command: ["test"], threads: 2)
        let report = String(decoding: try #require(files.first { $0.0 == "report.md" }).1, as: UTF8.self)
        #expect(report.contains("## Models side by side") && report.contains("| fixed effects: firm | yes | yes | no | no |"))
        // Each column names its estimator and cluster columns (fixest's etable: "by: stfips & year") and the fewest clusters.
        #expect(report.contains("| standard errors | CR1 by firm | CR1 by firm & year | CR2 by state | CR1 by countyreal |"), "\(report)")
        #expect(report.contains("| clusters | 10 | 10 | 50 | 500 |"))
        #expect(files.contains { $0.0 == "models-side-by-side/models.csv" })
    }

    @Test("absorbed factors and no cluster: CR1 clustered by the first absorbed factor (pyfixest's default), said in the report")
    func clusteredByFirstAbsorbedFactor() throws {
        // panelConfig's analysis as a formula, without cluster or inference.
        let text = panelConfig.components(separatedBy: "\n    outcome:")[0] + "\n    formula: inv ~ capital | firm + year"
        let config = try parseExample(text)
        let s = try #require(config.analyses[0].settings as? RegressionAnalysis)
        #expect(s.cluster == ["firm"] && s.inference == [.cr1] && s.clusteredByAbsorbedFactor == "firm" && s.formulaTerms != nil)
        let output = try Runner.run(config, threads: 1)
        let r = try #require(output.analyses[0].result as? RegressionResult)
        // pyfixest's feols("inv ~ capital | firm + year") default (CRV1 by firm), the fixture's value.
        #expect(abs(r.coefficients["cr1"]!["capital"]!.standardError! - 0.06328129) < 1e-8)
        #expect(r.clusteredByAbsorbedFactor == "firm" && r.clusters == 10 && r.coefficients["classical"] == nil)
        let files = try OutputWriter.render(output, command: ["test"], threads: 1)
        let report = String(decoding: try #require(files.first { $0.0 == "report.md" }).1, as: UTF8.self)
        #expect(report.contains("clustered by `firm`, the first absorbed factor"))
        // Asked for heteroskedasticity-robust errors: not clustered.
        let hc1 = try parseExample(text + "\n    inference: [hc1]")
        #expect((hc1.analyses[0].settings as? RegressionAnalysis)?.cluster == [])
    }

    @Test("a factor nested in the cluster column is warned about: its cluster-robust SEs are degenerate")
    func nestedFactorWarning() throws {
        let text = """
            seed: 3
            data:
              grunfeld: ../Datasets/grunfeld.csv
            analyses:
              - name: dummies
                method: ols
                data: grunfeld
                outcome: inv
                covariates: [capital]
                factors: [firm]
                cluster: firm
            """
        let output = try Runner.run(try parseExample(text), threads: 1)
        #expect(output.analyses[0].warnings.contains { $0.contains("The factor 'firm' is nested in the cluster column") })
    }
}
