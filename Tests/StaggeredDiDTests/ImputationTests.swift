import EstimationCore
import Foundation
import Regression
import StaggeredDiD
import Tabular
import TestSupport
import Testing

/// pyfixest's extended two-way fixed effects (`Tests/Fixtures/Generators/did_moderndid.py`).
struct ImputationReference: Decodable {
    let cells: [String], att: [Double], se: [Double], overall: Double, overallSE: Double
    static let value = try! JSONDecoder().decode(Self.self, from: Data(contentsOf: TestData.fixture("StaggeredDiDTests", "imputation_pyfixest.json")))
}

@Suite("Imputation estimator")
struct ImputationTests {
    @Test("mpdta: ATT(g,t) equal pyfixest's extended TWFE (1e-10), SEs (1e-8); overall −0.0477099183 with CR1 SE 0.01326496")
    func mpdta() throws {
        let r = ImputationReference.value
        let imputation = try ImputationDiD(DidData.spec(), table: DidData.mpdta)
        #expect(imputation.cells.count == r.cells.count)
        for (cell, (att, se)) in zip(imputation.cells, zip(r.att, r.se)) {
            #expect(abs(cell.effect.estimate - att) < 1e-10)
            #expect(relativeError(cell.effect.standardError!, se) < 1e-8)
        }
        #expect(abs(imputation.cells[0].effect.estimate - -0.0193723636759116) < 1e-10)
        #expect(abs(imputation.cells.last!.effect.estimate - -0.0431060328087001) < 1e-10)
        #expect(abs(imputation.overall.estimate - -0.0477099183) < 1e-9)
        #expect(abs(imputation.overall.standardError! - 0.01326496) < 1e-8)
        #expect(relativeError(imputation.overall.standardError!, r.overallSE) < 1e-8)
        // Event time 0 averages the three cohorts' first treated periods, weighted by their sizes.
        let e0 = imputation.cells.filter { $0.time == $0.group }
        let weighted = e0.reduce(0) { $0 + Double($1.observations) * $1.effect.estimate } / Double(e0.reduce(0) { $0 + $1.observations })
        #expect(abs(imputation.eventTime[imputation.eventTimes.firstIndex(of: 0)!].estimate - weighted) < 1e-12)
    }
}

/// pyfixest 0.60.0's `did2s` on mpdta without the 2004 cohort, with lpop × (year − 2003)
/// (`Tests/Fixtures/Generators/imputation_covariates_pyfixest.py`).
struct ImputationCovariateReference: Decodable {
    let cells: [String], att: [Double], attDirect: [Double], se: [Double], overall: Double, overallSE: Double, firstStage: Double
    static let value = try! JSONDecoder().decode(
        Self.self, from: Data(contentsOf: TestData.fixture("StaggeredDiDTests", "imputation_covariates_pyfixest.json")))
}

@Suite("Imputation estimator with covariates (BJS step 1 on untreated observations)")
struct ImputationCovariateTests {
    /// mpdta with a time-varying covariate, lpop × (year − 2003); without the 2004 cohort when `drop2004`.
    static func data(drop2004: Bool) throws -> Table {
        var t = DidData.mpdta
        let lpop = try t.numeric("lpop"), year = try t.numeric("year")
        try t.addColumn("lpop_trend", .numeric(zip(lpop, year).map { $0 * ($1 - 2003) }))
        guard drop2004 else { return t }
        let g = try t.numeric("first.treat")
        return t.filteringRows { g[$0] != 2004 }
    }

