import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

extension PartiallyPooledSyntheticControl {
    /// What one fit of the weights gives.
    struct Fitted {
        let nu: Double
        let weights: [[(unit: Int, weight: Double)]]
        let effects: [[Double]]
        let summary: Aggregates
        let solution: PooledWeightsProblem.Solution
        let problem: PooledWeightsProblem
        let separateImbalance: Imbalance
    }

    /// Fits the weights on `design`: the separate fit (ν = 0, unit norms) gives the heuristic ν (unless
    /// `fixedNu`) and the objective's norms, as augsynth; then the partially pooled fit.
    func fit(_ design: Design, fixedNu: Double?, threads: Int) -> Fitted {
        let problem = PooledWeightsProblem(design)
        // BLAS on one thread throughout: the matrices are small, and OpenBLAS's own threads would make the
        // last bits depend on what else the process is running.
        return BLASLibrary.withSingleThread {
            let separate = problem.solve(nu: 0, lambda: lambda, normPool: 1, normSeparate: 1, maxSweeps: 1, threads: threads)
            let separateImbalance = problem.imbalance(separate.errors)
            let chosenNu = fixedNu ?? problem.heuristicNu(separate.errors)
            let g2 = separateImbalance.global * separateImbalance.global
            let i2 = separateImbalance.individual * separateImbalance.individual
            let solution = problem.solve(
                nu: chosenNu, lambda: lambda, normPool: g2 > 0 ? g2 : 1, normSeparate: i2 > 0 ? i2 : 1,
                start: chosenNu == 0 ? nil : separate.weights, maxSweeps: maxSweeps, threads: threads)
            let sparse = solution.weights.enumerated().map { j, w in
                w.indices.filter { w[$0] > 0 }.map { (unit: design.donors[j][$0], weight: w[$0]) }
            }
            let effects = (0..<design.count).map { j in unitEffects(design, j, sparse[j], multipliers: nil) }
            return Fitted(
                nu: chosenNu, weights: sparse, effects: effects, summary: Aggregates(design, effects), solution: solution,
                problem: problem, separateImbalance: separateImbalance)
        }
    }

