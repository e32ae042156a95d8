import EconomicEvaluation
import EstimationCore
import Foundation
import Tabular

/// Cost-effectiveness: the two-stage bootstrap of the net-benefit regression at the scale of an MHST
/// evaluation, and probabilistic-sensitivity summaries of many draws. No peer is timed: BCEA and Stata's
/// `tsb` are not installable here (BCEA is not in Debian; `tsb` needs Stata).
enum CostEffectivenessBenchmark {
    static func run() throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let pupils = try self.pupils(n: 50_000, schools: 500, covariates: 5)
        var spec = CostEffectiveness.Specification(strategy: "arm", cost: "cost", effect: "effect")
        spec.covariates = (1...5).map { "x\($0)" }
        spec.cluster = "school"
        spec.variance = .cr1
        var settings = NetBenefitBootstrap.Settings(scheme: .twoStage)
        settings.draws = 2000
        settings.threads = threads
        spec.bootstrap = settings
        spec.willingnessToPay = stride(from: 0, through: 50_000, by: 5_000).map(Double.init)
        let boot = try Timing.median(repeats: 3) { _ = try CostEffectiveness.estimate(spec, table: pupils) }
        Timing.report(
            "cost-effectiveness: two-stage bootstrap, 2,000 draws, 50,000 pupils in 500 schools, 5 covariates, CR1 too (\(threads) threads)",
            seconds: boot, target: 1, peerName: "Stata tsb / R boot", peerSeconds: nil)
        let draws = psa(draws: 10_000, strategies: 10)
        var psaSpec = CostEffectiveness.Specification(strategy: "strategy", cost: "cost", effect: "effect")
        psaSpec.input = .draws(draw: "draw")
        psaSpec.willingnessToPay = (0..<100).map { Double($0) * 1_000 }
        let summaries = try Timing.median { _ = try CostEffectiveness.estimate(psaSpec, table: draws) }
        Timing.report(
            "cost-effectiveness: 10,000 PSA draws × 10 strategies, ICERs, acceptability and EVPI at 100 λ", seconds: summaries, target: 0.1,
            peerName: "BCEA", peerSeconds: nil)
    }

    /// Pupils in schools, half the schools treated; skewed costs with a school effect.
    static func pupils(n: Int, schools: Int, covariates: Int) throws -> Table {
        var rng = SplitMix64(seed: 31)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * .pi * rng.uniform()) }
        let schoolEffect = (0..<schools).map { _ in normal() }
        var school = [Double](), arm = [String?](), cost = [Double](), effect = [Double]()
        var x = [[Double]](repeating: [], count: covariates)
        for i in 0..<n {
            let s = i % schools
            school.append(Double(s))
            arm.append(s % 2 == 0 ? "control" : "mhst")
            var linear = 0.0
            for j in 0..<covariates {
                let v = normal()
                x[j].append(v)
                linear += 0.1 * v
            }
            cost.append(exp(5 + 0.5 * normal() + 0.2 * schoolEffect[s]) * (s % 2 == 0 ? 1 : 1.2))
            effect.append(0.7 + linear + 0.05 * schoolEffect[s] + 0.1 * normal() + (s % 2 == 0 ? 0 : 0.02))
        }
        var columns: [(String, Column)] = [("school", .numeric(school)), ("arm", .categorical(Categorical(arm))), ("cost", .numeric(cost))]
        columns.append(("effect", .numeric(effect)))
        for j in 0..<covariates { columns.append(("x\(j + 1)", .numeric(x[j]))) }
        return try Table(columns)
    }

    /// Long-form draws of `strategies` strategies.
    static func psa(draws: Int, strategies: Int) -> Table {
        var rng = SplitMix64(seed: 7)
        var draw = [Double](), strategy = [String?](), cost = [Double](), effect = [Double]()
        for s in 0..<strategies {
            for d in 0..<draws {
                draw.append(Double(d))
                strategy.append("S\(s)")
                effect.append(1 + 0.1 * Double(s) + 0.05 * (rng.uniform() - 0.5))
                cost.append(1_000 * Double(s) + 500 * rng.uniform())
            }
        }
        return try! Table([("draw", .numeric(draw)), ("strategy", .categorical(Categorical(strategy))), ("cost", .numeric(cost)), ("effect", .numeric(effect))])
    }
}
