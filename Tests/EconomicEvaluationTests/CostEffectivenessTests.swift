import EconomicEvaluation
import EstimationCore
import Foundation
import Regression
import Tabular
import TestSupport
import Testing

/// R's values (`Fixtures/cost_effectiveness_r.R`: sandwich, clubSandwich, BCEA's definitions in base R).
struct CostEffectivenessReference: Decodable {
    struct PBS: Decodable {
        struct INB: Decodable { let lambda, inb, se, prob: Double }
        struct CR2: Decodable { let inb, se, df, seEffect, dfEffect: Double }
        struct HC3: Decodable { let se: Double }
        let persons, sites, personsAll: Int
        let meanCost, meanQALY: [Double]
        let units: [Int]
        let unadjustedCost, dE, dC, seE, seC, covEC, icer: Double
        let fieller: [Double]
        let inb: [INB]
        let cr2: CR2
        let hc3: HC3
    }
    struct Discounted: Decodable { let dE, dC: Double; let meanQALY, meanCost: [Double] }
    struct Vaccine: Decodable {
        struct AtLambda: Decodable { let lambda, eib, ceac, evpi: Double; let mce, enb: [Double] }
        struct Quadrants: Decodable { let northEast, southEast, northWest, southWest: Double }
        let draws: Int
        let deltaE, deltaC, icer: Double
        let quadrants: Quadrants
        let byLambda: [AtLambda]
    }
    let pbs: PBS
    let pbsDiscounted: Discounted
    let vaccine: Vaccine
    static let value = try! JSONDecoder().decode(
        Self.self, from: Foundation.Data(contentsOf: TestData.fixture("EconomicEvaluationTests", "cost_effectiveness_r.json")))
}

@Suite("Cost-effectiveness: incremental analysis, net-benefit regression, probabilistic sensitivity")
struct CostEffectivenessTests {
    static let pbs = try! CSVReader.read(contentsOf: TestData.dataset("pbs_trial.csv"))
    static let vaccine = try! CSVReader.read(contentsOf: TestData.dataset("vaccine_psa.csv"))

    static func pbsSpecification(_ variance: VarianceEstimator = .cr1, years: [Double] = [0, 0.5, 1]) -> CostEffectiveness.Specification {
        var spec = CostEffectiveness.Specification(strategy: "trt", cost: "c", effect: "e")
        var waves = CostEffectiveness.Waves(unit: "id", wave: "time", waves: [1, 2, 3], years: years)
        waves.costWaves = [2, 3]
        spec.input = .waves(waves)
        spec.cluster = "site"
        spec.variance = variance
        spec.willingnessToPay = [0, 10000, 20000, 30000, 50000]
        return spec
    }

    @Test("dampack's HERC example: UC, B, D, E on the frontier with ICERs 5000, 12500, 20000; C extendedly dominated; A dominated (exact)")
    func hercFrontier() throws {
        let table = try Table([
            ("strategy", .categorical(Categorical(["E", "D", "C", "B", "A", "UC"]))),
            ("cost", .numeric([55000, 35000, 25000, 10000, 12000, 5000])), ("effect", .numeric([5, 4, 3, 2, 1.5, 1]))
        ])
        var spec = CostEffectiveness.Specification(strategy: "strategy", cost: "cost", effect: "effect")
        spec.input = .summary
        let r = try CostEffectiveness.estimate(spec, table: table)
        #expect(r.incremental.map(\.strategy) == ["UC", "B", "D", "E", "C", "A"])
        #expect(r.incremental.map(\.status) == [.frontier, .frontier, .frontier, .frontier, .extendedlyDominated, .dominated])
        #expect(r.incremental.map(\.icer) == [nil, 5000, 12500, 20000, nil, nil])
        #expect(r.incremental.map(\.comparator) == [nil, "UC", "B", "D", nil, nil])
        #expect(r.incremental[2].incrementalCost == 25000 && r.incremental[2].incrementalEffect == 2)
    }

