import EstimationCore
import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

/// Partially pooled synthetic control (augsynth's multisynth) against an OSQP transcription of augsynth's
/// quadratic programme (`Tests/Fixtures/Generators/multisynth_osqp.py`), against separate and pooled
/// synthetic controls at ν = 0 and ν = 1, and in a coverage study.
@Suite("Partially pooled synthetic control")
struct PartiallyPooledTests {
    static let ehecTable = try! CSVReader.read(contentsOf: TestData.dataset("ehec.csv"))
    static let ehec = try! Panel(ehecTable, unit: "stfips", time: "year")
    static let mpdtaTable = try! CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
    static let mpdta = try! Panel(mpdtaTable, unit: "countyreal", time: "year")

    static func adoption(_ table: Table, unit: String, column: String) -> [String: Double] {
        let a = try! table.numeric(column), ids = try! table.strings(unit)
        var out: [String: Double] = [:]
        for i in 0..<table.rowCount where a[i].isFinite && a[i] > 0 { out[ids[i]!] = a[i] }
        return out
    }
    static let ehecAdoption = adoption(ehecTable, unit: "stfips", column: "yexp2")
    static let mpdtaAdoption = adoption(mpdtaTable, unit: "countyreal", column: "first.treat")

    struct Reference: Decodable {
        struct UnitWeights: Decodable {
            let unit: String
            let weights: [String: Double]
            let average: Double
        }
        let nu: Double
        let globalL2: Double
        let indL2: Double
        let separateGlobalL2: Double
        let separateIndL2: Double
        let scaledGlobalL2: Double
        let scaledIndL2: Double
        let average: Double
        let eventTime: [String: Double]
        let units: [UnitWeights]
        let covariateImbalance: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case nu, average, units
            case globalL2 = "global_l2"
            case indL2 = "ind_l2"
            case separateGlobalL2 = "separate_global_l2"
            case separateIndL2 = "separate_ind_l2"
            case scaledGlobalL2 = "scaled_global_l2"
            case scaledIndL2 = "scaled_ind_l2"
            case eventTime = "event_time"
            case covariateImbalance = "covariate_imbalance"
        }
    }
    static let reference = try! JSONDecoder().decode(
        [String: Reference].self, from: Foundation.Data(contentsOf: TestData.fixture("SyntheticControlTests", "multisynth_osqp.json")))

    static func compare(_ r: PartiallyPooledSyntheticControl.Result, _ ref: Reference, weights: Bool, tolerance: Double) {
        #expect(relativeError(r.nu, ref.nu) < tolerance, "nu \(r.nu) vs \(ref.nu)")
        #expect(relativeError(r.separateImbalance.global, ref.separateGlobalL2) < tolerance)
        #expect(relativeError(r.separateImbalance.individual, ref.separateIndL2) < tolerance)
        #expect(relativeError(r.imbalance.global, ref.globalL2) < tolerance, "global \(r.imbalance.global) vs \(ref.globalL2)")
        #expect(relativeError(r.imbalance.individual, ref.indL2) < tolerance, "ind \(r.imbalance.individual) vs \(ref.indL2)")
        #expect(relativeError(r.scaledGlobal, ref.scaledGlobalL2) < tolerance)
        #expect(relativeError(r.scaledIndividual, ref.scaledIndL2) < tolerance)
        guard weights else { return }
        // Effects are smooth in the weights: they agree far more closely than the weights (OSQP's polish
        // and the block descent each stop within about 1e-7 of the optimum's weights).
        let effectTolerance = tolerance / 10
        #expect(abs(r.average.estimate - ref.average) < effectTolerance, "ATT \(r.average.estimate) vs \(ref.average)")
        #expect(r.eventTime.count == ref.eventTime.count)
        for e in r.eventTime {
            #expect(abs(e.effect.estimate - ref.eventTime[String(e.eventTime)]!) < effectTolerance, "event time \(e.eventTime)")
        }
        for u in ref.units {
            let mine = r.units.first { $0.name == u.unit }!
            var worst = 0.0
            for (donor, w) in u.weights { worst = max(worst, abs(w - (mine.donors.firstIndex(of: donor).map { mine.weights[$0] } ?? 0))) }
            for (donor, w) in zip(mine.donors, mine.weights) where u.weights[donor] == nil { worst = max(worst, w) }
            #expect(worst < tolerance, "\(u.unit): weights differ by \(worst)")
            #expect(abs(mine.averageEffect - u.average) < effectTolerance)
        }
    }

    @Test("ehec, augsynth's defaults (heuristic ν, intercept shift, λ = 0): ν, imbalance and scaled imbalance as the QP")
    func ehecDefault() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption).estimate(Self.ehec)
        #expect(r.converged && r.units.count == 30 && r.lags == 11 && r.leads == 1)
        Self.compare(r, Self.reference["ehec_default"]!, weights: false, tolerance: 1e-6)
    }

    @Test("ehec with ν = 0.5, λ = 0.01, 3 leads: unique weights, unit, event-time and average effects as the QP")
    func ehecRidge() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption, nu: 0.5, lambda: 0.01, leads: 3)
            .estimate(Self.ehec)
        #expect(r.converged && !r.nuChosen)
        Self.compare(r, Self.reference["ehec_nu_half_ridge"]!, weights: true, tolerance: 1e-6)
    }

    @Test("ehec without the intercept shift, λ = 0.01")
    func ehecNoFixedEffects() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption, lambda: 0.01, fixedEffects: false)
            .estimate(Self.ehec)
        Self.compare(r, Self.reference["ehec_no_fixed_effects"]!, weights: true, tolerance: 1e-6)
    }

    @Test("ehec with an auxiliary covariate (population W): weights, effects and the covariate's imbalance as the QP")
    func ehecCovariate() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption, lambda: 0.01, covariates: ["W"])
            .estimate(Self.ehec)
        let ref = Self.reference["ehec_covariate"]!
        Self.compare(r, ref, weights: true, tolerance: 1e-6)
        // W is a population (about 10⁶): weights equal to 1e-6 give its imbalance to about 1e-6 of its size.
        let w = try Self.ehecTable.numeric("W")
        let scale = w.reduce(0, +) / Double(w.count)
        #expect(abs(r.covariateImbalance["W"]! - ref.covariateImbalance!["W"]!) < 1e-6 * scale)
    }

    @Test("mpdta, 191 treated counties, covariate lpop, no intercept shift, λ = 0.1")
    func mpdtaCovariate() throws {
        let r = try PartiallyPooledSyntheticControl(
            outcome: "lemp", adoption: Self.mpdtaAdoption, lambda: 0.1, fixedEffects: false, covariates: ["lpop"], threads: 2
        ).estimate(Self.mpdta)
        let ref = Self.reference["mpdta_covariate_no_fixed_effects"]!
        Self.compare(r, ref, weights: true, tolerance: 1e-6)
        #expect(abs(r.covariateImbalance["lpop"]! - ref.covariateImbalance!["lpop"]!) < 1e-6)
        // The treated counties behind each average, counted from the adoption times: cohorts of 20, 40 and 131;
        // every county at event time 0, only the 2004 cohort three years on (when estimated).
        let cohortSizes = Dictionary(grouping: Self.mpdtaAdoption.values, by: { $0 }).mapValues(\.count)
        #expect(r.cohorts.map(\.treatedUnits) == r.cohorts.map { cohortSizes[$0.adoption]! })
        #expect(r.eventTime.first { $0.eventTime == 0 }?.treatedUnits == 191)
        if let e3 = r.eventTime.first(where: { $0.eventTime == 3 }) { #expect(e3.treatedUnits == 20) }
        // Before adoption: the 2007 cohort has four earlier years (event time −4), the others fewer.
        #expect(r.eventTime.first { $0.eventTime == -4 }?.treatedUnits == 131)
    }

    @Test("ν = 0 is a separate synthetic control per unit: each unit's imbalance equals its own SCM's pre-period gaps")
    func separate() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption, nu: 0, fixedEffects: false)
            .estimate(Self.ehec)
        #expect(r.sweeps == 1)
        let tIndex = Dictionary(uniqueKeysWithValues: Self.ehec.times.enumerated().map { ($1, $0) })
        for u in r.units {
            let t = tIndex[u.adoption]!
            // The same donors: never treated, or adopting more than `leads` periods later.
            let donors = Self.ehec.units.filter { d in
                guard let a = Self.ehecAdoption[d] else { return true }
                return tIndex[a]! > t + r.leads
            }
            let fit = try SyntheticControl.fit(
                SyntheticControlProblem(panel: Self.ehec, outcome: "dins", treated: u.name, treatmentTime: u.adoption, donors: donors),
                options: .init(predictorWeights: .outcomeOnly))
            // With more donors than periods the SCM adds a tie-breaking ridge (1e-8 of the mean squared
            // column norm), which moves its gaps by up to about 1e-6; multisynth's ν = 0 fit is the exact
            // least-squares optimum, so it can only be closer.
            let gaps = Array(fit.gaps[0..<t])
            #expect(maxAbsoluteDifference(u.imbalance, gaps) < 1e-6, "\(u.name)")
            let norm = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 } }
            #expect(norm(u.imbalance) <= norm(gaps) * (1 + 1e-12), "\(u.name)")
        }
    }

    @Test("ν = 1 with one adoption cohort is the synthetic control of the cohort's average")
    func pooled() throws {
        let cohort = Self.ehecAdoption.filter { $0.value == 2014 }
        let r = try PartiallyPooledSyntheticControl(outcome: "dins", adoption: cohort, nu: 1, fixedEffects: false)
            .estimate(Self.ehec)
        #expect(r.converged)
        let donors = Self.ehec.units.filter { cohort[$0] == nil }
        let problems = try cohort.keys.sorted().map {
            try SyntheticControlProblem(panel: Self.ehec, outcome: "dins", treated: $0, treatmentTime: 2014, donors: donors)
        }
        let average = try SyntheticControl.fit(
            SyntheticControlProblem(averaging: problems, label: "2014"), options: .init(predictorWeights: .outcomeOnly))
        let t = Self.ehec.times.firstIndex(of: 2014)!
        var meanImbalance = [Double](repeating: 0, count: t)
        for u in r.units { for k in 0..<t { meanImbalance[k] += u.imbalance[k] / Double(r.units.count) } }
        // As above, the averaged SCM's tie-breaking ridge moves its gaps by up to about 1e-6.
        let gaps = Array(average.gaps[0..<t])
        #expect(maxAbsoluteDifference(meanImbalance, gaps) < 1e-6)
        #expect(meanImbalance.reduce(0) { $0 + $1 * $1 } <= gaps.reduce(0) { $0 + $1 * $1 } * (1 + 1e-12))
        // Pooling trades individual for global balance.
        #expect(r.imbalance.global < 0.5 * r.separateImbalance.global)
        #expect(r.imbalance.individual > r.separateImbalance.individual)
    }

    @Test("mpdta with the intercept shift (where augsynth's one-period cohort gives 0/0): pooling lowers the global imbalance")
    func mpdtaPooling() throws {
        let r = try PartiallyPooledSyntheticControl(outcome: "lemp", adoption: Self.mpdtaAdoption, threads: 2).estimate(Self.mpdta)
        #expect(r.nu > 0 && r.nu < 1 && r.converged)
        #expect(r.imbalance.global < 0.9 * r.separateImbalance.global, "global \(r.imbalance.global) vs \(r.separateImbalance.global)")
        #expect(r.scaledGlobal < 1 && r.scaledIndividual < 1)
        #expect(r.average.estimate.isFinite && r.units.allSatisfy { $0.averageEffect.isFinite })
    }

    @Test("the bootstrap is identical on 1 and 2 threads, and bad settings name the setting")
    func determinismAndErrors() throws {
        var spec = PartiallyPooledSyntheticControl(outcome: "dins", adoption: Self.ehecAdoption, inference: .bootstrap(draws: 60), seed: 7)
        let one = try spec.estimate(Self.ehec)
        spec.threads = 2
        let two = try spec.estimate(Self.ehec)
        #expect(one.average == two.average && one.eventTime == two.eventTime && one.cohorts == two.cohorts)
        #expect(one.average.standardError! > 0 && one.average.lower! < one.average.estimate && one.average.upper! > one.average.estimate)
        #expect(one.cohorts.map(\.adoption) == [2014, 2015, 2016, 2017, 2019])
        #expect(one.cohorts.map(\.effect.term) == ["cohort 2014", "cohort 2015", "cohort 2016", "cohort 2017", "cohort 2019"])
        spec.nu = 1.5
        #expect(throws: SyntheticControlError.invalidOption("nu must lie in [0, 1]; it is 1.5")) { try spec.estimate(Self.ehec) }
        spec.nu = nil
        spec.adoption = ["narnia": 2014]
        #expect(throws: SyntheticControlError.self) { try spec.estimate(Self.ehec) }
        spec.adoption = ["alabama": 2008]
        #expect(throws: SyntheticControlError.noPrePeriod(unit: "alabama", treatmentTime: 2008)) { try spec.estimate(Self.ehec) }
    }
}

