import Foundation
import LinearAlgebra
import Tabular
import TestSupport
import Testing

@testable import SyntheticControlMethods

/// scpi-pkg 4.0.0's prediction intervals for West Germany: GDP per capita over 1960–1990, simplex
/// weights, every scpi default (`Tests/Fixtures/Generators/scpi_germany_intervals.py`).
///
/// scpi passes ECOS its right-hand sides in single precision, and the programs' scale here is about
/// 10⁸ (GDP squared), so each of scpi's per-draw optima is off by up to a few percent of the bound.
/// The solver is therefore checked per draw against double-precision optima (Clarabel), and against
/// scpi's own numbers after the quantiles over draws.
@Suite("Prediction intervals against scpi")
struct PredictionIntervalsTests {
    struct Bands: Decodable {
        let lower: [Double]
        let upper: [Double]
    }
    struct ExactRun: Decodable {
        let sims: Int
        let zeta: [[Double]]
        let preciseVsig: [[Double]]
        let inSample: Bands
        let gaussian: Bands
        let ls: Bands
        let qreg: Bands
        let jointR: Bands
    }
    struct JointSE: Decodable {
        let lower: Double
        let upper: Double
    }
    struct ReferenceRun: Decodable {
        let sims: Int
        let inSample: Bands
        let gaussian: Bands
        let jointR: Bands
        let inSampleSe: Bands
        let jointSe: JointSE
    }
    struct ShortRun: Decodable {
        let sims: Int
        let weights: [Double]
        let rho: Double
        let uDesignColumns: [String]
        let eDesignColumns: [String]
        let zeta: [[Double]]
        let preciseVsig: [[Double]]
        let preciseInSampleOffsets: Bands
        let preciseJointOffsets: JointSE
        let scpiJointOffsets: JointSE
        let inSample: Bands
        let gaussian: Bands
        let ls: Bands
        let qreg: Bands
        let jointR: Bands
    }
    struct Fixture: Decodable {
        let donors: [String]
        let years: [Int]
        let weights: [Double]
        let syntheticPost: [Double]
        let rho: Double
        let sigma: [[Double]]
        let uT: Int
        let eT: Int
        let eMean: [Double]
        let eVar: [Double]
        let exact: ExactRun
        let reference: ReferenceRun
        let short: ShortRun

        enum CodingKeys: String, CodingKey {
            case donors, years, weights, syntheticPost, rho, uT, eT, eMean, eVar, exact, reference, short
            case sigma = "Sigma"
        }
    }

    static let fixture: Fixture = try! snakeCaseDecoder.decode(
        Fixture.self, from: Foundation.Data(contentsOf: TestData.fixture("SyntheticControlTests", "scpi_germany_intervals.json")))

    static var snakeCaseDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    static let problem = try! SyntheticControlProblem(
        panel: CrossValidationTests.germanyPanel, outcome: "gdp", treated: "West Germany", treatmentTime: 1991, predictors: [])

    /// Position of each of our donors in scpi's (alphabetical) order.
    static var scpiIndex: [Int] { problem.donors.map { fixture.donors.firstIndex(of: $0)! } }

    /// The intervals from scpi's weights, with scpi's draws when `scpiDraws`, and each draw's bounds.
    static func intervals(_ spec: PredictionIntervals, scpiDraws: Bool) throws -> (result: PredictionIntervals.Result, draws: [[Double]]) {
        let f = fixture, p = problem, pre = p.prePeriodIndices, post = p.postPeriodIndices
        let z =
            scpiDraws
            ? Matrix(rows: f.donors.count, columns: f.exact.sims, rowMajor: scpiIndex.flatMap { f.exact.zeta[$0] }) : nil
        return try spec.computeWithDraws(
            treatedPre: pre.map { p.y1[$0] }, donorsPre: p.y0.selectingRows(pre), donorsPost: p.y0.selectingRows(post),
            weights: scpiIndex.map { f.weights[$0] }, donors: p.donors, postTimes: post.map { p.periods[$0] },
            treatedPost: post.map { p.y1[$0] }, standardNormals: z)
    }

