import Foundation
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
        let att: [String: ATT]
        let areaMeanOfFirstYears: [String: [String: Double]]
        let areas: Int
        let schools: Int
        enum CodingKeys: String, CodingKey {
            case att, areas, schools
            case areaMeanOfFirstYears = "area_mean_of_first_years"
        }
    }

    @Test("the study's intervals cover the generator's known effects (areas and schools, DiD and multisynth)")
    func recoversKnownEffects() throws {
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: TestData.dataset("mhst_simulated_truth.json")))
        #expect(truth.areas == 150 && truth.schools > 3000)
        let output = try Runner.run(try ConfigLoader.load(path: TestData.example("mhst_study.yaml").path), threads: 2)
        #expect(output.failures.isEmpty && output.analyses.count == 4)
        func simple(_ name: String) throws -> (Double, Double, Double) {
            let r = try #require(output.analyses.first { $0.name == name }?.result as? StaggeredDiDResult)
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
        let areas = try #require(output.analyses.first { $0.name == "areas-wellbeing-did" }?.result as? StaggeredDiDResult)
        let dynamic = try #require(areas.aggregations?.first { $0.aggregation == .dynamic })
        let post = zip(dynamic.keys, dynamic.components).filter { $0.0 >= 0 }.map(\.1.estimate)
        #expect(post.count >= 4 && post.last! > post.first!)
    }
}
