import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular
import TestSupport
import Testing

/// pyfixest/fixest and wildboottest values (`Tests/Fixtures/Generators/panel_pyfixest.py`).
struct PyfixestReference: Decodable {
    struct Coefficient: Decodable { let estimate: Double, se: Double, p: Double }
    struct Grunfeld: Decodable {
        let iid: Coefficient, hetero: Coefficient, firm: Coefficient, firmYear: Coefficient, r2: Double, r2Within: Double
        let fixefFirm: [Double], fixefYear: [String: Double]
    }
    struct Wild: Decodable { let statistic: Double, p: Double, draws: Int }
    struct Events: Decodable { let eventTimes: [Int], estimate: [Double], se: [Double], p: [Double] }
    let grunfeld: Grunfeld, mpdta: Coefficient, wildGrunfeld: Wild, eventStudy: Events

    static let value = try! JSONDecoder().decode(Self.self, from: Data(contentsOf: TestData.fixture("RegressionTests", "panel_pyfixest.json")))
}

/// clubSandwich values (`Tests/Fixtures/Generators/panel_clubsandwich.R`).
struct ClubSandwichReference: Decodable {
    struct One: Decodable { let estimate: Double, se: Double, df: Double, p: Double }
    struct Mortality: Decodable {
        let rows: Int, estimate: [Double], se: [Double], df: [Double], p: [Double]
        let htzF: Double, htzDf1: Double, htzDf2: Double, htzP: Double
    }
    struct Weighted: Decodable { let estimate: [Double], se: [Double], df: [Double], p: [Double], htzF: Double, htzDf2: Double }
    let grunfeld: One, mortality: Mortality, mortalityWeighted: Weighted

    static let value = try! JSONDecoder().decode(Self.self, from: Data(contentsOf: TestData.fixture("RegressionTests", "panel_clubsandwich.json")))
}

enum PanelData {
    static let grunfeld = try! CSVReader.read(contentsOf: TestData.dataset("grunfeld.csv"))
    /// MortalityRates: motor-vehicle deaths, 1970–1983, rows with the beer tax (as the clubSandwich vignette).
    static let mortality: Table = {
        let all = try! CSVReader.read(contentsOf: TestData.dataset("mortality_rates.csv"))
        let cause = try! all.strings("cause"), year = try! all.numeric("year"), tax = try! all.numeric("beertaxa")
        return all.selectingRows((0..<all.rowCount).filter { cause[$0] == "Motor Vehicle" && year[$0] <= 1983 && !tax[$0].isNaN })
    }()
    static let mpdta: Table = {
        var t = try! CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
        let first = try! t.numeric("first.treat"), year = try! t.numeric("year")
        try! t.addColumn("post", .numeric(zip(first, year).map { $0 > 0 && $1 >= $0 ? 1 : 0 }))
        return t
    }()
}

@Suite("Panel regression: absorbed fixed effects and few-cluster inference")
struct PanelRegressionTests {
    static let grunfeldSpec = ModelSpecification(outcome: "inv", covariates: ["capital"], cluster: "firm", absorb: ["firm", "year"])

    @Test("Grunfeld inv ~ capital | firm + year: iid, HC1, CR1 by firm and by firm and year as fixest (1e-6)")
    func grunfeldFixest() throws {
        let r = PyfixestReference.value.grunfeld
        let fit = try LinearModel.fit(Self.grunfeldSpec, table: PanelData.grunfeld)
        #expect(relativeError(fit.coefficients[0], 0.413801834595) < 1e-9)
        #expect(fit.residualDegreesOfFreedom == 170)
        #expect(relativeError(fit.rSquared, r.r2) < 1e-9 && relativeError(fit.withinRSquared, r.r2Within) < 1e-9)
        for (estimator, reference) in [(VarianceEstimator.classical, r.iid), (.hc1, r.hetero), (.cr1, r.firm)] {
            let row = try fit.coefficientTable(estimator)["capital"]!
            #expect(relativeError(row.standardError!, reference.se) < 1e-6, "\(estimator)")
            #expect(relativeError(row.pValue!, reference.p) < 1e-6 || abs(row.pValue! - reference.p) < 1e-12, "\(estimator)")
        }
        #expect(abs(try fit.coefficientTable(.classical)["capital"]!.standardError! - 0.02597821) < 1e-8)
        #expect(abs(try fit.coefficientTable(.cr1)["capital"]!.standardError! - 0.06328129) < 1e-8)
        var twoWay = Self.grunfeldSpec
        twoWay.clusters = ["firm", "year"]
        let fit2 = try LinearModel.fit(twoWay, table: PanelData.grunfeld)
        let table = try fit2.coefficientTable(.cr1)
        #expect(abs(table["capital"]!.standardError! - 0.06041290) < 1e-8)
        #expect(relativeError(table["capital"]!.pValue!, r.firmYear.p) < 1e-6)
        #expect(table.clusterCount == 10 && table.degreesOfFreedom == 9)
    }