    @Test("ρ, Σ̂, the designs and the out-of-sample moments equal scpi's")
    func ingredients() throws {
        let f = Self.fixture
        let r = try Self.intervals(.init(simulations: f.exact.sims), scpiDraws: true).result
        #expect(abs(r.rho / f.rho - 1) < 1e-12, "ρ \(r.rho) vs \(f.rho)")
        #expect(Set(r.activeDonors) == ["Austria", "Italy", "Netherlands", "Switzerland", "USA"])
        #expect(r.lowerBounds[Self.problem.donors.firstIndex(of: "France")!] == Self.scpiIndex.map { f.weights[$0] }[5])
        #expect(r.rows == f.uT && r.rows == f.eT && r.degreesOfFreedom == 5)
        #expect(r.quantileRegressionsConverged && r.notes.isEmpty && r.ridge == 0)
        #expect(r.uDesign.count == 6 && r.eDesign.count == 6 && r.eDesign.first == "constant")
        let index = Self.scpiIndex
        var worst = 0.0
        for a in 0..<index.count {
            for b in 0..<index.count { worst = max(worst, abs(r.sigma[a][b] - f.sigma[index[a]][index[b]]) / abs(f.sigma[index[a]][index[a]])) }
        }
        #expect(worst < 1e-12, "Σ̂ relative difference \(worst)")
        for t in 0..<f.years.count {
            #expect(abs(r.eMean[t] - f.eMean[t]) <= 1e-9 * abs(f.eMean[t]) + 1e-9, "e mean \(t)")
            #expect(abs(r.eVariance[t] / f.eVar[t] - 1) < 1e-9, "e variance \(t)")
            #expect(abs(r.periods[t].synthetic - f.syntheticPost[t]) < 1e-9)
        }
    }

    @Test("each draw's programs: the double-precision optima (Clarabel) to 1e-6 relative")
    func draws() throws {
        let f = Self.fixture
        let (r, draws) = try Self.intervals(.init(simulations: f.exact.sims), scpiDraws: true)
        #expect(r.failedLower == 0 && r.failedUpper == 0)
        var worst = 0.0
        for (s, precise) in f.exact.preciseVsig.enumerated() {
            for (c, v) in precise.enumerated() { worst = max(worst, abs(draws[s][c] - v) / max(abs(v), 1)) }
        }
        #expect(worst < 1e-6, "largest relative difference \(worst)")
    }

    /// scpi's ECOS optima carry single-precision error (above); quantiles over 200 draws average it to
    /// about 1e-4 of the interval's width. The tolerance is 5e-4 of the width.
    @Test("with scpi's own draws: every interval (in-sample, gaussian, location-scale, quantile, simultaneous) to 5e-4 of its width")
    func bands() throws {
        let f = Self.fixture
        let r = try Self.intervals(.init(simulations: f.exact.sims), scpiDraws: true).result
        let expected: [(String, Bands, KeyPath<PredictionIntervals.Period, PredictionIntervals.Band>)] = [
            ("in-sample", f.exact.inSample, \.inSample), ("gaussian", f.exact.gaussian, \.gaussian), ("ls", f.exact.ls, \.locationScale),
            ("qreg", f.exact.qreg, \.quantile), ("simultaneous (R's definition)", f.exact.jointR, \.simultaneous)
        ]
        for (name, bands, path) in expected {
            for t in 0..<f.years.count {
                let band = r.periods[t][keyPath: path], width = bands.upper[t] - bands.lower[t]
                #expect(abs(band.lower - bands.lower[t]) <= 5e-4 * width, "\(name) \(f.years[t]) lower \(band.lower) vs \(bands.lower[t])")
                #expect(abs(band.upper - bands.upper[t]) <= 5e-4 * width, "\(name) \(f.years[t]) upper \(band.upper) vs \(bands.upper[t])")
            }
        }
    }