    /// BJS by hand: y = αᵢ + λₜ + βx on the untreated observations (singletons kept), each treated
    /// observation's τ = y − α̂ᵢ − λ̂ₜ − β̂x, averaged by cohort and period.
    static func direct(_ t: Table) throws -> (cells: [String: Double], beta: Double) {
        let g = try t.numeric("first.treat"), year = try t.numeric("year"), y = try t.numeric("lemp"), x = try t.numeric("lpop_trend")
        let unit = try t.numeric("countyreal")
        let treated = (0..<t.rowCount).filter { g[$0] > 0 && year[$0] >= g[$0] }
        let untreated = (0..<t.rowCount).filter { !(g[$0] > 0 && year[$0] >= g[$0]) }
        var spec = ModelSpecification(outcome: "lemp", covariates: ["lpop_trend"], absorb: ["countyreal", "year"])
        spec.dropSingletons = false
        let design = try DesignMatrix(spec, table: t.selectingRows(untreated))
        let fit = try LinearModel.fit(design)
        let effects = try design.fixedEffectEstimates(fit)
        let alpha = Dictionary(uniqueKeysWithValues: zip(effects[0].levels, effects[0].estimates))
        let lambda = Dictionary(uniqueKeysWithValues: zip(effects[1].levels, effects[1].estimates))
        let beta = fit.coefficients[0]
        var sums: [String: (Double, Int)] = [:]
        for i in treated {
            let tau = y[i] - alpha[formatNumber(unit[i])]! - lambda[formatNumber(year[i])]! - beta * x[i]
            let key = "\(formatNumber(g[i]))_\(formatNumber(year[i]))"
            sums[key, default: (0, 0)].0 += tau
            sums[key, default: (0, 0)].1 += 1
        }
        return (sums.mapValues { $0.0 / Double($0.1) }, beta)
    }

    @Test("ATT(g,t) and β equal a direct BJS computation (1e-10), with and without the 2004 cohort's singletons")
    func direct() throws {
        for drop2004 in [true, false] {
            let t = try Self.data(drop2004: drop2004)
            let reference = try Self.direct(t)
            let imputation = try ImputationDiD(DidData.spec { $0.covariates = ["lpop_trend"] }, table: t)
            #expect(imputation.cells.count == reference.cells.count)
            for cell in imputation.cells {
                let key = "\(formatNumber(cell.group))_\(formatNumber(cell.time))"
                let expected = try #require(reference.cells[key])
                #expect(abs(cell.effect.estimate - expected) < 1e-10, "\(key): \(cell.effect.estimate) vs \(expected)")
            }
            #expect(abs(imputation.covariateCoefficients[0] - reference.beta) < 1e-10)
        }
    }

    @Test("against pyfixest's did2s: ATT(g,t) as BJS with every dummy (1e-10), first stage (1e-10), SEs = did2s's GMM SEs × √(CR1 factor) (1e-8)")
    func did2s() throws {
        let r = ImputationCovariateReference.value
        let imputation = try ImputationDiD(DidData.spec { $0.covariates = ["lpop_trend"] }, table: try Self.data(drop2004: true))
        #expect(imputation.cells.map { "\(formatNumber($0.group))_\(formatNumber($0.time))" } == r.cells)
        #expect(abs(imputation.covariateCoefficients[0] - r.firstStage) < 1e-10)
        // CR1's factor G/(G−1)·(N−1)/(N−K) of the second stage: pyfixest's did2s applies none.
        let cr1 = try imputation.fit.covariance(.cr1), cr0 = try imputation.fit.covariance(.cr0)
        let factor = cr1.matrix[0, 0] / cr0.matrix[0, 0]
        #expect(factor > 1 && factor < 1.01)
        // BJS with every dummy written out (numpy, the fixture's `attDirect`) to 1e-10; did2s's own ATT(g,t)
        // impute from fixed effects that pyfixest's fixef() recovers iteratively, to about 1e-7 here.
        for (k, cell) in imputation.cells.enumerated() {
            #expect(abs(cell.effect.estimate - r.attDirect[k]) < 1e-10)
            #expect(abs(cell.effect.estimate - r.att[k]) < 5e-7)
        }
        for (cell, se) in zip(imputation.cells, r.se) {
            #expect(relativeError(cell.effect.standardError!, se * factor.squareRoot()) < 1e-8, "\(cell.effect.standardError!) vs \(se)")
        }
        #expect(abs(imputation.overall.estimate - r.overall) < 5e-7)
        #expect(relativeError(imputation.overall.standardError!, r.overallSE * factor.squareRoot()) < 1e-8)
        // The result says how its standard errors were computed.
        #expect(imputation.overall.inference.type == "two-stage GMM (did2s) with CR1's factor" && imputation.overall.inference.clusters == 480)
    }
}
