import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import StaggeredDiD
import Tabular
import TestSupport
import Testing

/// moderndid values (`Tests/Fixtures/Generators/did_moderndid.py`).
struct DidCase: Decodable {
    struct Agg: Decodable { let overall: Double, overallSE: Double, keys: [Double]?, components: [Double]?, componentSEs: [Double?]? }
    let group: [Double], time: [Double], att: [Double], se: [Double?]
    let wald: Double?, waldP: Double?
    let aggregations: [String: Agg]

    static let all: [String: DidCase] = {
        let data = try! Data(contentsOf: TestData.fixture("StaggeredDiDTests", "did_moderndid.json"))
        var object = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        object.removeValue(forKey: "moderndid")
        let cleaned = try! JSONSerialization.data(withJSONObject: object)
        return try! JSONDecoder().decode([String: DidCase].self, from: cleaned)
    }()
}

enum DidData {
    static let mpdta: Table = {
        var t = try! CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
        try! t.addColumn("pop", .numeric(try! t.numeric("lpop").map { exp($0) }))
        return t
    }()
    static func spec(_ configure: (inout CallawaySantAnna.Specification) -> Void = { _ in }) -> CallawaySantAnna.Specification {
        var s = CallawaySantAnna.Specification(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat")
        configure(&s)
        return s
    }
}

@Suite("Callaway–Sant'Anna group-time effects")
struct CallawaySantAnnaTests {
    static let cases: [(String, CallawaySantAnna.Specification)] = [
        ("never_dr", DidData.spec()),
        ("notyet_dr", DidData.spec { $0.controlGroup = .notYet }),
        ("never_dr_lpop", DidData.spec { $0.covariates = ["lpop"] }),
        (
            "never_ipw_lpop",
            DidData.spec {
                $0.covariates = ["lpop"]; $0.method = .ipw
            }
        ),
        (
            "never_reg_lpop",
            DidData.spec {
                $0.covariates = ["lpop"]; $0.method = .reg
            }
        ),
        ("never_dr_universal", DidData.spec { $0.basePeriod = .universal }),
        ("never_dr_anticipation", DidData.spec { $0.anticipation = 1 }),
        (
            "never_dr_weighted",
            DidData.spec {
                $0.covariates = ["lpop"]; $0.weights = "pop"
            }
        )
    ]

    @Test("ATT(g,t) and analytic SEs equal moderndid/R did (1e-10 and 1e-8)", arguments: cases.map(\.0))
    func groupTimeEffects(_ name: String) throws {
        let reference = try #require(DidCase.all[name])
        let spec = Self.cases.first { $0.0 == name }!.1
        let cs = try CallawaySantAnna(spec, table: DidData.mpdta)
        #expect(cs.groupTimes.map(\.group) == reference.group && cs.groupTimes.map(\.time) == reference.time)
        for (k, gt) in cs.groupTimes.enumerated() {
            #expect(abs(gt.effect.estimate - reference.att[k]) < 1e-10, "\(name) ATT(\(gt.group), \(gt.time))")
            if let se = reference.se[k], se > 0 {
                #expect(relativeError(gt.effect.standardError ?? 0, se) < 1e-8, "\(name) SE(\(gt.group), \(gt.time))")
            }
        }
        if let wald = reference.wald, let p = reference.waldP, let test = try cs.preTest() {
            #expect(relativeError(test.statistic, wald) < 1e-8, "\(name) pre-test")
            #expect(abs(test.pValue - p) < 5e-6) // moderndid rounds the p-value to 5 decimals
        }
    }