    @Test(
        "Strong dominance by a tie in cost and by an equal strategy listed earlier; increasing ICERs keep every strategy; a falling ICER marks extended dominance"
    )
    func dominanceEdges() {
        let rows = IncrementalAnalysis.rows(names: ["a", "b", "c", "d"], costs: [1, 1, 5, 5], effects: [1, 2, 3, 3])
        #expect(rows.map(\.strategy) == ["b", "c", "a", "d"])
        #expect(rows.map(\.status) == [.frontier, .frontier, .dominated, .dominated])
        let extended = IncrementalAnalysis.rows(names: ["x", "y", "z"], costs: [0, 10, 40], effects: [0, 1, 2])
        #expect(extended.map(\.status) == [.frontier, .frontier, .frontier])
        let mixed = IncrementalAnalysis.rows(names: ["x", "y", "z"], costs: [0, 9, 12], effects: [0, 1, 2])
        #expect(mixed.map(\.strategy) == ["x", "z", "y"] && mixed[1].icer == 6 && mixed[2].status == .extendedlyDominated)
    }

    @Test("BCEA's Vaccine draws: increments, ICER, EIB, CEAC, multi-strategy acceptability, EVPI as BCEA defines them (1e-10)")
    func vaccine() throws {
        let ref = CostEffectivenessReference.value.vaccine
        var spec = CostEffectiveness.Specification(strategy: "strategy", cost: "cost", effect: "effect")
        spec.input = .draws(draw: "draw")
        spec.willingnessToPay = ref.byLambda.map(\.lambda)
        let r = try CostEffectiveness.estimate(spec, table: Self.vaccine)
        let s = try #require(r.sensitivity)
        #expect(r.comparator == "Status Quo" && s.draws == ref.draws && r.warnings.isEmpty)
        let inc = try #require(s.increments.first)
        // The published values, then R's.
        #expect(relativeError(inc.incrementalEffect, 0.0002505764373) < 1e-8)
        #expect(relativeError(inc.incrementalCost, 5.035982871) < 1e-8)
        #expect(relativeError(inc.icer ?? .nan, 20_097.59148) < 1e-8)
        #expect(relativeError(s.byWillingnessToPay[2].expectedIncrementalBenefit[0], -0.0244541249) < 1e-8)
        #expect(relativeError(s.byWillingnessToPay[4].expectedIncrementalBenefit[0], 2.481310248) < 1e-8)
        #expect(relativeError(inc.incrementalEffect, ref.deltaE) < 1e-12 && relativeError(inc.icer ?? .nan, ref.icer) < 1e-12)
        let q = inc.quadrants, rq = ref.quadrants
        #expect([q.northEast, q.southEast, q.northWest, q.southWest] == [rq.northEast, rq.southEast, rq.northWest, rq.southWest])
        for (row, x) in zip(s.byWillingnessToPay, ref.byLambda) {
            #expect(relativeError(row.expectedIncrementalBenefit[0], x.eib, floor: 1e-12) < 1e-10, "λ = \(x.lambda)")
            #expect(row.probabilityCostEffective == [x.ceac], "λ = \(x.lambda)")
            #expect(row.probabilityMostCostEffective == x.mce, "λ = \(x.lambda)")
            #expect(maxRelativeError(row.expectedNetBenefit, x.enb) < 1e-12)
            #expect(abs(row.expectedValueOfPerfectInformation - x.evpi) < 1e-10 * max(1, abs(x.evpi)), "λ = \(x.lambda)")
            #expect(row.optimal == (x.enb[1] > x.enb[0] ? "Vaccination" : "Status Quo"))
        }
    }

