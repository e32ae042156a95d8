import EstimationCore
import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import Matching

@Suite("Nearest-neighbour matching")
struct NearestNeighborTests {
    static let spec = MatchingSpecification(treatment: "treat", covariates: Reference.covariates)

    @Test("1:1 on a logit propensity score: 370 units, MatchIt's documented matched means")
    func documented() throws {
        let m = try NearestNeighborMatching.match(Reference.lalonde, Self.spec)
        #expect(m.matchedTreatedCount + m.matchedControlCount == 370)
        let age = try Reference.lalonde.numeric("age"), re74 = try Reference.lalonde.numeric("re74")
        let controls = m.rows.indices.filter { !m.treated[$0] && m.weights[$0] > 0 }
        let meanAge = controls.reduce(0) { $0 + age[m.rows[$1]] } / Double(controls.count)
        let meanRe74 = controls.reduce(0) { $0 + re74[m.rows[$1]] } / Double(controls.count)
        #expect(abs(meanAge - 25.3027) < 1e-4)
        #expect(abs(meanRe74 - 2342.1076) < 1e-4)
        // Same matched set, weights and subclasses as the reference.
        #expect(m.weights == Reference.numbers("nearest.weights"))
        #expect(m.subclass == Reference.optionalInts("nearest.subclass"))
    }

    @Test("balance after matching agrees with MatchIt's bal1var on the matched sample")
    func balanceAfter() throws {
        let m = try NearestNeighborMatching.match(Reference.lalonde, Self.spec)
        let b = Balance.table(try lalondeBalanceVariables(distance: m.propensityScores!.probabilities), treated: m.treated, weights: m.weights)
        expectBalance(b, "nearest.balanceAfter", tolerance: 1e-7)
        #expect(b.treatedCount == 185 && b.controlCount == 185)
    }

    @Test("effects on the matched sample: estimate and CR1 on matched pairs agree with sandwich::vcovCL")
    func effects() throws {
        let m = try NearestNeighborMatching.match(Reference.lalonde, Self.spec)
        let dim = try WeightedEffect.estimate(
            Reference.lalonde, rows: m.rows, treated: m.treated, weights: m.weights,
            outcome: "re78", subclass: m.subclass, estimand: .att)
        #expect(relativeError(dim.estimate, Reference.number("nearest.differenceInMeans.estimate")) < 1e-10)
        #expect(relativeError(try #require(dim.standardError), Reference.number("nearest.differenceInMeans.se")) < 1e-8)
        #expect(dim.effect.inference.clusters == 185)
        let adj = try WeightedEffect.estimate(
            Reference.lalonde, rows: m.rows, treated: m.treated, weights: m.weights,
            outcome: "re78", covariates: Reference.covariates, subclass: m.subclass, estimand: .att)
        #expect(relativeError(adj.estimate, Reference.number("nearest.regressionAdjustment.estimate")) < 1e-10)
        #expect(relativeError(try #require(adj.standardError), Reference.number("nearest.regressionAdjustment.se")) < 1e-8)
    }

    @Test("caliper (0.1 SD), 2:1, and 2:1 with replacement give the reference weights")
    func options() throws {
        var s = Self.spec
        s.caliper = 0.1
        let cal = try NearestNeighborMatching.match(Reference.lalonde, s)
        #expect(cal.weights == Reference.numbers("nearestCaliper.weights"))
        #expect(cal.matchedTreatedCount == Int(Reference.number("nearestCaliper.matchedTreated")))
        s = Self.spec
        s.ratio = 2
        let r2 = try NearestNeighborMatching.match(Reference.lalonde, s)
        #expect(maxRelativeError(r2.weights, Reference.numbers("nearestRatio2.weights"), floor: 1) < 1e-12)
        s.replace = true
        let rep = try NearestNeighborMatching.match(Reference.lalonde, s)
        #expect(maxRelativeError(rep.weights, Reference.numbers("nearestRatio2Replace.weights"), floor: 1) < 1e-12)
        #expect(rep.subclass.allSatisfy { $0 == nil })
    }