    /// With sampling weights R did weights the groups by their weighted shares (`pg` from `weights.ind`,
    /// `compute.aggte`); moderndid uses unweighted shares there, so the weighted case is left out.
    @Test(
        "aggregations simple, group, dynamic and calendar with SEs equal moderndid/R did (1e-8)", arguments: cases.map(\.0).filter { $0 != "never_dr_weighted" }
    )
    func aggregations(_ name: String) throws {
        let reference = try #require(DidCase.all[name])
        let spec = Self.cases.first { $0.0 == name }!.1
        let cs = try CallawaySantAnna(spec, table: DidData.mpdta)
        for kind in CallawaySantAnna.Aggregation.allCases {
            guard let r = reference.aggregations[kind.rawValue] else { continue }
            let a = try cs.aggregate(kind)
            #expect(abs(a.overall.estimate - r.overall) < 1e-10, "\(name) \(kind) overall")
            #expect(relativeError(a.overall.standardError!, r.overallSE) < 1e-8, "\(name) \(kind) overall SE")
            if let keys = r.keys, let components = r.components, let ses = r.componentSEs {
                #expect(a.keys == keys, "\(name) \(kind) keys")
                for (k, c) in a.components.enumerated() where k < components.count {
                    #expect(abs(c.estimate - components[k]) < 1e-10, "\(name) \(kind) \(keys[k])")
                    if let se = ses[k], se > 0 { #expect(relativeError(c.standardError ?? 0, se) < 1e-8, "\(name) \(kind) SE \(keys[k])") }
                }
            }
        }
    }

    @Test("the printed did numbers: ATT(g,t), SE(2004, 2004), the simple aggregation, and the lpop pre-test p 0.23267")
    func publishedNumbers() throws {
        let cs = try CallawaySantAnna(DidData.spec(), table: DidData.mpdta)
        let post = cs.groupTimes.filter { !$0.pre }.map(\.effect.estimate)
        let printed = [
            -0.0105032462209509, -0.0704231581031381, -0.137258738889396, -0.100811363085397,
            -0.00459460695286396, -0.041224471546218, -0.0260544107191967
        ]
        #expect(zip(post, printed).allSatisfy { abs($0 - $1) < 1e-10 } && post.count == 7)
        #expect(abs(cs.groupTimes[0].effect.standardError! - 0.0232510364) < 1e-8)
        let simple = try cs.aggregate(.simple)
        #expect(abs(simple.overall.estimate - -0.0399512752) < 1e-9 && abs(simple.overall.standardError! - 0.0120340128) < 1e-8)
        let lpop = try CallawaySantAnna(DidData.spec { $0.covariates = ["lpop"] }, table: DidData.mpdta)
        #expect(abs(try #require(try lpop.preTest()).pValue - 0.23267) < 5e-6)
        let lpopPost = lpop.groupTimes.filter { !$0.pre }.map(\.effect.estimate)
        let lpopPrinted = [-0.0145, -0.0764, -0.1404, -0.1069, 0.0010, -0.0413, -0.0288]
        #expect(zip(lpopPost, lpopPrinted).allSatisfy { abs($0 - $1) < 5e-5 })
    }

    /// did's bootstrap SE is the draws' interquartile range / 1.349. With Mammen's multipliers (moderndid,
    /// DRDID; our default) it stays within 5% of the analytic SE on mpdta; with Rademacher multipliers
    /// (R did) the short-tailed bootstrap distribution of the 2004 cohort (few treated counties) puts it
    /// 3–8% above, depending on the seed, so only the deterministic properties are checked for those.
    @Test("multiplier bootstrap (10,000 draws): Mammen SEs within 5% of the analytic ones; the sup-t band is wider; thread-invariant")
    func multiplierBootstrap() throws {
        let cs = try CallawaySantAnna(DidData.spec(), table: DidData.mpdta)
        for weights in [WildClusterBootstrap.Weights.mammen, .rademacher] {
            let boot = CallawaySantAnna.multiplierBootstrap(
                cs.influence, clusters: nil, draws: 10_000, level: 0.95, seed: 42, threads: 2, weights: weights)
            if weights == .mammen {
                for (gt, se) in zip(cs.groupTimes, boot.standardErrors) {
                    #expect(abs(se / gt.effect.standardError! - 1) < 0.05, "ATT(\(gt.group), \(gt.time))")
                }
            }
            // The uniform band's critical value exceeds the pointwise one, so it contains every pointwise band.
            #expect(boot.criticalValue > 2.5 && boot.criticalValue < 3.2)
            let one = CallawaySantAnna.multiplierBootstrap(
                cs.influence, clusters: nil, draws: 10_000, level: 0.95, seed: 42, threads: 1, weights: weights)
            #expect(one == boot)
        }
    }
}

@Suite("Callaway–Sant'Anna coverage")
struct CallawaySantAnnaCoverageTests {
    /// 400 units over 8 periods: cohorts first treated in periods 3, 5 and 7 (100 units each) and 100
    /// never treated; unit and period effects, AR-free normal noise, parallel trends, and effects that
    /// grow with exposure (τ = 0.2 + 0.1·(t − g), larger for earlier cohorts). The truth of the simple
    /// aggregation is the cohort-size-weighted mean of the true post-treatment ATT(g,t).
    static func simulate(_ rng: inout SplitMix64) throws -> Table {
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        var unit: [Double] = [], time: [Double] = [], y: [Double] = [], adoption: [Double] = []
        for u in 0..<400 {
            let g: Double = [0, 3, 5, 7][u / 100]
            let alpha = normal()
            for t in 1...8 {
                let effect = g > 0 && Double(t) >= g ? 0.2 + 0.1 * (Double(t) - g) + 0.05 * (7 - g) : 0
                unit.append(Double(u))
                time.append(Double(t))
                adoption.append(g)
                y.append(alpha + 0.3 * Double(t) + effect + normal())
            }
        }
        return try Table([("unit", .numeric(unit)), ("time", .numeric(time)), ("y", .numeric(y)), ("g", .numeric(adoption))])
    }

    static var truth: Double {
        var total = 0.0, count = 0.0
        for g in [3.0, 5, 7] {
            for t in stride(from: g, through: 8, by: 1) {
                total += 0.2 + 0.1 * (t - g) + 0.05 * (7 - g)
                count += 1
            }
        }
        return total / count // equal cohort sizes: each post (g,t) weighs the same
    }

    @Test("the simple aggregation's 95% interval covers the truth in 90–99% of 200 simulated panels")
    func coverage() throws {
        var rng = SplitMix64(seed: 20_261_130)
        var covered = 0
        for _ in 0..<200 {
            let table = try Self.simulate(&rng)
            let cs = try CallawaySantAnna(CallawaySantAnna.Specification(outcome: "y", unit: "unit", time: "time", adoption: "g"), table: table)
            let simple = try cs.aggregate(.simple)
            if simple.overall.lower! <= Self.truth && Self.truth <= simple.overall.upper! { covered += 1 }
        }
        let rate = Double(covered) / 200
        #expect(rate >= 0.90 && rate <= 0.99, "coverage \(rate)")
    }
}
