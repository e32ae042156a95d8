import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

@Suite("Synthetic control against published fits")
struct PublishedSyntheticControlTests {
    /// R Synth's Basque example (Abadie & Gardeazabal 2003): Cataluña 0.850816306, Madrid 0.149183694.
    @Test("Basque: published weights to 1e-3, pre-period loss at or below the published fit")
    func basque() throws {
        let problem = try Data.basque()
        #expect(problem.donors.count == 17 && problem.donors.contains("Spain (Espana)"))
        let fit = try SyntheticControl.fit(problem)
        let w = Dictionary(uniqueKeysWithValues: zip(problem.donors, fit.weights))
        #expect(abs(w["Cataluna"]! - 0.850816306) < 1e-3)
        #expect(abs(w["Madrid (Comunidad De)"]! - 0.149183694) < 1e-3)
        #expect(w.filter { $0.key != "Cataluna" && $0.key != "Madrid (Comunidad De)" }.values.allSatisfy { $0 < 1e-3 })
        let published = Data.fitOf(problem, weights: ["Cataluna": 0.850816306, "Madrid (Comunidad De)": 0.149183694])
        #expect(fit.lossV <= published.lossV)
        #expect(abs(fit.weights.reduce(0, +) - 1) < 1e-12 && fit.weights.allSatisfy { $0 >= 0 })
    }

    /// ADH (2010) Table 2: Colorado 0.164, Connecticut 0.069, Montana 0.199, Nevada 0.234, Utah 0.334.
    @Test("California: ADH's donor set, pre-period RMSPE no worse than theirs, first of 39 in the placebo ratio")
    func california() throws {
        let problem = try Data.california()
        let options = SyntheticControlOptions(threads: 2)
        let fit = try SyntheticControl.fit(problem, options: options)
        let donors = Set(zip(problem.donors, fit.weights).filter { $0.1 > 0.01 }.map(\.0))
        #expect(donors == ["Utah", "Nevada", "Montana", "Colorado", "Connecticut"])
        let adh = Data.fitOf(problem, weights: ["Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234, "Utah": 0.334])
        #expect(fit.preRMSPE <= adh.preRMSPE)
        let placebo = try fit.placeboInSpace(options: options)
        #expect(placebo.units.count == 39)
        #expect(placebo.rank == 1)
        #expect(abs(try #require(placebo.pValue) - 1.0 / 39) < 1e-15)
        #expect(placebo.units[0].name == "California" && placebo.units.dropFirst().allSatisfy { $0.ratio < placebo.units[0].ratio })
    }
}

@Suite("Synthetic difference-in-differences against the synthdid paper")
struct SyntheticDiDTests {
    /// Arkhangelsky et al. (2021), Table 1 / synthdid README: SDID −15.604, SC −19.620, DiD −27.349.
    @Test(
        "California: SDID, SC and DiD estimates to 1e-3",
        arguments: [(SyntheticDiD.Estimator.syntheticDiD, -15.604), (.syntheticControl, -19.620), (.differenceInDifferences, -27.349)])
    func estimates(estimator: SyntheticDiD.Estimator, expected: Double) throws {
        let (y, n0, t0) = try Data.californiaMatrix()
        #expect(n0 == 38 && t0 == 19)
        let e = try SyntheticDiD.estimate(y, controls: n0, prePeriods: t0, estimator: estimator)
        #expect(abs(e.estimate - expected) < 1e-3, "\(estimator): \(e.estimate)")
        #expect(abs(e.unitWeights.reduce(0, +) - 1) < 1e-12)
        #expect(abs(e.effectCurve.reduce(0, +) / Double(e.effectCurve.count) - e.estimate) < 1e-9)
    }

    @Test("placebo SE is deterministic given the seed and independent of the thread count")
    func placeboDeterministic() throws {
        let (y, n0, t0) = try Data.californiaMatrix()
        let e = try SyntheticDiD.estimate(y, controls: n0, prePeriods: t0)
        let a = try e.placeboStandardError(replications: 40, seed: 7, threads: 1)
        let b = try e.placeboStandardError(replications: 40, seed: 7, threads: 2)
        #expect(a.bitPattern == b.bitPattern)
        #expect(a > 1 && a < 30)
        #expect(try e.placeboStandardError(replications: 40, seed: 8, threads: 2) != a)
    }

    /// The jackknife by its definition: leave each unit out with the weights held fixed.
    @Test("jackknife SE with two treated units equals the leave-one-out formula")
    func jackknife() throws {
        let panel = Data.californiaPanel
        let y = try panel.wideComplete("cigsale")
        let treated = ["California", "Utah"].map { panel.unitPosition($0)! }
        let controls = panel.units.indices.filter { !treated.contains($0) }
        let ym = y.selectingRows(controls + treated)
        let e = try SyntheticDiD.estimate(ym, controls: controls.count, prePeriods: 19)
        let se = try e.jackknifeStandardError()
        var estimates: [Double] = []
        let n = ym.rows
        for drop in 0..<n {
            let keep = (0..<n).filter { $0 != drop }
            let nc = keep.filter { $0 < controls.count }
            let w = nc.map { e.unitWeights[$0] }
            let omega = w.map { $0 / w.reduce(0, +) }
            let sub = ym.selectingRows(keep)
            // τ̂ = [−ω, 1/N₁] Y [−λ, 1/T₁] with the fixed weights.
            let n1 = Double(keep.count - nc.count)
            var total = 0.0
            for t in 0..<sub.columns {
                var contrast = 0.0
                for (i, _) in keep.enumerated() { contrast += i < nc.count ? -omega[i] * sub[i, t] : sub[i, t] / n1 }
                total += (t < 19 ? -e.timeWeights[t] : 1 / Double(sub.columns - 19)) * contrast
            }
            estimates.append(total)
        }
        let m = estimates.reduce(0, +) / Double(n)
        let expected = (Double(n - 1) / Double(n) * estimates.reduce(0) { $0 + ($1 - m) * ($1 - m) }).squareRoot()
        #expect(relativeError(se, expected) < 1e-10)
        #expect(throws: SyntheticControlError.self) {
            try SyntheticDiD.estimate(y.selectingRows(controls + [treated[0]]), controls: controls.count, prePeriods: 19).jackknifeStandardError()
        }
    }
}

@Suite("Augmented synthetic control against pysyncon (R augsynth port)")
struct AugmentedTests {
    struct Reference: Decodable {
        let lambda: Double
        let weights: [String: Double]
        let scmWeights: [String: Double]
        let averageEffect: Double
    }
    static let reference: [String: Reference] = {
        let data = try! Foundation.Data(contentsOf: TestData.fixture("SyntheticControlTests", "augsynth_pysyncon.json"))
        let all = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ["basque", "california"].reduce(into: [:]) { out, key in
            out[key] = try! JSONDecoder().decode(Reference.self, from: JSONSerialization.data(withJSONObject: all[key]!))
        }
    }()