    @Test("fixed effects recovered as fixest's fixef(): every firm, years from the second (1e-8)")
    func fixedEffectEstimates() throws {
        let r = PyfixestReference.value.grunfeld
        let design = try DesignMatrix(Self.grunfeldSpec, table: PanelData.grunfeld)
        let fit = try LinearModel.fit(design)
        let effects = try design.fixedEffectEstimates(fit)
        #expect(effects.map(\.factor) == ["firm", "year"])
        #expect(effects[0].levels == (1...10).map(String.init))
        #expect(maxRelativeError(effects[0].estimates, r.fixefFirm) < 1e-8)
        #expect(effects[1].levels.first == "1935" && effects[1].estimates.first == 0)
        for (level, value) in zip(effects[1].levels.dropFirst(), effects[1].estimates.dropFirst()) {
            #expect(relativeError(value, r.fixefYear[level]!) < 1e-8, "year \(level)")
        }
    }

    @Test("HC2 and HC3 with absorbed fixed effects equal those of the explicit-dummy model (leverages include the dummies)")
    func leveragesIncludeDummies() throws {
        let absorbed = try LinearModel.fit(Self.grunfeldSpec, table: PanelData.grunfeld)
        let explicit = try LinearModel.fit(
            ModelSpecification(outcome: "inv", covariates: ["capital"], factors: ["firm", "year"], cluster: "firm"), table: PanelData.grunfeld)
        for estimator in [VarianceEstimator.hc1, .hc2, .hc3, .classical] {
            let a = try absorbed.coefficientTable(estimator)["capital"]!, e = try explicit.coefficientTable(estimator)["capital"]!
            #expect(relativeError(a.standardError!, e.standardError!) < 1e-9, "\(estimator)")
            #expect(a.degreesOfFreedom == e.degreesOfFreedom)
        }
    }

