import EstimationCore
import Foundation
import LinearAlgebra
import StaggeredDiD
import Tabular
import TestSupport
import Testing

/// moderndid values for repeated cross-sections (`Tests/Fixtures/Generators/did_rows_moderndid.py`).
struct DidRowsCase: Decodable {
    struct Agg: Decodable { let overall: Double, overallSE: Double, keys: [Double]?, components: [Double]?, componentSEs: [Double]? }
    let group: [Double], time: [Double], att: [Double], se: [Double]
    let aggregations: [String: Agg]

    static let all: [String: DidRowsCase] = {
        let data = try! Data(contentsOf: TestData.fixture("StaggeredDiDTests", "did_rows_moderndid.json"))
        var object = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        object.removeValue(forKey: "moderndid")
        return try! JSONDecoder().decode([String: DidRowsCase].self, from: try! JSONSerialization.data(withJSONObject: object))
    }()
}

@Suite("Callaway–Sant'Anna: repeated cross-sections and unbalanced panels")
struct CallawaySantAnnaRowsTests {
    static let cases: [(String, CallawaySantAnna.Specification)] = [
        ("rc_dr", DidData.spec { $0.sampling = .repeatedCrossSections }),
        (
            "rc_dr_lpop",
            DidData.spec {
                $0.sampling = .repeatedCrossSections; $0.covariates = ["lpop"]
            }
        ),
        (
            "rc_ipw_lpop",
            DidData.spec {
                $0.sampling = .repeatedCrossSections; $0.covariates = ["lpop"]; $0.method = .ipw
            }
        ),
        (
            "rc_reg_lpop",
            DidData.spec {
                $0.sampling = .repeatedCrossSections; $0.covariates = ["lpop"]; $0.method = .reg
            }
        ),
        (
            "rc_dr_notyet",
            DidData.spec {
                $0.sampling = .repeatedCrossSections; $0.controlGroup = .notYet
            }
        )
    ]

    @Test("Repeated cross-sections equal moderndid (DRDID's drdid_rc, std_ipw_did_rc, reg_did_rc): ATT(g,t), SEs, aggregations")
    func repeatedCrossSections() throws {
        for (name, spec) in Self.cases {
            let reference = try #require(DidRowsCase.all[name])
            let cs = try CallawaySantAnna(spec, table: DidData.mpdta)
            #expect(cs.count == 2500, "\(name): every row is a unit")
            #expect(cs.groupTimes.count == reference.att.count)
            for (j, g) in cs.groupTimes.enumerated() {
                #expect(g.group == reference.group[j] && g.time == reference.time[j])
                #expect(abs(g.effect.estimate - reference.att[j]) <= 1e-10, "\(name) \(g.effect.term ?? ""): \(g.effect.estimate) vs \(reference.att[j])")
                #expect(abs(g.effect.standardError! - reference.se[j]) <= 1e-8 * reference.se[j], "\(name) SE \(j)")
            }
            for kind in [CallawaySantAnna.Aggregation.simple, .dynamic] {
                let a = try cs.aggregate(kind)
                let r = try #require(reference.aggregations[kind.rawValue])
                #expect(abs(a.overall.estimate - r.overall) <= 1e-10, "\(name) \(kind)")
                #expect(abs(a.overall.standardError! - r.overallSE) <= 1e-8 * r.overallSE, "\(name) \(kind) SE")
                if let components = r.components, let ses = r.componentSEs {
                    for (k, c) in a.components.enumerated() {
                        #expect(abs(c.estimate - components[k]) <= 1e-10)
                        #expect(abs(c.standardError! - ses[k]) <= 1e-8 * ses[k])
                    }
                }
            }
        }
    }

    /// mpdta without the rows where (countyreal + 3·year) mod 7 = 0 (351 of 2,500 rows).
    static let unbalanced: Table = {
        let t = DidData.mpdta
        let county = try! t.numeric("countyreal"), year = try! t.numeric("year")
        return t.filteringRows { (Int(county[$0]) + 3 * Int(year[$0])) % 7 != 0 }
    }()

    @Test("An unbalanced panel is R did's definition: the cross-section estimates with influence functions summed within unit")
    func unbalancedPanel() throws {
        #expect(Self.unbalanced.rowCount == 2149)
        let panel = try CallawaySantAnna(DidData.spec { $0.sampling = .unbalancedPanel }, table: Self.unbalanced)
        var clustered = DidData.spec { $0.sampling = .repeatedCrossSections }
        clustered.cluster = "countyreal"
        let rows = try CallawaySantAnna(clustered, table: Self.unbalanced)
        #expect(panel.count == 500 && rows.count == 2149)
        // Same estimates; the unit-summed influence function gives exactly the unit-clustered SEs.
        for (a, b) in zip(panel.groupTimes, rows.groupTimes) {
            #expect(abs(a.effect.estimate - b.effect.estimate) <= 1e-13)
            #expect(abs(a.effect.standardError! - b.effect.standardError!) <= 1e-12 * b.effect.standardError!)
        }
        // On the balanced panel without covariates the cross-section estimator is the panel one:
        // a difference of means equals the mean of differences.
        let balanced = try CallawaySantAnna(DidData.spec { $0.sampling = .unbalancedPanel }, table: DidData.mpdta)
        let reference = try CallawaySantAnna(DidData.spec(), table: DidData.mpdta)
        for (a, b) in zip(balanced.groupTimes, reference.groupTimes) { #expect(abs(a.effect.estimate - b.effect.estimate) <= 1e-12) }
        // Group shares come from units, not rows: the simple aggregation weights cohorts by their units.
        #expect(try panel.aggregate(.simple).overall.estimate.isFinite)
    }

    @Test("Unbalanced data are refused by the balanced-panel estimator with the remedy")
    func balancedRequired() {
        #expect {
            _ = try CallawaySantAnna(DidData.spec(), table: Self.unbalanced)
        } throws: { "\($0)".contains("balanced panel") }
    }
}