    @Test("cross-validated λ, weights and average effect", arguments: ["basque", "california"])
    func agreement(_ key: String) throws {
        let ref = Self.reference[key]!
        let problem =
            key == "basque"
            ? try SyntheticControlProblem(panel: Data.basquePanel, outcome: "gdpcap", treated: "Basque Country (Pais Vasco)", treatmentTime: 1970)
            : try SyntheticControlProblem(panel: Data.californiaPanel, outcome: "cigsale", treated: "California", treatmentTime: 1989)
        let fit = try AugmentedSyntheticControl.fit(problem)
        #expect(relativeError(fit.lambda, ref.lambda) < 1e-9)
        // pysyncon solves the simplex step with SLSQP (ftol 1e-12); ours is exact.
        for (d, w) in zip(problem.donors, fit.scmWeights) { #expect(abs(w - ref.scmWeights[d]!) < 2e-5, "\(key) SCM \(d)") }
        for (d, w) in zip(problem.donors, fit.weights) { #expect(abs(w - ref.weights[d]!) < 2e-5, "\(key) augmented \(d)") }
        #expect(relativeError(fit.averageEffect, ref.averageEffect) < 1e-5)
        #expect(abs(fit.weights.reduce(0, +) - 1) < 1e-10)
    }

    @Test("λ → ∞ recovers the SCM weights; a fixed λ skips cross-validation")
    func limits() throws {
        let problem = try SyntheticControlProblem(panel: Data.californiaPanel, outcome: "cigsale", treated: "California", treatmentTime: 1989)
        let fit = try AugmentedSyntheticControl.fit(problem, lambda: 1e12)
        #expect(zip(fit.weights, fit.scmWeights).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(fit.crossValidation == nil)
    }
}

@Suite("Cross-validated predictor weights")
struct CrossValidationTests {
    static let germanyPanel = try! Panel(try! CSVReader.read(contentsOf: TestData.dataset("germany.csv")), unit: "country", time: "year")

    /// ADH (2015) as in their replication code: training predictors over 1971–1980 with V chosen on
    /// 1981–1990 outcomes; main predictors over 1981–1990.
    static func germany(training: Bool) throws -> SyntheticControlProblem {
        let years = training ? Data.range(1971, 1980) : Data.range(1981, 1990)
        var p = ["gdp", "trade", "infrate"].map { PredictorSpecification(variable: $0, periods: years) }
        p.append(PredictorSpecification(variable: "industry", periods: years))
        p.append(PredictorSpecification(variable: "schooling", periods: training ? [1970, 1975] : [1980, 1985]))
        p.append(PredictorSpecification(variable: training ? "invest70" : "invest80", periods: [1980]))
        return try SyntheticControlProblem(
            panel: germanyPanel, outcome: "gdp", treated: "West Germany", treatmentTime: 1991, predictors: p,
            fitPeriods: training ? Data.range(1981, 1990) : Data.range(1960, 1989))
    }

    @Test("West Germany: Austria 0.42, USA 0.22, Japan 0.16, Switzerland 0.11, Netherlands 0.09 (ADH 2015, Table 2, within 0.01)")
    func germany() throws {
        // The training V search has local optima (4 random starts can stop at an MSPE of 4928 with
        // Netherlands at 0.106); 20 starts reach 4580, where the weights round to the published ones.
        let cv = try CrossValidatedSyntheticControl(
            training: Self.germany(training: true), main: Self.germany(training: false), options: .init(randomStarts: 20, seed: 7, threads: 2))
        #expect(cv.training.lossV < 4581)
        let w = Dictionary(uniqueKeysWithValues: zip(cv.main.problem.donors, cv.main.weights))
        #expect(w.values.filter { $0 > 0.001 }.count == 5)
        let published = ["Austria": 0.42, "USA": 0.22, "Japan": 0.16, "Switzerland": 0.11, "Netherlands": 0.09]
        // To 0.01, as the issue states: the training MSPE is flat near its minimum, so V vectors whose
        // losses agree to 1e-4 relative give weights that differ by up to 0.008 (seeds 1 and 7 here);
        // R Synth's published V is one point of that ridge.
        for (country, weight) in published { #expect(abs((w[country] ?? 0) - weight) <= 0.01, "\(country): \(w[country] ?? 0)") }
    }
}

@Suite("Outcome-only weights against scpi")
struct ScpiWeightsTests {
    struct Reference: Decodable {
        let weights: [String: Double]
    }

    @Test("West Germany, GDP 1960-1990 only, simplex: scpi-pkg's weights (Austria 0.2911, USA 0.2728, Italy 0.1914, …) to 1e-6 (ECOS's tolerance)")
    func germany() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Foundation.Data(contentsOf: TestData.fixture("SyntheticControlTests", "scpi_germany_weights.json")))
        let problem = try SyntheticControlProblem(
            panel: CrossValidationTests.germanyPanel, outcome: "gdp", treated: "West Germany", treatmentTime: 1991, predictors: [])
        #expect(problem.prePeriodIndices.count == 31 && problem.donors.count == reference.weights.count)
        let fit = try SyntheticControl.fit(problem, options: .init(predictorWeights: .outcomeOnly))
        let w = Dictionary(uniqueKeysWithValues: zip(problem.donors, fit.weights))
        for (country, weight) in reference.weights {
            #expect(abs((w[country] ?? .nan) - weight) <= 1e-6, "\(country): \(w[country] ?? .nan) vs scpi \(weight)")
        }
        // The figures the issue quotes from scpi's illustration, to 1e-3.
        let quoted = ["Austria": 0.2911, "USA": 0.2728, "Italy": 0.1914, "Netherlands": 0.1330, "Switzerland": 0.0814, "France": 0.0303]
        for (country, weight) in quoted { #expect(abs((w[country] ?? .nan) - weight) <= 1e-3, "\(country)") }
    }
}
