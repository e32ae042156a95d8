import EconomicEvaluation
import Foundation
import TestSupport
import Testing

@testable import ImpactRun

@Suite("The cost-effectiveness method in configs")
struct CostEffectivenessConfigTests {
    static let pbsKeys = """
        input: waves
        unit: id
        wave: time
        waves: [1, 2, 3]
        wave_years: [0, 0.5, 1]
        cost_waves: [2, 3]
        utility: e
        cost: c
        strategy: trt
        cluster: site
        """

    static func config(_ keys: String, data: String = "pbs: ../Datasets/pbs_trial.csv", set: String = "pbs") -> String {
        """
        seed: 3
        data:
          \(data)
        analyses:
          - name: ce
            method: cost-effectiveness
            data: \(set)
            \(keys.split(separator: "\n").joined(separator: "\n    "))
        """
    }

    static func issue(_ text: String) -> String? {
        do {
            _ = try DataLoader.load(try parseExample(text))
            return nil
        } catch { return "\(error)" }
    }

    @Test("Examples/cost_effectiveness.yaml runs all three inputs; dampack's HERC frontier, BCEA's Vaccine ICER and the PBS INB come out")
    func example() throws {
        let config = try ConfigLoader.load(path: TestData.example("cost_effectiveness.yaml").path)
        let output = try Runner.run(config, threads: 2)
        #expect(output.failures.isEmpty, "\(output.failures)")
        let results = Dictionary(uniqueKeysWithValues: output.analyses.map { ($0.name, $0.result as? CostEffectiveness.Result) })
        let herc = try #require(results["herc-frontier"] ?? nil)
        #expect(herc.incremental.filter { $0.status == .frontier }.map(\.strategy) == ["UC", "B", "D", "E"])
        #expect(herc.incremental.compactMap(\.icer) == [5000, 12500, 20000])
        let vaccine = try #require(results["vaccine-psa"]??.sensitivity?.increments.first)
        #expect(relativeError(vaccine.icer ?? .nan, 20_097.59148) < 1e-8)
        let pbs = try #require(results["pbs-net-benefit"]??.netBenefit?.comparisons.first)
        let at20 = try #require(pbs.byWillingnessToPay.first { $0.willingnessToPay == 20000 })
        #expect(relativeError(at20.incrementalNetBenefit.estimate, -1367.095782) < 1e-8 && at20.incrementalNetBenefit.inference.type == "CR2")
        // The two-stage bootstrap's SE of INB(20,000) lies between CR1's and 1.1 × CR2's here (1008 and 1033).
        let boot = try #require(results["pbs-bootstrap"]??.netBenefit?.bootstrap)
        #expect(boot.draws == 2000 && boot.failedDraws == 0 && boot.stratified && boot.shrinkage && boot.clusters == 23)
        let bootINB = try #require(boot.byWillingnessToPay.first { $0.willingnessToPay == 20000 }?.incrementalNetBenefit.first)
        #expect(bootINB.estimate == at20.incrementalNetBenefit.estimate && (900...1140).contains(bootINB.standardError ?? 0))
        let analysis = try #require(output.analyses.first { $0.name == "pbs-net-benefit" })
        #expect(analysis.section.files.map(\.fileName).contains("net_benefit.csv") && analysis.section.figures.map(\.fileName).contains("acceptability.svg"))
        #expect(analysis.warnings.contains { $0.contains("40 of 244 persons") })
    }