    /// Fits the partially pooled synthetic control and its bootstrap or jackknife.
    public func estimate(_ panel: Panel) throws(SyntheticControlError) -> Result {
        let design = try design(panel)
        let fitted = fit(design, fixedNu: nu, threads: threads)
        let summary = fitted.summary

        // Uniform weights on the raw outcomes: the reference of augsynth's scaled imbalance.
        let raw = PooledWeightsProblem(design, raw: true)
        let uniform = BLASLibrary.withSingleThread {
            (0..<design.count).map { j in raw.error(j, [Double](repeating: 1 / Double(design.donors[j].count), count: design.donors[j].count)) }
        }
        var covariateImbalance: [String: Double] = [:]
        if let z = design.covariatesRaw {
            for (c, name) in covariates.enumerated() {
                var total = 0.0
                for j in 0..<design.count {
                    total += z[design.treated[j], c] - fitted.weights[j].reduce(0) { $0 + $1.weight * z[$1.unit, c] }
                }
                covariateImbalance[name] = total / Double(design.count)
            }
        }

        let keys = summary.keys
        let describe: (Int, Double) -> Estimate
        switch inference {
        case .none:
            describe = { k, value in .point(term: keys[k].term, value, level: level) }
        case .bootstrap(let count):
            let draws = bootstrap(design, fitted, draws: count)
            let kind = EstimationCore.Inference(
                kind: .bootstrap, name: "bootstrap", type: "wild bootstrap of units, Mammen weights (augsynth)", replications: count)
            describe = { k, value in
                let column = draws.map { $0[k] }
                let mean = column.reduce(0, +) / Double(column.count)
                let se = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
                let alpha = 1 - level
                return Estimate(
                    term: keys[k].term, estimate: value, standardError: se, degreesOfFreedom: nil, statistic: nil, pValue: nil,
                    level: level, lower: value - WeightedStatistics.quantile(column, 1 - alpha / 2),
                    upper: value - WeightedStatistics.quantile(column, alpha / 2), inference: kind)
            }
        case .jackknife:
            let (se, used) = jackknife(design, fitted)
            let kind = EstimationCore.Inference(
                kind: .jackknife, name: "jackknife", type: "delete-one-unit jackknife, refitting the weights at the same ν (augsynth)",
                df: .normal, replications: used)
            describe = { k, value in
                .wald(term: keys[k].term, estimate: value, standardError: se[k], degreesOfFreedom: nil, level: level, inference: kind)
            }
        }
        let estimates = summary.vector.enumerated().map { describe($0, $1) }
        let eventCount = summary.eventTimes.count
        let units = (0..<design.count).map { j -> Unit in
            let m = design.balanced(j), start = design.start[j], offset = fitted.problem.offsets[j]
            return Unit(
                name: design.units[design.treated[j]], adoption: adoption[design.units[design.treated[j]]]!,
                donors: fitted.weights[j].map { design.units[$0.unit] }, weights: fitted.weights[j].map(\.weight),
                imbalance: Array(fitted.solution.errors[j][offset..<(offset + m)]),
                eventTimes: Array((-start)..<(design.end(j) - start)), effects: fitted.effects[j],
                averageEffect: summary.unitAverages[j])
        }
        return Result(
            nu: fitted.nu, nuChosen: nu == nil, lambda: lambda, lags: design.lags, leads: design.leads, units: units,
            imbalance: fitted.problem.imbalance(fitted.solution.errors), separateImbalance: fitted.separateImbalance,
            uniformImbalance: raw.imbalance(uniform), covariateImbalance: covariateImbalance, average: estimates[0],
            eventTime: zip(summary.eventTimes, estimates[1...eventCount]).map {
                .init(eventTime: $0.time, effect: $1, treatedUnits: $0.units)
            },
            cohorts: zip(summary.cohorts, estimates[(eventCount + 1)...]).map { .init(adoption: $0.adoption, effect: $1, treatedUnits: $0.units) },
            sweeps: fitted.solution.sweeps, converged: fitted.solution.converged, inference: inference,
            warnings: (inference == .none ? [.noInference] : []) + (fitted.solution.converged ? [] : [.notConverged]))
    }

    /// Fits from a table: the panel of `unit` and `time`, each unit's adoption from the column
    /// `adoptionColumn` (0 or missing: never treated), replacing ``adoption``.
    public func estimate(_ table: Table, unit: String, time: String, adoptionColumn: String) throws(SyntheticControlError) -> Result {
        let panel: Panel
        var spec = self
        do {
            panel = try Panel(table, unit: unit, time: time)
            spec.adoption = try panel.adoptionTimes(adoptionColumn)
        } catch { throw .panel(error.description) }
        return try spec.estimate(panel)
    }

    /// augsynth's wild bootstrap (`weighted_bootstrap_multi`): each draw multiplies every unit's
    /// outcomes by a Mammen weight ξ_i, recomputes the effects with the weights fixed and subtracts
    /// (Σ_i ξ_i / J) times the estimates. Draw b is seeded from `seed` and b.
    func bootstrap(_ design: Design, _ fitted: Fitted, draws: Int) -> [[Double]] {
        let estimates = fitted.summary.vector
        let n = design.units.count, jCount = Double(design.count)
        return ParallelMap.map(draws, threads: threads) { b -> [Double] in
            var rng = SplitMix64(seed: SplitMix64.derive(seed, b))
            let xi = (0..<n).map { _ in MultiplierWeights.mammen.draw(&rng) }
            let drawn = (0..<design.count).map { j in unitEffects(design, j, fitted.weights[j], multipliers: xi) }
            let centre = xi.reduce(0, +) / jCount
            return zip(Aggregates(design, drawn).vector, estimates).map { $0 - centre * $1 }
        }
    }