    @Test("a design with many collinear columns is one short sentence naming a few of them")
    func longCollinearity() throws {
        var t = PanelData.grunfeld
        let capital = try t.numeric("capital")
        for j in 1...12 { try t.addColumn("copy\(j)", .numeric(capital.map { $0 * Double(j) })) }
        #expect {
            try LinearModel.fit(ModelSpecification(outcome: "inv", covariates: ["capital"] + (1...12).map { "copy\($0)" }, factors: ["firm", "year"]), table: t)
        } throws: { error in
            let text = "\(error)"
            return text.contains("rank deficient") && text.contains("and 9 more collinear column(s)") && text.count < 400
        }
    }

    @Test("Stata areg counts every fixed effect: CR1 uses K = 30, not fixest's 21")
    func aregCounting() throws {
        var spec = Self.grunfeldSpec
        spec.fixedEffectCounting = .areg
        let fit = try LinearModel.fit(spec, table: PanelData.grunfeld)
        let fixest = try LinearModel.fit(Self.grunfeldSpec, table: PanelData.grunfeld)
        let ratio = try fit.covariance(.cr1).matrix[0, 0] / fixest.covariance(.cr1).matrix[0, 0]
        #expect(abs(ratio - (200.0 - 21) / (200 - 30)) < 1e-12)
    }

    @Test("mpdta two-way fixed effects: lemp ~ post | county + year, clustered by county (1e-6)")
    func mpdtaTWFE() throws {
        let spec = ModelSpecification(outcome: "lemp", covariates: ["post"], cluster: "countyreal", absorb: ["countyreal", "year"])
        let row = try LinearModel.fit(spec, table: PanelData.mpdta).coefficientTable(.cr1)["post"]!
        #expect(abs(row.estimate - -0.0365489367) < 1e-9)
        #expect(abs(row.standardError! - 0.01326516) < 1e-8)
        #expect(relativeError(row.pValue!, PyfixestReference.value.mpdta.p) < 1e-6)
    }

    @Test("CR2 with Satterthwaite df on Grunfeld by firm equals clubSandwich (1e-8)")
    func grunfeldCR2() throws {
        let r = ClubSandwichReference.value.grunfeld
        let row = try LinearModel.fit(Self.grunfeldSpec, table: PanelData.grunfeld).coefficientTable(.cr2)["capital"]!
        #expect(relativeError(row.standardError!, r.se) < 1e-8)
        #expect(relativeError(row.degreesOfFreedom!, r.df) < 1e-8)
        #expect(relativeError(row.pValue!, r.p) < 1e-8)
        #expect(row.inference.df == .satterthwaite && row.inference.type == "CR2")
    }

    @Test("MortalityRates CR2, Satterthwaite df and the HTZ test equal clubSandwich, absorbed or with dummies written out (1e-8)")
    func mortalityCR2() throws {
        let r = ClubSandwichReference.value.mortality
        #expect(PanelData.mortality.rowCount == r.rows)
        let absorbed = try LinearModel.fit(
            ModelSpecification(outcome: "mrate", covariates: ["legal", "beertaxa"], cluster: "state", absorb: ["state", "year"]),
            table: PanelData.mortality)
        let explicit = try LinearModel.fit(
            ModelSpecification(outcome: "mrate", covariates: ["legal", "beertaxa"], factors: ["state", "year"], cluster: "state"),
            table: PanelData.mortality)
        for fit in [absorbed, explicit] {
            let table = try fit.coefficientTable(.cr2)
            for (j, term) in ["legal", "beertaxa"].enumerated() {
                let row = table[term]!
                #expect(relativeError(row.estimate, r.estimate[j]) < 1e-9)
                #expect(relativeError(row.standardError!, r.se[j]) < 1e-8, "\(term)")
                #expect(relativeError(row.degreesOfFreedom!, r.df[j]) < 1e-8, "\(term)")
                #expect(relativeError(row.pValue!, r.p[j]) < 1e-8, "\(term)")
            }
            let wald = try fit.waldTest(zero: ["legal", "beertaxa"])
            #expect(relativeError(wald.statistic, r.htzF) < 1e-8)
            #expect(wald.numeratorDegreesOfFreedom == r.htzDf1)
            #expect(relativeError(wald.denominatorDegreesOfFreedom, r.htzDf2) < 1e-8)
            #expect(relativeError(wald.pValue, r.htzP) < 1e-8)
        }
    }

    @Test("weighted CR2 (population weights) equals clubSandwich (1e-8); its one-coefficient HTZ test is the Satterthwaite t test")
    func weightedCR2() throws {
        let r = ClubSandwichReference.value.mortalityWeighted
        let fit = try LinearModel.fit(
            ModelSpecification(outcome: "mrate", covariates: ["legal", "beertaxa"], weights: "pop", cluster: "state", absorb: ["state", "year"]),
            table: PanelData.mortality)
        let table = try fit.coefficientTable(.cr2)
        for (j, term) in ["legal", "beertaxa"].enumerated() {
            #expect(relativeError(table[term]!.estimate, r.estimate[j]) < 1e-9)
            #expect(relativeError(table[term]!.standardError!, r.se[j]) < 1e-8, "\(term)")
            #expect(relativeError(table[term]!.degreesOfFreedom!, r.df[j]) < 1e-8, "\(term)")
        }
        // clubSandwich 0.5.8's Wald_test on a weighted lm returns NaN for one constraint and, for two, a
        // denominator df (19.6) far above either coefficient's Satterthwaite df (8.5, 6.9); it is not used as
        // a reference. The HTZ test of one coefficient must equal its squared Satterthwaite t test.
        for term in ["legal", "beertaxa"] {
            let wald = try fit.waldTest(zero: [term])
            let row = table[term]!
            #expect(relativeError(wald.statistic, row.statistic! * row.statistic!) < 1e-10)
            #expect(relativeError(wald.denominatorDegreesOfFreedom, row.degreesOfFreedom!) < 1e-10)
            #expect(relativeError(wald.pValue, row.pValue!) < 1e-8)
        }
    }

    @Test("a covariate constant within units is absorbed: one readable sentence naming it")
    func absorbedCovariate() throws {
        var t = PanelData.grunfeld
        let firm = try t.numeric("firm")
        try t.addColumn("size", .numeric(firm.map { $0 * 3 }))
        #expect {
            try LinearModel.fit(ModelSpecification(outcome: "inv", covariates: ["capital", "size"], absorb: ["firm", "year"]), table: t)
        } throws: { error in
            let text = "\(error)"
            return text.contains("'size' is explained entirely by the absorbed effects of firm and year") && text.count < 300
        }
        // With one absorbed factor the column is constant within its levels.
        #expect {
            try LinearModel.fit(ModelSpecification(outcome: "inv", covariates: ["capital", "size"], absorb: ["firm"]), table: t)
        } throws: { "\($0)".contains("'size' is constant within the levels of firm (absorbed)") }
        // Neither constant within firms nor within years, but a sum of firm and year effects.
        let year = try t.numeric("year")
        try t.addColumn("trend", .numeric(zip(firm, year).map { $0 * 2 + ($1 - 1935) / 4 }))
        #expect {
            try LinearModel.fit(ModelSpecification(outcome: "inv", covariates: ["capital", "trend"], absorb: ["firm", "year"]), table: t)
        } throws: { "\($0)".contains("'trend' is explained entirely by the absorbed effects of firm and year") }
    }

    @Test("singletons are dropped and counted")
    func singletons() throws {
        // Keep firm 1 in one year only: that row is alone in its firm level.
        let firm = try PanelData.grunfeld.numeric("firm"), year = try PanelData.grunfeld.numeric("year")
        let rows = (0..<PanelData.grunfeld.rowCount).filter { firm[$0] != 1 || year[$0] == 1935 }
        let table = PanelData.grunfeld.selectingRows(rows)
        let design = try DesignMatrix(Self.grunfeldSpec, table: table)
        #expect(design.singletons == 1 && design.rows.count == 180)
        var keep = Self.grunfeldSpec
        keep.dropSingletons = false
        #expect(try DesignMatrix(keep, table: table).singletons == 0)
        // The singleton changes no coefficient: it is fitted exactly by its own fixed effect.
        let dropped = try LinearModel.fit(Self.grunfeldSpec, table: table), kept = try LinearModel.fit(keep, table: table)
        #expect(relativeError(dropped.coefficients[0], kept.coefficients[0]) < 1e-10)
        #expect(dropped.residualDegreesOfFreedom == kept.residualDegreesOfFreedom)
    }
}