    /// Our draws and scpi's are independent: each 2,000-draw quantile has a Monte Carlo standard error
    /// (estimated from scpi's draws by the binomial order-statistic interval), so the difference of two
    /// has √2 times it. The tolerance is 4 such standard errors (plus scpi's single-precision 5e-4 of the width).
    @Test("with our own 2,000 draws: scpi's 2,000-draw intervals within 4 Monte Carlo standard errors")
    func simulationError() throws {
        let f = Self.fixture, ref = f.reference
        let r = try Self.intervals(.init(simulations: ref.sims, seed: 20261201, threads: 2), scpiDraws: false).result
        for t in 0..<f.years.count {
            let width = ref.inSample.upper[t] - ref.inSample.lower[t]
            let tolLower = 4 * 2.0.squareRoot() * ref.inSampleSe.lower[t] + 5e-4 * width
            let tolUpper = 4 * 2.0.squareRoot() * ref.inSampleSe.upper[t] + 5e-4 * width
            let p = r.periods[t]
            #expect(
                abs(p.inSample.lower - ref.inSample.lower[t]) <= tolLower, "\(f.years[t]) lower \(p.inSample.lower) vs \(ref.inSample.lower[t]) ± \(tolLower)"
            )
            #expect(
                abs(p.inSample.upper - ref.inSample.upper[t]) <= tolUpper, "\(f.years[t]) upper \(p.inSample.upper) vs \(ref.inSample.upper[t]) ± \(tolUpper)"
            )
            #expect(abs(p.gaussian.lower - ref.gaussian.lower[t]) <= tolLower + 1e-6 * width)
            #expect(abs(p.gaussian.upper - ref.gaussian.upper[t]) <= tolUpper + 1e-6 * width)
            let jointWidth = ref.jointR.upper[t] - ref.jointR.lower[t]
            #expect(abs(p.simultaneous.lower - ref.jointR.lower[t]) <= 4 * 2.0.squareRoot() * ref.jointSe.lower + 5e-4 * jointWidth)
            #expect(abs(p.simultaneous.upper - ref.jointR.upper[t]) <= 4 * 2.0.squareRoot() * ref.jointSe.upper + 5e-4 * jointWidth)
        }
    }

    /// scpi's run with 1983–1990 as the pre-period: 7 differenced periods for 16 donors, so Q̂ and Σ̂ are
    /// singular (scpi's ECOS works in Q̂'s range; here a ridge of 10 machine epsilons of Q̂'s largest
    /// eigenvalue), and both designs fall back to a constant (the quantile bounds to empirical quantiles).
    /// Every draw is checked against Clarabel's optimum with an accurate root of Σ̂, and the bounds against
    /// those optima's quantiles. Against scpi's own bounds: per period to 5e-4 of the width as before; its
    /// simultaneous bound, a tail quantile of per-draw minima, carries its single-precision error (the
    /// fixture records it against the precise one), so ours is checked against the precise one.
    @Test("a pre-period shorter than the donor pool (Q̂ singular): Clarabel's optima per draw and their quantiles; scpi's intervals")
    func singular() throws {
        let f = Self.fixture, short = f.short, p = Self.problem
        let pre = p.periods.indices.filter { p.periods[$0] >= 1983 && p.periods[$0] < 1991 }, post = p.postPeriodIndices
        #expect(pre.count == 8)
        let index = Self.scpiIndex
        let z = Matrix(rows: f.donors.count, columns: short.sims, rowMajor: index.flatMap { short.zeta[$0] })
        let (r, draws) = try PredictionIntervals(simulations: short.sims).computeWithDraws(
            treatedPre: pre.map { p.y1[$0] }, donorsPre: p.y0.selectingRows(pre), donorsPost: p.y0.selectingRows(post),
            weights: index.map { short.weights[$0] }, donors: p.donors, postTimes: post.map { p.periods[$0] },
            treatedPost: post.map { p.y1[$0] }, standardNormals: z)
        #expect(r.ridge > 0 && r.rows == 7 && r.uDesign == ["constant"] && r.eDesign == ["constant"])
        // The report says why: both designs reduced to a constant, and Q̂ singular.
        #expect(r.notes.count == 3 && r.notes.contains { $0.hasPrefix("Q̂ is singular (7 periods for 16 donors)") })
        #expect(short.uDesignColumns.count == 1 && short.eDesignColumns.count == 1)
        #expect(abs(r.rho / short.rho - 1) < 1e-12)
        #expect(r.failedLower == 0 && r.failedUpper == 0)
        var worst = 0.0
        for (s, precise) in short.preciseVsig.enumerated() {
            for (c, v) in precise.enumerated() { worst = max(worst, abs(draws[s][c] - v) / max(abs(v), 1)) }
        }
        #expect(worst < 1e-6, "largest relative difference from Clarabel \(worst)")
        for t in 0..<f.years.count {
            let s = r.periods[t].synthetic, width = short.inSample.upper[t] - short.inSample.lower[t]
            #expect(abs(r.periods[t].inSample.lower - s - short.preciseInSampleOffsets.lower[t]) <= 1e-6 * width)
            #expect(abs(r.periods[t].inSample.upper - s - short.preciseInSampleOffsets.upper[t]) <= 1e-6 * width)
        }
        // The simultaneous band's in-sample part: the precise joint bound (scpi's differs from it by its solver error).
        let jointScale = log(Double(f.years.count + 1)).squareRoot()
        let g0 = r.periods[0].gaussian, i0 = r.periods[0].inSample, s0 = r.periods[0].simultaneous
        let jointLower = s0.lower - r.periods[0].synthetic - jointScale * (g0.lower - i0.lower)
        let jointUpper = s0.upper - r.periods[0].synthetic - jointScale * (g0.upper - i0.upper)
        let jointWidth = short.preciseJointOffsets.upper - short.preciseJointOffsets.lower
        #expect(abs(jointLower - short.preciseJointOffsets.lower) <= 1e-6 * jointWidth, "joint lower \(jointLower) vs \(short.preciseJointOffsets.lower)")
        #expect(abs(jointUpper - short.preciseJointOffsets.upper) <= 1e-6 * jointWidth, "joint upper \(jointUpper) vs \(short.preciseJointOffsets.upper)")
        // scpi's in-sample bounds: ours differ from them no more than the precise ones do (scpi's ECOS
        // optima and scipy's root of the singular Σ̂ move its 2.5% quantile by up to about 5e-4 of the width).
        for t in 0..<f.years.count {
            let period = r.periods[t], s = period.synthetic, width = short.inSample.upper[t] - short.inSample.lower[t]
            let preciseLower = s + short.preciseInSampleOffsets.lower[t], preciseUpper = s + short.preciseInSampleOffsets.upper[t]
            #expect(abs(period.inSample.lower - short.inSample.lower[t]) <= abs(preciseLower - short.inSample.lower[t]) + 1e-6 * width)
            #expect(abs(period.inSample.upper - short.inSample.upper[t]) <= abs(preciseUpper - short.inSample.upper[t]) + 1e-6 * width)
            // The out-of-sample parts (a constant design: no simulation) equal scpi's.
            let offsets: [(String, Bands, KeyPath<PredictionIntervals.Period, PredictionIntervals.Band>)] = [
                ("gaussian", short.gaussian, \.gaussian), ("ls", short.ls, \.locationScale), ("qreg", short.qreg, \.quantile)
            ]
            for (name, bands, path) in offsets {
                let band = period[keyPath: path]
                let lower = band.lower - period.inSample.lower, upper = band.upper - period.inSample.upper
                #expect(abs(lower - (bands.lower[t] - short.inSample.lower[t])) <= 1e-6 * width, "\(name) \(f.years[t]) lower offset")
                #expect(abs(upper - (bands.upper[t] - short.inSample.upper[t])) <= 1e-6 * width, "\(name) \(f.years[t]) upper offset")
            }
        }
    }

    @Test("the same intervals for any thread count; a fit's intervals need outcome-only weights")
    func threadsAndRequirements() throws {
        let one = try Self.intervals(.init(simulations: 60, seed: 7, threads: 1), scpiDraws: false)
        let two = try Self.intervals(.init(simulations: 60, seed: 7, threads: 2), scpiDraws: false)
        #expect(one.result == two.result && one.draws == two.draws)
        let fit = try SyntheticControl.fit(Self.problem, options: .init(predictorWeights: .outcomeOnly))
        let own = try fit.predictionIntervals(.init(simulations: 60, seed: 7))
        // Our weights equal scpi's to 1e-6, so the intervals agree closely with those from scpi's weights.
        for (a, b) in zip(own.periods, one.result.periods) { #expect(abs(a.inSample.lower - b.inSample.lower) < 0.05) }
        let withPredictors = try CrossValidationTests.germany(training: false)
        let nested = try SyntheticControl.fit(
            withPredictors, options: .init(predictorWeights: .custom([Double](repeating: 1, count: withPredictors.predictors.count))))
        #expect(throws: SyntheticControlError.self) { try nested.predictionIntervals(.init(simulations: 60)) }
    }
}