    /// augsynth's jackknife (`jackknife_se_multi`): every unit left out in turn and the weights refitted at
    /// the same ν, λ, lags and leads; se² = (n − 1)/n Σ_i (θ̂₍ᵢ₎ − θ̄)² over the refits that estimate θ
    /// (leaving out a treated unit removes its own effects, and a cohort's only unit its cohort).
    /// Returns the standard errors in the order of `Aggregates.vector` and the number of refits used.
    func jackknife(_ design: Design, _ fitted: Fitted) -> (standardErrors: [Double], refits: Int) {
        let keys = fitted.summary.keys
        let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let n = design.units.count
        let refits = ParallelMap.map(n, threads: threads) { i -> [Double]? in
            guard let reduced = try? design.dropping(i) else { return nil }
            let refit = fit(reduced, fixedNu: fitted.nu, threads: 1)
            var out = [Double](repeating: .nan, count: keys.count)
            for (key, value) in zip(refit.summary.keys, refit.summary.vector) {
                if let k = position[key] { out[k] = value }
            }
            return out
        }
        let good = refits.compactMap { $0 }
        let se = (0..<keys.count).map { k -> Double in
            let values = good.map { $0[k] }.filter { !$0.isNaN }
            guard values.count > 1 else { return .nan }
            let mean = values.reduce(0, +) / Double(values.count)
            return (Double(n - 1) / Double(n) * values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }).squareRoot()
        }
        return (se, good.count)
    }

    /// τ_j(t) for t = 0 ..< end(j): the unit's demeaned outcome less its synthetic control's, each unit's
    /// outcome multiplied by its bootstrap multiplier when `multipliers` are given.
    func unitEffects(_ design: Design, _ j: Int, _ weights: [(unit: Int, weight: Double)], multipliers: [Double]?) -> [Double] {
        let r = design.residual(j), u = design.treated[j]
        return (0..<design.end(j)).map { t in
            var synthetic = 0.0
            for (i, w) in weights { synthetic += w * (multipliers?[i] ?? 1) * r[i, t] }
            return (multipliers?[u] ?? 1) * r[u, t] - synthetic
        }
    }

    /// The averages reported: over units' post-treatment means, by event time, by adoption cohort.
    struct Aggregates {
        var unitAverages: [Double] = []
        var average = 0.0
        var eventTimes: [(time: Int, value: Double, units: Int)] = []
        var cohorts: [(adoption: Double, value: Double, units: Int)] = []

        init(_ design: Design, _ effects: [[Double]]) {
            var byTime: [Int: (Double, Int)] = [:]
            var byCohort: [Int: (Double, Int)] = [:]
            for (j, tau) in effects.enumerated() {
                let s = design.start[j]
                for (t, v) in tau.enumerated() {
                    let e = t - s
                    byTime[e, default: (0, 0)].0 += v
                    byTime[e, default: (0, 0)].1 += 1
                }
                let post = tau[s...]
                let mean = post.reduce(0, +) / Double(post.count)
                unitAverages.append(mean)
                byCohort[s, default: (0, 0)].0 += mean
                byCohort[s, default: (0, 0)].1 += 1
            }
            average = unitAverages.reduce(0, +) / Double(unitAverages.count)
            eventTimes = byTime.keys.sorted().map { ($0, byTime[$0]!.0 / Double(byTime[$0]!.1), byTime[$0]!.1) }
            cohorts = byCohort.keys.sorted().map { (design.times[$0], byCohort[$0]!.0 / Double(byCohort[$0]!.1), byCohort[$0]!.1) }
        }

        /// average, event times, cohorts: the order the bootstrap and jackknife summarise.
        var vector: [Double] { [average] + eventTimes.map(\.value) + cohorts.map(\.value) }

        /// What each entry of `vector` estimates.
        enum Key: Hashable {
            case average
            case eventTime(Int)
            case cohort(Double)

            var term: String {
                switch self {
                case .average: "average"
                case .eventTime(let e): "event time \(e)"
                case .cohort(let a): "cohort \(formatNumber(a))"
                }
            }
        }
        var keys: [Key] { [.average] + eventTimes.map { .eventTime($0.time) } + cohorts.map { .cohort($0.adoption) } }
    }
}