/// Coverage of multisynth's wild-bootstrap interval for the average effect on simulated staggered data.
@Suite("Partially pooled synthetic control coverage")
struct PartiallyPooledCoverageTests {
    /// 50 units over 20 periods; 12 adopt in periods 10, 13 and 16 (4 each), 38 never. Outcomes have unit
    /// and period effects, a factor with unit loadings shared by treated and donors (so the synthetic
    /// controls must match it), and N(0, 0.5²) noise; the effect in event time e is `scale`·(0.5 + 0.1e).
    /// With the default 4 leads the truth is the mean over e = 0…3: 0.65·scale.
    static func simulate(_ rng: inout SplitMix64, effect scale: Double) throws -> (Panel, [String: Double]) {
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        var unit: [Double] = [], time: [Double] = [], y: [Double] = []
        var adoption: [String: Double] = [:]
        let factor = (1...20).map { _ in normal() }
        for u in 0..<50 {
            let g: Double? = u < 12 ? [10, 13, 16][u / 4] : nil
            if let g { adoption[String(u)] = g }
            let alpha = normal(), loading = rng.uniform()
            for t in 1...20 {
                let effect = scale * (g.map { Double(t) >= $0 ? 0.5 + 0.1 * (Double(t) - $0) : 0 } ?? 0)
                unit.append(Double(u))
                time.append(Double(t))
                y.append(alpha + 0.2 * Double(t) + loading * factor[t - 1] + effect + 0.5 * normal())
            }
        }
        let table = try Table([("unit", .numeric(unit)), ("time", .numeric(time)), ("y", .numeric(y))])
        return (try Panel(table, unit: "unit", time: "time"), adoption)
    }

