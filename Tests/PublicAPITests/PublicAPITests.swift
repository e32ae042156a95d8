// The library as a user sees it: one `import ImpactEval`, no @testable. If a public initialiser or
// type that a user (or another module) needs is internal, this target does not compile.
import Foundation
import ImpactEval
import ImpactRun
import TestSupport
import Testing

@Suite("Public API: the README's library examples")
struct PublicAPITests {
    @Test("OLS with HC1 on the NSW experiment (re78 in dollars): estimate 1794.34, SE 670.82 (Stata's robust)")
    func ols() throws {
        var table = try CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
        try table.setColumn("re78_dollars", .numeric(try table.numeric("re78").map { $0 * 1000 }))
        let fit = try LinearModel.fit(ModelSpecification(outcome: "re78_dollars", covariates: ["t"]), table: table)
        let hc1 = try fit.coefficientTable(.hc1, level: 0.95)
        let t: Estimate = try #require(hc1["t"])
        #expect(abs(t.estimate - 1794.34) < 1e-2)
        #expect(abs(try #require(t.standardError) - 670.82) < 1e-2)
        #expect(t.inference.kind == .robust && t.inference.type == "HC1" && t.degreesOfFreedom == 443)
    }

    @Test("Grunfeld with two-way fixed effects: CR2 with Satterthwaite df and the wild cluster bootstrap (README example)")
    func panel() throws {
        let grunfeld = try CSVReader.read(contentsOf: TestData.dataset("grunfeld.csv"))
        let panel = try LinearModel.fit(
            ModelSpecification(outcome: "inv", covariates: ["capital"], cluster: "firm", absorb: ["firm", "year"]),
            table: grunfeld)
        let cr2 = try #require(try panel.coefficientTable(.cr2)["capital"])
        let wild = try panel.wildClusterBootstrap("capital", .init(replications: 9999))
        #expect(abs(try #require(cr2.degreesOfFreedom) - 1.64476368957) < 1e-8)
        #expect(wild.effect.pValue == 254.0 / 1024 && wild.fullEnumeration)
        // A continuous dose: cobalt-style balance and entropy balancing from outside the Matching module.
        let nmes = try CSVReader.read(contentsOf: TestData.dataset("nmes_causaldrf.csv"))
        let weighted = try EntropyBalancing.doseWeights(nmes, treatment: "packyears", covariates: ["AGESMOKE", "LASTAGE"])
        let sample = try AnalysisSample(nmes, treatment: "packyears", columns: ["AGESMOKE", "LASTAGE"], kind: .continuous)
        let variables = try BalanceVariable.from(sample.table, rows: Array(0..<sample.count), covariates: ["AGESMOKE", "LASTAGE"], factors: [])
        #expect(Balance.doseTable(variables, dose: sample.treatment, weights: weighted.weights).rows.allSatisfy { abs($0.correlation) < 1e-8 })
    }

    @Test("dose–response: DiD with a dose on the contdid README data and a GPS curve, from outside the module")
    func dose() throws {
        let panel = try CSVReader.read(contentsOf: TestData.dataset("contdid_readme.csv"))
        var spec = ContinuousDiD.Specification(outcome: "Y", unit: "id", time: "time_period", adoption: "G", dose: "D")
        spec.replications = 0
        let did = try ContinuousDiD.estimate(spec, table: panel)
        #expect(abs(did.overallATT.estimate - -0.0265) < 5e-5 && abs(did.overallACRT.estimate - 0.1341) < 5e-5)
        let lottery = try CSVReader.read(contentsOf: TestData.dataset("lottery_hirano_imbens.csv"))
        let data = try DoseData(lottery, dose: "prize", outcome: "year6", covariates: ["agew", "male", "tixbot"], outcomeMayBeMissing: true)
        var gps = GeneralizedPropensityScore.Specification()
        gps.transform = .log
        gps.replications = 50
        let curve: DoseResponseCurve = try GeneralizedPropensityScore.estimate(data, gps).curve
        #expect(curve.points.count == 20 && curve.points.allSatisfy { $0.effect.inference.kind == .bootstrap && $0.bandLower != nil })
    }

    @Test("1:1 nearest-neighbour matching on lalonde: 185 treated matched, effect with CR1 on matched sets")
    func match() throws {
        let table = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        let covariates = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
        let sample = try NearestNeighborMatching.match(table, MatchingSpecification(treatment: "treat", covariates: covariates))
        #expect(sample.matchedTreatedCount == 185 && sample.matchedControlCount == 185)
        let effect = try WeightedEffect.estimate(
            table, rows: sample.rows, treated: sample.treated, weights: sample.weights,
            outcome: "re78", subclass: sample.subclass, estimand: .att)
        #expect(effect.effect.inference.kind == .cluster && effect.effect.inference.clusters == 185)
        let balance = Balance.table(
            try BalanceVariable.from(table, rows: sample.rows, covariates: covariates, factors: []),
            treated: sample.treated, weights: sample.weights, estimand: .att)
        #expect(balance.rows.count == covariates.count)
    }