    @Test("exact strata within a caliper give the reference weights")
    func exact() throws {
        var s = Self.spec
        s.caliper = 0.1
        s.exact = ["married", "nodegree"]
        let m = try NearestNeighborMatching.match(Reference.lalonde, s)
        #expect(maxRelativeError(m.weights, Reference.numbers("nearestExact.weights"), floor: 1) < 1e-12)
        // Every pair agrees on the exact variables.
        let married = try Reference.lalonde.numeric("married"), nodegree = try Reference.lalonde.numeric("nodegree")
        for (t, controls) in m.matches { for c in controls { #expect(married[t] == married[c] && nodegree[t] == nodegree[c]) } }
    }

    /// MatchIt's own Mahalanobis matching within a propensity-score caliper (its PS-only matching is
    /// not a usable peer on this platform; see the fixture generator).
    @Test("Mahalanobis within a 0.25 SD caliper: the same matched sets as MatchIt")
    func mahalanobis() throws {
        var s = Self.spec
        s.caliper = 0.25
        s.mahalanobis = ["age", "educ", "re74", "re75"]
        let m = try NearestNeighborMatching.match(Reference.lalonde, s)
        let sets = Reference.matchedSets("matchitMahalanobis")
        var agree = 0
        for (t, controls) in sets {
            let ours = m.matches[t] ?? []
            if ours == controls { agree += 1 } else { Issue.record("treated row \(t): ours \(ours), MatchIt \(controls)") }
        }
        #expect(agree == sets.count && agree == 185)
        #expect(maxRelativeError(m.weights, Reference.numbers("matchitMahalanobis.weights"), floor: 1) < 1e-12)
    }

    /// 3:1 without replacement wants 555 controls and there are 429: as in MatchIt, the rounds run until
    /// the controls are used up (185 + 185 + 59), so 59 treated units get three matches and 126 get two.
    @Test("3:1 Mahalanobis with too few controls: MatchIt's matched sets and weights")
    func ratioBeyondControls() throws {
        let s = MatchingSpecification(
            treatment: "treat", covariates: [], mahalanobis: ["age", "educ", "re74", "re75"],
            usePropensityScore: false, ratio: 3)
        let m = try NearestNeighborMatching.match(Reference.lalonde, s)
        let sets = Reference.matchedSets("matchitMahalanobisRatio3")
        #expect(sets.count == 185)
        for (t, controls) in sets where (m.matches[t] ?? []) != controls {
            Issue.record("treated row \(t): ours \(m.matches[t] ?? []), MatchIt \(controls)")
        }
        #expect(m.matches.values.filter { $0.count == 3 }.count == 59)
        #expect(m.matchedControlCount == 429)
        #expect(maxRelativeError(m.weights, Reference.numbers("matchitMahalanobisRatio3.weights"), floor: 1) < 1e-12)
        #expect(m.method.contains("not all treated units get 3 matches"))
    }

    @Test("bad options are refused with a reason")
    func badOptions() {
        var s = Self.spec
        s.caliper = -1
        #expect(throws: MatchingError.self) { try NearestNeighborMatching.match(Reference.lalonde, s) }
        s = Self.spec
        s.covariates = ["age", "agee"]
        #expect { try NearestNeighborMatching.match(Reference.lalonde, s) } throws: { "\($0)".contains("no column named 'agee'") }
    }
}

@Suite("Coarsened exact matching")
struct CEMTests {
    @Test("weights and subclasses agree with MatchIt's cem")
    func cem() throws {
        let m = try CoarsenedExactMatching.match(
            Reference.lalonde, treatment: "treat",
            covariates: ["age", "educ", "black", "hispan", "married", "nodegree"])
        #expect(maxRelativeError(m.weights, Reference.numbers("cem.weights"), floor: 1) < 1e-12)
        // Subclass numbers may differ; the partition must not.
        let ref = Reference.optionalInts("cem.subclass")
        var mapping: [Int: Int] = [:]
        for (a, b) in zip(m.subclass, ref) {
            #expect((a == nil) == (b == nil))
            if let a, let b { #expect(mapping[a, default: b] == b); mapping[a] = b }
        }
    }
}

extension NearestNeighborTests {
    /// Greedy Mahalanobis matching by a full scan of the available controls for every treated unit
    /// (the caliper path with an infinite caliper), the oracle for the k-d tree and its speculative
    /// parallel searches.
    static func fullScan(_ x: Matrix, treated: [Bool], strata: [Int], ratio: Int, replace: Bool) throws -> [Int: [Int]] {
        let u = try NearestNeighborMatching.inverseCovarianceFactor(x, treated: treated, names: [])
        return NearestNeighborMatcher(
            isTreated: treated, order: treated.indices.filter { treated[$0] }, score: [Double](repeating: 0, count: treated.count),
            caliper: .infinity, strata: strata, mahalanobis: (x, u), ratio: ratio, replace: replace
        ).run()
    }

    @Test(
        "Mahalanobis by k-d tree with speculative searches on 1 and 2 threads: the matched sets of a full scan (ties, duplicates, strata, 2:1, replacement)",
        arguments: [(1, false), (2, false), (1, true)])
    func treeEqualsFullScan(ratio: Int, replace: Bool) throws {
        var state: UInt64 = 77
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        let n = 3_000, p = 5
        var x = Matrix(rows: n, columns: p)
        var treated = [Bool](repeating: false, count: n), strata = [Int](repeating: 0, count: n)
        for i in 0..<n {
            treated[i] = uniform() < 0.2
            strata[i] = i % 3 == 0 ? 1 : 0
            for j in 0..<p {
                // Coarse values (many ties and symmetric differences), and every 50th row a copy of the previous one.
                x[i, j] = i % 50 == 1 ? x[i - 1, j] : (uniform() * 8).rounded() / 2 + (j == 0 ? Double(i % 7) : 0)
            }
        }
        let expected = try Self.fullScan(x, treated: treated, strata: strata, ratio: ratio, replace: replace)
        let u = try NearestNeighborMatching.inverseCovarianceFactor(x, treated: treated, names: [])
        for threads in [1, 2] {
            let got = NearestNeighborMatcher(
                isTreated: treated, order: treated.indices.filter { treated[$0] }, score: nil, caliper: nil, strata: strata,
                mahalanobis: (x, u), ratio: ratio, replace: replace, threads: threads
            ).run()
            #expect(got == expected, "threads \(threads)")
        }
        #expect(expected.values.reduce(0) { $0 + $1.count } > 500 * ratio)
    }
}

extension NearestNeighborTests {
    @Test("a speculative list no longer decides a match when its nearest present control is within the slack of its threshold")
    func speculativeListThreshold() {
        var tree = KDTree(coordinates: [0, 0, 1, 1, 2, 2], dimension: 2)
        let threshold = 1.0 * (1 + 1e-9) + 1e-12
        let list = NearestNeighborMatcher.SpeculativeList(neighbours: [(0, 1.0), (1, 1.0 + 0.9e-9)], threshold: threshold)
        #expect(NearestNeighborMatcher.stillValid(list, tree: tree) == [0, 1])
        tree.remove(0)
        // Control 1 is now nearest, but a control just beyond the list's threshold could tie with it.
        #expect(NearestNeighborMatcher.stillValid(list, tree: tree) == nil)
        tree.remove(1)
        #expect(NearestNeighborMatcher.stillValid(list, tree: tree) == nil)
        let complete = NearestNeighborMatcher.SpeculativeList(neighbours: [(1, 1.0), (2, 3.0)], threshold: .infinity)
        #expect(NearestNeighborMatcher.stillValid(complete, tree: tree) == [2])
    }
}