    @Test("PBS cluster trial: QALYs by AUC, complete cases (204 of 244 in 23 sites), means, adjusted increments and INB with CR1 by site as R sandwich (1e-8)")
    func pbsCR1() throws {
        let ref = CostEffectivenessReference.value.pbs
        let r = try CostEffectiveness.estimate(Self.pbsSpecification(), table: Self.pbs)
        let d = try #require(r.derivation)
        #expect(d.completeUnits == 204 && d.incompleteUnits == 40 && ref.persons == 204 && ref.personsAll == 244)
        #expect(r.strategies.map(\.units) == ref.units && r.strategies.map(\.strategy) == ["1", "2"])
        #expect(maxRelativeError(r.strategies.map(\.meanCost), ref.meanCost) < 1e-12)
        #expect(maxRelativeError(r.strategies.map(\.meanEffect), ref.meanQALY) < 1e-12)
        // The published values: unadjusted incremental cost, QALYs adjusted for baseline utility, INB at £20,000.
        #expect(relativeError(r.strategies[1].meanCost - r.strategies[0].meanCost, 2663.913773) < 1e-8)
        let nb = try #require(r.netBenefit)
        let c = try #require(nb.comparisons.first)
        #expect(nb.observations == 204 && nb.clusters == 23 && nb.adjustment == ["baseline utility"])
        #expect(relativeError(c.incrementalEffect.estimate, 0.0759477522) < 1e-8)
        #expect(relativeError(c.byWillingnessToPay[2].incrementalNetBenefit.estimate, -1367.095782) < 1e-8)
        #expect(relativeError(c.byWillingnessToPay[2].incrementalNetBenefit.standardError ?? .nan, 1008.291611) < 1e-8)
        // R's.
        #expect(relativeError(c.incrementalCost.estimate, ref.dC) < 1e-10 && relativeError(c.incrementalEffect.standardError ?? .nan, ref.seE) < 1e-10)
        #expect(relativeError(c.incrementalCost.standardError ?? .nan, ref.seC) < 1e-10)
        #expect(relativeError(c.covariance, ref.covEC) < 1e-8)
        #expect(relativeError(c.icer ?? .nan, ref.icer) < 1e-10)
        let fieller = try #require(c.icerInterval)
        #expect(!fieller.unbounded && maxRelativeError([fieller.lower ?? .nan, fieller.upper ?? .nan], ref.fieller) < 1e-8)
        for (row, x) in zip(c.byWillingnessToPay, ref.inb) {
            #expect(row.willingnessToPay == x.lambda)
            #expect(relativeError(row.incrementalNetBenefit.estimate, x.inb) < 1e-10, "λ = \(x.lambda)")
            #expect(relativeError(row.incrementalNetBenefit.standardError ?? .nan, x.se) < 1e-9, "λ = \(x.lambda)")
            #expect(relativeError(row.probabilityCostEffective ?? .nan, x.prob) < 1e-7, "λ = \(x.lambda)")
            #expect(row.incrementalNetBenefit.degreesOfFreedom == 22 && row.incrementalNetBenefit.inference.type == "CR1")
        }
        #expect(r.warnings.contains(.incomplete(left: 40, of: 244)) && r.warnings.contains(.fewClusters(clusters: 23)))
    }

    @Test("Fieller's bounds are the willingness to pay at which the INB interval's bounds cross zero")
    func fiellerMatchesINB() throws {
        let first = try CostEffectiveness.estimate(Self.pbsSpecification(), table: Self.pbs)
        let interval = try #require(first.netBenefit?.comparisons.first?.icerInterval)
        var spec = Self.pbsSpecification()
        spec.willingnessToPay = [interval.lower!, interval.upper!]
        let rows = try #require(try CostEffectiveness.estimate(spec, table: Self.pbs).netBenefit?.comparisons.first?.byWillingnessToPay)
        // At the lower bound the INB interval's upper end is 0; at the upper bound its lower end is 0.
        #expect(abs(rows[0].incrementalNetBenefit.upper ?? .nan) < 1e-6 * (rows[0].incrementalNetBenefit.standardError ?? 1))
        #expect(abs(rows[1].incrementalNetBenefit.lower ?? .nan) < 1e-6 * (rows[1].incrementalNetBenefit.standardError ?? 1))
    }

