import DoseResponse
import Foundation
import Matching
import StaggeredDiD
import SyntheticControlMethods
import Tabular
import TestSupport
import Testing

@testable import ImpactRun

/// `Examples/mhst_study.yaml` on the SIMULATED MHST-shaped data (`Scripts/make_mhst_simulated.py`): the
/// estimates' intervals must cover the effects the generator put in (`Datasets/mhst_simulated_truth.json`).
@Suite("MHST worked study on simulated data")
struct MHSTStudyTests {
    struct Truth: Decodable {
        struct ATT: Decodable {
            let adoptingAreaYears: Double
            let coveredSchoolYears: Double
            enum CodingKeys: String, CodingKey {
                case adoptingAreaYears = "adopting_area_years"
                case coveredSchoolYears = "covered_school_years"
            }
        }
        struct Effects: Decodable {
            let later: Double
            let trailblazer: Double
            let perYear: Double
            let perDosePoint: Double
            enum CodingKeys: String, CodingKey {
                case later, trailblazer
                case perYear = "per_year"
                case perDosePoint = "per_dose_point"
            }
        }
        let att: [String: ATT]
        let areaMeanOfFirstYears: [String: [String: Double]]
        let effects: [String: Effects]
        let doseCentre: Double
        let areas: Int
        let schools: Int
        enum CodingKeys: String, CodingKey {
            case att, areas, schools, effects
            case areaMeanOfFirstYears = "area_mean_of_first_years"
            case doseCentre = "dose_centre"
        }
    }

