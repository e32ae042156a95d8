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
        let never = try #require(byName["never-treated"]?.result as? StaggeredDiDResult)
        #expect(abs(never.groupTime![0].effect.estimate - -0.0105032462209509) < 1e-10)
        let simple = try #require(never.aggregations?.first { $0.aggregation == .simple })
        #expect(abs(simple.overall.estimate - -0.0399512752) < 1e-9 && abs(simple.overall.standardError! - 0.0120340128) < 1e-8)
        #expect(never.aggregations?.count == 4 && never.uniformCriticalValue != nil && never.preTest != nil)
        let lpop = try #require(byName["with-population"]?.result as? StaggeredDiDResult)
        #expect(abs(lpop.preTest!.pValue - 0.23267) < 5e-6)
        let imputation = try #require(byName["imputation"]?.result as? StaggeredDiDResult)
        #expect(abs(imputation.imputation!.overall.estimate - -0.0477099183) < 1e-9)
        #expect(abs(imputation.imputation!.overall.standardError! - 0.01326496) < 1e-8)
        let notYet = try #require(byName["not-yet-treated"]?.result as? StaggeredDiDResult)
        #expect(notYet.controlGroup == "not-yet")
        // Results are identical for any thread count (the bootstrap's uniform band included).
        let one = try Runner.run(config, threads: 1)
        #expect((one.analyses[0].result as? StaggeredDiDResult)?.uniformCriticalValue == never.uniformCriticalValue)
    }

    @Test("bad keys are named")
    func invalid() {
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
            ("estimator: imputation\n    control_group: never", "the imputation estimator uses every untreated observation")
        ] {
            do {
                _ = try parseExample(base + "\n    " + extra)
                Issue.record("\(extra) was accepted")
            } catch { #expect("\(error)".contains(message), "\(error)") }
        }
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