    @Test("synthetic control for the Basque Country: Cataluña 0.8508, Madrid 0.1492 (R Synth, Abadie & Gardeazabal 2003)")
    func synth() throws {
        let table = try CSVReader.read(contentsOf: TestData.dataset("basque.csv"))
        let panel = try Panel(table, unit: "regionname", time: "year")
        let problem = try SyntheticControlProblem(
            panel: panel, outcome: "gdpcap", treated: "Basque Country (Pais Vasco)", treatmentTime: 1970,
            predictors: [
                PredictorSpecification(variable: "school.illit", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "school.prim", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "school.med", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "school.high", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "school.post.high", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "invest", periods: Array(stride(from: 1964.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "gdpcap", periods: Array(stride(from: 1960.0, through: 1969, by: 1))),
                PredictorSpecification(variable: "sec.agriculture", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "sec.energy", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "sec.industry", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "sec.construction", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "sec.services.venta", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "sec.services.nonventa", periods: [1961, 1963, 1965, 1967, 1969]),
                PredictorSpecification(variable: "popdens", periods: [1969])
            ],
            fitPeriods: Array(stride(from: 1960.0, through: 1969, by: 1)))
        let fit = try SyntheticControl.fit(problem, options: SyntheticControlOptions(threads: 2))
        let weights = Dictionary(uniqueKeysWithValues: zip(problem.donors, fit.weights))
        #expect(abs((weights["Cataluna"] ?? 0) - 0.850816306) < 1e-3)
        #expect(abs((weights["Madrid (Comunidad De)"] ?? 0) - 0.149183694) < 1e-3)
    }

    @Test("sensitivity to parallel trends from user-supplied estimates and covariance (HonestDiD's API)")
    func sensitivity() throws {
        // Three pre-period and two post-period coefficients with independent errors of SD 0.01.
        let beta = [0.002, -0.001, 0.001, 0.05, 0.06]
        let covariance = Matrix(diagonal: Array(repeating: 1e-4, count: 5))
        let s = try ParallelTrendsSensitivity(estimates: beta, covariance: covariance, preperiods: 3)
        let original = s.original()
        #expect(abs(original.lower - (0.05 - 1.959963984540054 * 0.01)) < 1e-12)
        let rm = try s.relativeMagnitudes([0, 1], threads: 2)
        #expect(rm.count == 2 && rm[0].method == "C-LF")
        // The sets are nested: a larger M̄ gives a wider set, and both contain the estimate.
        #expect(rm[1].lower! <= rm[0].lower! && rm[1].upper! >= rm[0].upper!)
        #expect(rm.allSatisfy { $0.lower! < 0.05 && $0.upper! > 0.05 })
        let sd = try s.smoothness([0, 0.005])
        #expect(sd[1].lower! < sd[0].lower! && sd[1].upper! > sd[0].upper!)
    }

    @Test("quantile regression and the imputation estimator with a covariate, through their entry points, as a user would")
    func quantileAndImputation() throws {
        let engel = try CSVReader.read(contentsOf: TestData.dataset("engel_statsmodels.csv"))
        let q = try QuantileModel.estimate(
            QuantileModel.Specification(model: ModelSpecification(outcome: "foodexp", covariates: ["income"]), quantiles: [0.25, 0.5]), table: engel)
        let median: QuantileModel.Fit = try #require(q.fits.last)
        #expect(abs(median.coefficients[1].estimate - 0.5602) < 5e-5 && median.coefficients[1].inference.type?.contains("Hall–Sheather") == true)
        #expect(q.warnings.isEmpty && q.terms == ["(Intercept)", "income"])
        var mpdta = try CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
        try mpdta.addColumn("lpop_trend", .numeric(zip(try mpdta.numeric("lpop"), try mpdta.numeric("year")).map { $0 * ($1 - 2003) }))
        var spec = CallawaySantAnna.Specification(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat")
        spec.covariates = ["lpop_trend"]
        let bjs = try ImputationDiD(spec, table: mpdta)
        #expect(bjs.covariateCoefficients.count == 1 && bjs.overall.standardError != nil)
        #expect(bjs.overall.inference.type == "two-stage GMM (did2s) with CR1's factor")
    }

    @Test("staggered DiD through its entry point: mpdta's simple ATT, seeded uniform bands, and the units behind each ATT(g,t)")
    func differenceInDifferences() throws {
        let mpdta = try CSVReader.read(contentsOf: TestData.dataset("mpdta.csv"))
        var spec = DifferenceInDifferences.Specification(
            design: CallawaySantAnna.Specification(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat"))
        spec.replications = 999
        spec.seed = 2024
        let result = try DifferenceInDifferences.estimate(spec, table: mpdta)
        let simple = try #require(result.aggregations?.first { $0.aggregation == .simple })
        // R did's simple aggregation on mpdta (never-treated, DR, no covariates): −0.0400.
        #expect(abs(simple.overall.estimate - -0.03995127515517633) < 1e-12)
        #expect(simple.overallContributors == ComparisonContributors(treated: Contributors(units: 191), comparison: Contributors(units: 309)))
        #expect(result.groupTime?.allSatisfy { $0.contributors.treated.units >= 20 } == true)
        #expect((result.uniformCriticalValue ?? 0) > 1.96 && result.warnings.isEmpty)
        let json = try JSONEncoder().encode(result)
        let decoded = try JSONDecoder().decode(DifferenceInDifferences.Result.self, from: json)
        #expect(decoded.groupTime == result.groupTime && decoded.dynamicBand == result.dynamicBand)
    }

    @Test("matching through its entry point: an ATT, balance with the units behind each mean, and the matched sample apart from results.json")
    func covariateAdjustment() throws {
        let lalonde = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv"))
        var spec = CovariateAdjustment.Specification(
            treatment: "treat", covariates: ["age", "educ", "married", "re74"], design: .entropy(estimand: .att))
        spec.outcome = "re78"
        let result = try CovariateAdjustment.estimate(spec, table: lalonde)
        #expect(result.effects.count == 1 && result.counts.treatedUsed == 185)
        #expect(result.balanceAfter["married"]?.ones?.treated.units == result.balanceBefore["married"]?.ones?.treated.units)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"contributors\"") && !json.contains("\"units\":{\"rows\""))
        #expect(result.units?.rows.count == 614)
    }

    @Test("cost-effectiveness through its entry point: the PBS trial's INB at £20,000 with CR1 by site, and the result encodes")
    func costEffectiveness() throws {
        let pbs = try CSVReader.read(contentsOf: TestData.dataset("pbs_trial.csv"))
        var spec = CostEffectiveness.Specification(strategy: "trt", cost: "c", effect: "e")
        var waves = CostEffectiveness.Waves(unit: "id", wave: "time", waves: [1, 2, 3], years: [0, 0.5, 1])
        waves.costWaves = [2, 3]
        spec.input = .waves(waves)
        spec.cluster = "site"
        spec.variance = .cr1
        spec.willingnessToPay = [20_000]
        let result = try CostEffectiveness.estimate(spec, table: pbs)
        let inb = try #require(result.netBenefit?.comparisons.first?.byWillingnessToPay.first?.incrementalNetBenefit)
        #expect(abs(inb.estimate - -1367.095782) < 1e-5 && abs((inb.standardError ?? 0) - 1008.291611) < 1e-5)
        #expect(result.warnings.contains(.fewClusters(clusters: 23)))
        let json = try JSONEncoder().encode(result)
        #expect(try JSONDecoder().decode(CostEffectiveness.Result.self, from: json) == result)
    }

    @Test("a config runs through the library and its report renders to Markdown")
    func config() throws {
        let config = try ConfigLoader.load(path: TestData.example("nsw_regression.yaml").path)
        let output = try Runner.run(config, threads: 1)
        let document = RunReport.document(output, folders: output.analyses.map(\.name))
        #expect(document.markdown.contains("## adjusted (`ols` on `nsw`)"))
        #expect(output.analyses.allSatisfy { !$0.section.files.isEmpty && !$0.section.figures.isEmpty })
    }

    @Test("every registered method declares unique keys, documents each, and lists in --help")
    func registry() {
        #expect(Set(MethodRegistry.names).count == MethodRegistry.names.count)
        for method in MethodRegistry.all {
            let keys = MethodRegistry.keys(of: method)
            #expect(Set(keys.map(\.name)).count == keys.count, "\(method.names): duplicate keys")
            #expect(keys.allSatisfy { !$0.help.isEmpty && !$0.expected.isEmpty })
            #expect(keys.contains { $0.name == "level" }, "\(method.names) has no 'level'")
            #expect(MethodRegistry.listing.contains(method.names[0]))
        }
    }
}