    @Test("the study's intervals cover the generator's known effects (areas and schools, DiD and multisynth)")
    func recoversKnownEffects() throws {
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: TestData.dataset("mhst_simulated_truth.json")))
        #expect(truth.areas == 150 && truth.schools > 3000)
        let output = try Runner.run(try ConfigLoader.load(path: TestData.example("mhst_study.yaml").path), threads: 2)
        #expect(output.failures.isEmpty && output.analyses.count == 7)
        func simple(_ name: String) throws -> (Double, Double, Double) {
            let r = try #require(output.analyses.first { $0.name == name }?.result as? DifferenceInDifferences.Result)
            let e = try #require(r.aggregations?.first { $0.aggregation == .simple }?.overall)
            return (e.estimate, try #require(e.lower), try #require(e.upper))
        }
        let checks: [(String, (Double, Double, Double), Double)] = [
            ("area wellbeing, DiD", try simple("areas-wellbeing-did"), truth.att["wellbeing"]!.adoptingAreaYears),
            ("area referrals, DiD", try simple("areas-referrals-did"), truth.att["referral_rate"]!.adoptingAreaYears),
            ("school wellbeing, DiD", try simple("schools-wellbeing-did"), truth.att["wellbeing"]!.coveredSchoolYears)
        ]
        for (what, (estimate, lower, upper), value) in checks {
            #expect(lower <= value && value <= upper, "\(what): \(estimate) [\(lower), \(upper)] does not cover \(value)")
        }
        // multisynth with 3 leads averages each area's first three post years.
        let m = try #require(output.analyses.first { $0.name == "areas-wellbeing-multisynth" }?.result as? MultisynthResult)
        let target = truth.areaMeanOfFirstYears["wellbeing"]!["3"]!
        #expect(m.average.lower! <= target && target <= m.average.upper!, "multisynth \(m.average.estimate) does not cover \(target)")
        // Wellbeing effects grow with exposure: the area DiD's event-time effects rise.
        let areas = try #require(output.analyses.first { $0.name == "areas-wellbeing-did" }?.result as? DifferenceInDifferences.Result)
        let dynamic = try #require(areas.aggregations?.first { $0.aggregation == .dynamic })
        let post = zip(dynamic.keys, dynamic.components).filter { $0.0 >= 0 }.map(\.1.estimate)
        #expect(post.count >= 4 && post.last! > post.first!)

        // Within the programme: the generator's effect is later-wave + Trailblazer premium + per-year growth
        // + per-dose-point slope (dose centred at 20), and nothing for funding, workforce, lead, population,
        // phase or deprivation; the interactions' intervals must cover exactly these.
        let wellbeing = truth.effects["wellbeing"]!
        #expect(truth.doseCentre == 20) // the config centres the dose at 20
        let within = try #require(output.analyses.first { $0.name == "schools-within-programme" }?.result as? RegressionResult)
        let rows = try #require(within.coefficients["cr1"]?.rows)
        let expected: [String: Double] = [
            "treated": wellbeing.later, "years_since": wellbeing.perYear, "treated_trailblazer": wellbeing.trailblazer - wellbeing.later,
            "treated_dose": wellbeing.perDosePoint, "treated_funding": 0, "treated_emhp_share": 0, "treated_nhs_led": 0,
            "treated_population_10k": 0, "treated_secondary": 0, "treated_deprived": 0
        ]
        #expect(Set(rows.compactMap(\.term)) == Set(expected.keys))
        for row in rows {
            let value = expected[row.term ?? ""] ?? .nan
            #expect(row.lower! <= value && value <= row.upper!, "\(row.term ?? "?"): \(row.estimate) [\(row.lower!), \(row.upper!)] does not cover \(value)")
        }

        // Matched Trailblazer schools in 2021 (event year 2): the mean over those schools of the generator's effect.
        let schools = try CSVReader.read(contentsOf: TestData.dataset("mhst_simulated_schools.csv"))
        let year = try schools.numeric("year"), adoption = try schools.numeric("school_adoption"), dose = try schools.numeric("whole_school_share")
        let trailblazerDoses = (0..<schools.rowCount).filter { year[$0] == 2021 && adoption[$0] == 2019 }.map { dose[$0] }
        let meanDose = trailblazerDoses.reduce(0, +) / Double(trailblazerDoses.count)
        let matchedTruth = wellbeing.trailblazer + 2 * wellbeing.perYear + wellbeing.perDosePoint * (meanDose - truth.doseCentre)
        let matched = try #require(output.analyses.first { $0.name == "schools-matched-trailblazer" }?.result as? CovariateAdjustment.Result)
        let att = try #require(matched.effects.first?.effect)
        #expect(matched.counts.treated == trailblazerDoses.count)
        #expect(
            att.lower! <= matchedTruth && matchedTruth <= att.upper!, "matched \(att.estimate) [\(att.lower!), \(att.upper!)] does not cover \(matchedTruth)")

        // Dose: the average causal response to one more point of whole-school time is the generator's slope.
        let doseResult = try #require(output.analyses.first { $0.name == "schools-dose-response" }?.result as? DoseResponseAnalysis.Result)
        let acrt = try #require(doseResult.did?.overallACRT)
        #expect(
            acrt.lower! <= wellbeing.perDosePoint && wellbeing.perDosePoint <= acrt.upper!, "ACRT \(acrt.estimate) does not cover \(wellbeing.perDosePoint)")
    }

    @Test("every estimate, balance row and table cell of the study's results names the units (and clusters) behind it")
    func countsBehindEveryNumber() throws {
        let config = try ConfigLoader.load(path: TestData.example("mhst_study.yaml").path)
        let output = try Runner.run(config, threads: 2)
        #expect(output.failures.isEmpty)
        for a in output.analyses {
            switch a.result {
            case let r as DifferenceInDifferences.Result:
                for g in r.groupTime ?? [] { #expect(g.contributors.treated.units > 0 && g.contributors.comparison.units > 0, "\(a.name)") }
                for agg in r.aggregations ?? [] {
                    #expect(agg.componentContributors.count == agg.components.count && agg.overallContributors.treated.units > 0, "\(a.name)")
                }
            case let r as PartiallyPooledSyntheticControl.Result:
                #expect(r.eventTime.allSatisfy { $0.treatedUnits > 0 } && r.cohorts.allSatisfy { $0.treatedUnits > 0 }, "\(a.name)")
            case let r as RegressionResult:
                // Every coefficient rests on the fit's observations, and its clustered interval on `clusters` areas.
                #expect(r.observations > 0 && r.clusters != nil && r.tables.allSatisfy { $0.rows.allSatisfy { $0.inference.clusters == r.clusters } })
            case let r as CovariateAdjustment.Result:
                for row in r.balanceBefore.rows + r.balanceAfter.rows {
                    #expect(row.contributors.treated.units > 0 && row.contributors.comparison.units > 0, "\(row.variable)")
                    #expect((row.ones != nil) == row.binary, "\(row.variable)")
                }
            case let r as DoseResponseAnalysis.Result:
                #expect(r.units > 0 && (r.did?.cells.allSatisfy { $0.treated > 0 && $0.comparison > 0 } ?? true), "\(a.name)")
            default:
                Issue.record("\(a.name): no count check for \(type(of: a.result))")
            }
        }
    }
}