@Suite("Fixed effects: the direct two-way solve and the alternating projections agree")
struct FixedEffectsTests {
    @Test("M_D x by the direct solve equals Irons–Tuck-accelerated alternating projections (1e-10), weighted or not")
    func directEqualsIterative() throws {
        for (table, names, column) in [(PanelData.grunfeld, ["firm", "year"], "capital"), (PanelData.mpdta, ["countyreal", "year"], "lemp")] {
            let groups = try names.map { try table.column($0).groups(rows: Array(0..<table.rowCount)) }
            let x = try table.numeric(column)
            for weights in [nil, x.indices.map { 1 + Double($0 % 7) / 3 }] {
                let direct = FixedEffects(names: names, codes: groups.map(\.codes), levels: groups.map(\.labels), weights: weights)
                let iterative = FixedEffects(names: names, codes: groups.map(\.codes), levels: groups.map(\.labels), weights: weights, direct: false)
                let (a, directSweeps) = try direct.demean(x)
                let (b, sweeps) = try iterative.demean(x)
                #expect(directSweeps == 1 && sweeps > 1)
                let scale = x.map(abs).max()!
                #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-10 * scale)
                // The result has no level means left in either factor.
                for f in 0..<2 {
                    var sums = [Double](repeating: 0, count: groups[f].labels.count)
                    for (i, c) in groups[f].codes.enumerated() { sums[c] += (weights?[i] ?? 1) * a[i] }
                    #expect(sums.map(abs).max()! < 1e-9 * scale * Double(x.count))
                }
            }
        }
    }
}