    static func coverage(_ method: PartiallyPooledSyntheticControl.InferenceMethod, effect: Double) -> Double {
        let truth = 0.65 * effect
        let covered = ParallelMap.map(200, threads: 2) { rep -> Bool in
            var rng = SplitMix64(seed: SplitMix64.derive(2024, rep))
            let (panel, adoption) = try! Self.simulate(&rng, effect: effect)
            let r = try! PartiallyPooledSyntheticControl(outcome: "y", adoption: adoption, inference: method, seed: UInt64(rep))
                .estimate(panel)
            return r.average.lower! <= truth && truth <= r.average.upper!
        }
        return Double(covered.filter { $0 }.count) / 200
    }

    @Test("jackknife: the 95% interval of the average effect covers the truth in 90-99% of 200 simulated panels")
    func jackknifeCoverage() throws {
        let rate = Self.coverage(.jackknife, effect: 1)
        #expect(rate >= 0.90 && rate <= 0.99, "coverage \(rate)")
    }

    /// augsynth's wild bootstrap perturbs treated and donor units independently, so donors' unmatched
    /// factor terms add to its spread: in this design its standard error is about 1.2 times the
    /// estimates' SD with no effect (and about 4 times with the effect above, through the centring term).
    /// It must at least never under-cover.
    @Test("wild bootstrap with no effect: the 95% interval covers zero in at least 93% of 200 simulated panels")
    func bootstrapCoverage() throws {
        let rate = Self.coverage(.bootstrap(draws: 200), effect: 0)
        #expect(rate >= 0.93, "coverage \(rate)")
    }
}
