import EstimationCore
import Foundation
import StaggeredDiD
import Tabular
import TestSupport
import Testing

@testable import DoseResponse

/// R contdid on its README data (`Fixtures/contdid_r.sh`).
struct ContdidReference: Decodable {
    struct Overall: Decodable { let overallAtt: Double, overallAcrt: Double }
    struct EventStudy: Decodable { let e: [Int], estimate: [Double] }
    struct Patched: Decodable {
        let overallAtt: Double, overallAcrt: Double, overallAcrtIfSe: Double
        let knots: [Double], dose: [Double], att: [Double], acrt: [Double], attIfSe: [Double], acrtIfSe: [Double]
    }
    let shipped: Overall
    let eventStudyLevelShipped: EventStudy
    let eventStudyBinary: EventStudy
    let eventStudySlope: EventStudy
    let patched: Patched

    static let value: ContdidReference = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(ContdidReference.self, from: Data(contentsOf: TestData.fixture("DoseResponseTests", "contdid_r.json")))
    }()
}

@Suite("Difference-in-differences with a continuous dose (contdid)")
struct ContinuousDiDTests {
    static let readme = try! CSVReader.read(contentsOf: TestData.dataset("contdid_readme.csv"))
    static func spec() -> ContinuousDiD.Specification {
        var s = ContinuousDiD.Specification(outcome: "Y", unit: "id", time: "time_period", adoption: "G", dose: "D")
        s.replications = 0
        return s
    }

    @Test("the README's overall ATT −0.0265 and ACRT 0.1341 (printed), and R's values to 1e-10")
    func overall() throws {
        let r = ContdidReference.value
        let fit = try ContinuousDiD.estimate(Self.spec(), table: Self.readme)
        #expect(abs(fit.overallATT.estimate - -0.0265) < 5e-5)
        #expect(abs(fit.overallACRT.estimate - 0.1341) < 5e-5)
        #expect(abs(fit.overallATT.estimate - r.shipped.overallAtt) < 1e-10)
        #expect(abs(fit.overallACRT.estimate - r.shipped.overallAcrt) < 1e-10)
        #expect(fit.units == 5000 && fit.cells.filter { !$0.pre }.count == 6)
        #expect(fit.basis.interiorKnots.count == 1 && abs(fit.basis.interiorKnots[0] - r.patched.knots[0]) < 1e-15)
    }

    @Test("the overall ACRT's standard error agrees with a nonparametric bootstrap over units (R's is 2.2 times too small)")
    func overallStandardError() throws {
        var s = Self.spec()
        s.grid = [0.5]
        let fit = try ContinuousDiD.estimate(s, table: Self.readme)
        let panel = try Panel(Self.readme, unit: "id", time: "time_period")
        // 100 draws of whole units; the Monte Carlo error of a standard deviation from 100 draws is about 7%.
        let rowsOfUnit = Dictionary(grouping: 0..<Self.readme.rowCount, by: { panel.unitOfRow[$0] })
        let draws: [Double] = try (0..<100).map { b in
            var rng = SplitMix64(seed: SplitMix64.derive(7, b))
            var rows: [Int] = [], ids: [Double] = []
            for k in 0..<panel.units.count {
                let u = Int(rng.next() % UInt64(panel.units.count))
                rows += rowsOfUnit[u]!
                ids += [Double](repeating: Double(k), count: rowsOfUnit[u]!.count)
            }
            var t = Self.readme.selectingRows(rows)
            try t.setColumn("id", .numeric(ids))
            return try ContinuousDiD.estimate(s, table: t).overallACRT.estimate
        }
        let bootstrap = WeightedStatistics.standardDeviation(draws)
        let se = try #require(fit.overallACRT.standardError)
        #expect(abs(se / bootstrap - 1) < 0.25, "influence function \(se), bootstrap \(bootstrap)")
        #expect(ContdidReference.value.patched.overallAcrtIfSe < 0.6 * bootstrap)
    }

    @Test("ATT(d) and ACRT(d) equal R contdid's fitted spline to 1e-8, with R's influence-function standard errors (comparison sign restored)")
    func curve() throws {
        let r = ContdidReference.value.patched
        var s = Self.spec()
        s.grid = r.dose
        let fit = try ContinuousDiD.estimate(s, table: Self.readme)
        for k in r.dose.indices {
            let point = fit.curve.points[k]
            #expect(abs(point.effect.estimate - r.att[k]) < 1e-8, "ATT(\(r.dose[k]))")
            #expect(abs(point.slope!.estimate - r.acrt[k]) < 1e-8, "ACRT(\(r.dose[k]))")
            #expect(relativeError(point.effect.standardError!, r.attIfSe[k]) < 1e-8)
            #expect(relativeError(point.slope!.standardError!, r.acrtIfSe[k]) < 1e-8)
        }
    }