    @Test("PBS with CR2: INB's SE and Satterthwaite df at £20,000 as clubSandwich's coef_test (1e-8); HC3 as sandwich's vcovHC")
    func pbsCR2() throws {
        let ref = CostEffectivenessReference.value.pbs
        let r = try CostEffectiveness.estimate(Self.pbsSpecification(.cr2), table: Self.pbs)
        let c = try #require(r.netBenefit?.comparisons.first)
        let at20 = c.byWillingnessToPay[2].incrementalNetBenefit
        #expect(relativeError(at20.standardError ?? .nan, ref.cr2.se) < 1e-8)
        #expect(relativeError(at20.degreesOfFreedom ?? .nan, ref.cr2.df) < 1e-8)
        #expect(relativeError(c.incrementalEffect.standardError ?? .nan, ref.cr2.seEffect) < 1e-8)
        #expect(!r.warnings.contains(.fewClusters(clusters: 23)))
        var hc3 = Self.pbsSpecification(.hc3)
        hc3.cluster = nil
        let h = try #require(try CostEffectiveness.estimate(hc3, table: Self.pbs).netBenefit?.comparisons.first)
        #expect(relativeError(h.byWillingnessToPay[2].incrementalNetBenefit.standardError ?? .nan, ref.hc3.se) < 1e-8)
    }

    @Test("Discounting at 3.5% with waves at 0, 1 and 2 years: the second year's QALY segment and the wave-3 cost are discounted once (R, 1e-10)")
    func discounting() throws {
        let ref = CostEffectivenessReference.value.pbsDiscounted
        let r = try CostEffectiveness.estimate(Self.pbsSpecification(years: [0, 1, 2]), table: Self.pbs)
        #expect(maxRelativeError(r.strategies.map(\.meanEffect), ref.meanQALY) < 1e-12)
        #expect(maxRelativeError(r.strategies.map(\.meanCost), ref.meanCost) < 1e-12)
        let c = try #require(r.netBenefit?.comparisons.first)
        #expect(relativeError(c.incrementalEffect.estimate, ref.dE) < 1e-10 && relativeError(c.incrementalCost.estimate, ref.dC) < 1e-10)
    }

    @Test("Bad input is named: a negative cost, a utility above 1 or below the minimum, waves out of order, λ not increasing, a strategy without observations")
    func badInput() throws {
        func problem(_ spec: CostEffectiveness.Specification, _ table: Table = Self.pbs) -> EconomicEvaluationError? {
            do {
                try CostEffectiveness.validate(spec, table: table)
                return nil
            } catch { return error }
        }
        var table = Self.pbs
        var c = try table.numeric("c")
        c[6] = -10
        try table.setColumn("c", .numeric(c))
        let negative = try #require(problem(Self.pbsSpecification(), table))
        #expect(negative.field == .cost && negative.description.contains("row 7 (line 8 of the file) holds -10"))
        table = Self.pbs
        var e = try table.numeric("e")
        e[3] = 1.2
        try table.setColumn("e", .numeric(e))
        #expect(problem(Self.pbsSpecification(), table)?.description.contains("column 'e', row 4 (line 5 of the file) holds 1.2") == true)
        var low = Self.pbsSpecification()
        if case .waves(var w) = low.input { w.utilityMinimum = 0; low.input = .waves(w) }
        #expect(problem(low)?.field == .utility)
        #expect(problem(Self.pbsSpecification(years: [0, 1, 0.5]))?.description.contains("waves out of order") == true)
        var lambda = Self.pbsSpecification()
        lambda.willingnessToPay = [0, 20000, 10000]
        #expect(problem(lambda)?.field == .willingnessToPay)
        var listed = Self.pbsSpecification()
        listed.strategies = ["1", "2", "3"]
        #expect(problem(listed) == .noObservations(strategy: "3", column: "trt"))
        var comparator = Self.pbsSpecification()
        comparator.comparator = "PBS"
        #expect(problem(comparator)?.field == .comparator)
        #expect(problem(Self.pbsSpecification()) == nil)
    }
}