    @Test("validate names the key, row and value: a negative cost, a utility above 1, waves out of order, λ not increasing, a strategy without data")
    func badInput() throws {
        let directory = TestData.temporaryDirectory()
        let text = try String(contentsOf: TestData.dataset("pbs_trial.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Row 5 (line 6): cost −40; row 9 (line 10): utility 1.3.
        var fields = lines[5].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[3] = "-40"
        lines[5] = fields.joined(separator: ",")
        fields = lines[9].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[2] = "1.3"
        lines[9] = fields.joined(separator: ",")
        let bad = directory.appendingPathComponent("pbs_bad.csv")
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let cost = Self.issue(Self.config(Self.pbsKeys, data: "pbs: \(bad.path)"))
        #expect(cost?.contains("analyses[0].cost") == true && cost?.contains("column 'c', row 5 (line 6 of the file) holds -40") == true, "\(cost ?? "")")
        lines[5] = text.split(separator: "\n", omittingEmptySubsequences: false)[5].description
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let utility = Self.issue(Self.config(Self.pbsKeys, data: "pbs: \(bad.path)"))
        #expect(utility?.contains("analyses[0].utility") == true && utility?.contains("holds 1.3") == true, "\(utility ?? "")")
        let order = Self.issue(Self.config(Self.pbsKeys.replacingOccurrences(of: "[0, 0.5, 1]", with: "[0, 1, 0.5]")))
        #expect(order?.contains("wave_years") == true && order?.contains("waves out of order") == true, "\(order ?? "")")
        let lambda = Self.issue(Self.config(Self.pbsKeys + "\nwillingness_to_pay: [0, 30000, 20000]"))
        #expect(lambda?.contains("willingness_to_pay") == true && lambda?.contains("must increase") == true, "\(lambda ?? "")")
        let strategy = Self.issue(Self.config(Self.pbsKeys + "\nstrategies: ['1', '2', '3']"))
        #expect(strategy?.contains("strategy '3'") == true && strategy?.contains("no observations") == true, "\(strategy ?? "")")
        let wrongInput = Self.issue(Self.config(Self.pbsKeys.replacingOccurrences(of: "input: waves", with: "input: draws\ndraw: id")))
        #expect(wrongInput?.contains("does not apply to input: draws") == true, "\(wrongInput ?? "")")
        let shrinkage = Self.issue(Self.config(Self.pbsKeys + "\nbootstrap: clusters\nshrinkage: false"))
        #expect(shrinkage?.contains("'shrinkage' applies to bootstrap: two-stage") == true, "\(shrinkage ?? "")")
        let replications = Self.issue(Self.config(Self.pbsKeys + "\nreplications: 500"))
        #expect(replications?.contains("set 'bootstrap'") == true, "\(replications ?? "")")
        #expect(Self.issue(Self.config(Self.pbsKeys)) == nil)
    }

    @Test("A licensed utility tariff joined in 'prepare' feeds the waves: the QALYs are the tariff's utilities' areas under the curve")
    func tariffJoin() throws {
        let directory = TestData.temporaryDirectory()
        let tariff: [String: Double] = ["11111": 1, "11121": 0.85, "12121": 0.7, "22222": 0.52, "23232": 0.2]
        try ("state,utility\n" + tariff.sorted { $0.key < $1.key }.map { "\($0.key),\($0.value)" }.joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent("tariff.csv"), atomically: true, encoding: .utf8)
        let states = ["11121", "12121", "22222", "23232", "11111"]
        var lines = ["id,time,state,cost,arm"]
        var expected: [String: [Double]] = [:]
        for person in 0..<10 {
            let arm = person % 2 == 0 ? "A" : "B"
            var u: [Double] = []
            for wave in 1...3 {
                let state = states[(person + wave * (person % 3 + 1)) % states.count]
                u.append(tariff[state]!)
                lines.append("\(person),\(wave),\(state),\(100 * (person + wave)),\(arm)")
            }
            expected[arm, default: []].append(0.5 * (u[0] + u[1]) / 2 + 0.5 * (u[1] + u[2]) / 2)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("eq5d.csv"), atomically: true, encoding: .utf8)
        let text = """
            seed: 1
            data:
              tariff: \(directory.appendingPathComponent("tariff.csv").path)
              trial:
                path: \(directory.appendingPathComponent("eq5d.csv").path)
                prepare:
                  - join: tariff
                    by: [state]
            analyses:
              - name: ce
                method: cost-effectiveness
                data: trial
                input: waves
                unit: id
                wave: time
                waves: [1, 2, 3]
                wave_years: [0, 0.5, 1]
                utility: utility
                cost: cost
                strategy: arm
                baseline_utility: false
            """
        let output = try Runner.run(try parseExample(text), threads: 1)
        #expect(output.failures.isEmpty, "\(output.failures)")
        let r = try #require(output.analyses.first?.result as? CostEffectiveness.Result)
        let means = ["A", "B"].map { arm in expected[arm]!.reduce(0, +) / Double(expected[arm]!.count) }
        #expect(maxRelativeError(r.strategies.map(\.meanEffect), means) < 1e-14, "\(r.strategies.map(\.meanEffect)) vs \(means)")
    }
}