    @Test("the event study: ACRT(e) equals R contdid's, ATT(e) ptetools' binary event study (contdid's own weights units by dose), to 1e-10")
    func eventStudy() throws {
        let r = ContdidReference.value
        let fit = try ContinuousDiD.estimate(Self.spec(), table: Self.readme)
        #expect(fit.eventStudy.map(\.eventTime) == r.eventStudyBinary.e)
        for (row, value) in zip(fit.eventStudy, r.eventStudyBinary.estimate) { #expect(abs(row.att.estimate - value) < 1e-10) }
        // contdid 0.1.0's level event study (the README's −0.0222 at e = −2) passes the dose as DRDID's 0/1 treatment.
        #expect(abs(fit.eventStudy[0].att.estimate - r.eventStudyLevelShipped.estimate[0]) > 5e-3)
        for (row, value) in zip(fit.eventStudy, r.eventStudySlope.estimate) { #expect(abs(row.acrt.estimate - value) < 1e-10) }
    }

    @Test("the multiplier bootstrap's sup-t band is wider than pointwise and identical for any thread count")
    func bands() throws {
        var s = Self.spec()
        s.replications = 999
        s.grid = ContdidReference.value.patched.dose
        let one = try ContinuousDiD.estimate(s, table: Self.readme)
        s.threads = 2
        let two = try ContinuousDiD.estimate(s, table: Self.readme)
        #expect(one == two)
        let c = try #require(one.curve.criticalValue)
        #expect(c > 1.96 && c < 4)
        #expect(ContinuousDiD.assumptions.contains("strong parallel trends") && one.warnings.allSatisfy { $0.message.hasSuffix(".") })
    }
}

@Suite("DiD with a dose: covariates by regression adjustment")
struct ContinuousDiDCovariateTests {
    /// The README data with a unit-level covariate that shifts the outcome's trend and is correlated with the group.
    static func withCovariate() throws -> Table {
        var t = ContinuousDiDTests.readme
        let id = try t.numeric("id"), g = try t.numeric("G"), time = try t.numeric("time_period"), y = try t.numeric("Y")
        let x = id.indices.map { i in sin(id[i] * 1.7) + 0.3 * g[i] }
        try t.addColumn("x", .numeric(x))
        try t.setColumn("Y", .numeric(y.indices.map { y[$0] + 0.4 * x[$0] * time[$0] }))
        return t
    }

    @Test(
        "each cell's ATT equals Callaway–Sant'Anna's outcome-regression ATT(g,t) (DRDID's reg_did_panel), so the event study equals did's dynamic aggregation")
    func matchesOutcomeRegression() throws {
        let t = try Self.withCovariate()
        var s = ContinuousDiDTests.spec()
        s.covariates = ["x"]
        let fit = try ContinuousDiD.estimate(s, table: t)
        var cs = CallawaySantAnna.Specification(outcome: "Y", unit: "id", time: "time_period", adoption: "G")
        cs.method = .reg
        cs.controlGroup = .notYet
        cs.covariates = ["x"]
        let reference = try CallawaySantAnna(cs, table: t)
        for cell in fit.cells {
            let gt = try #require(reference.groupTimes.first { $0.group == cell.group && $0.time == cell.time })
            #expect(abs(cell.att - gt.effect.estimate) < 1e-10, "ATT(\(cell.group), \(cell.time))")
        }
        let dynamic = try reference.aggregate(.dynamic)
        for row in fit.eventStudy {
            let k = try #require(dynamic.keys.firstIndex(of: Double(row.eventTime)))
            #expect(abs(row.att.estimate - dynamic.components[k].estimate) < 1e-10)
        }
        // Without the covariate the trend it drives biases the effect; with it, ATT(d) is near zero.
        var plain = ContinuousDiDTests.spec()
        plain.grid = [0.5]
        s.grid = [0.5]
        let adjusted = try ContinuousDiD.estimate(s, table: t), unadjusted = try ContinuousDiD.estimate(plain, table: t)
        #expect(abs(adjusted.overallATT.estimate) < 2 * adjusted.overallATT.standardError!)
        #expect(abs(unadjusted.overallATT.estimate) > 4 * unadjusted.overallATT.standardError!)
    }
}
