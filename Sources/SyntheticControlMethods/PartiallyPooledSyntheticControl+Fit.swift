import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

extension PartiallyPooledSyntheticControl {
    /// The panel in the form the fit needs: outcomes, residualised outcomes per adoption period,
    /// each treated unit's donors and balancing rows.
    struct Design: Sendable {
        let units: [String]
        let times: [Double]
        /// Raw outcomes, units × periods.
        let y: Matrix
        /// Every unit's adoption index (Int.max: never treated).
        let adoptionIndex: [Int]
        /// Treated unit indices, ordered by adoption then name.
        let treated: [Int]
        /// t_j: the number of periods before unit j's adoption.
        let start: [Int]
        /// Periods before the last adoption (augsynth's d), lags L ≤ d, leads.
        let d: Int
        let lags: Int
        let leads: Int
        let donors: [[Int]]
        /// Outcomes less period effects (the never-treated mean) and, with fixed effects, less each unit's
        /// mean over the first t periods: keyed by t.
        let residuals: [Int: Matrix]
        /// Auxiliary covariates per unit, raw and scaled (units × covariates).
        let covariateNames: [String]
        let covariatesRaw: Matrix?
        let covariatesScaled: Matrix?
        let fixedEffects: Bool

        var count: Int { treated.count }
        var covariateCount: Int { covariatesScaled?.columns ?? 0 }
        /// min(t_j, L): the periods unit j balances.
        func balanced(_ j: Int) -> Int { Swift.min(start[j], lags) }
        /// One past the last period with an estimated effect for unit j.
        func end(_ j: Int) -> Int { Swift.min(start[j] + leads, times.count) }
        func residual(_ j: Int) -> Matrix { residuals[start[j]]! }
    }

    /// Checks the specification against the panel and builds the design.
    func design(_ panel: Panel) throws(SyntheticControlError) -> Design {
        guard !adoption.isEmpty else { throw .invalidOption("no treated units: every unit is never treated") }
        for u in adoption.keys.sorted() where !panel.units.contains(u) { throw .unknownUnit(u, available: panel.units) }
        if let nu, !(0...1).contains(nu) { throw .invalidOption("nu must lie in [0, 1]; it is \(formatNumber(nu))") }
        guard lambda >= 0, lambda.isFinite else { throw .invalidOption("lambda must be a non-negative number; it is \(formatNumber(lambda))") }
        if case .bootstrap(let draws) = inference, draws < 2 {
            throw .invalidOption("the bootstrap needs at least 2 draws; there are \(draws)")
        }
        if let problem = ConfidenceLevel.problem(level) { throw .invalidOption(problem) }
        if let lags, lags < 1 { throw .invalidOption("lags must be at least 1; it is \(lags)") }
        if let leads, leads < 1 { throw .invalidOption("leads must be at least 1; it is \(leads)") }
        let y: Matrix
        do { y = try panel.wideComplete(outcome) } catch { throw .panel(error.description) }
        let times = panel.times, n = panel.units.count
        // Adoption index of every unit (never-treated: Int.max).
        var adoptionIndex = [Int](repeating: .max, count: n)
        for (u, a) in adoption {
            let i = panel.unitIndex[u]!
            guard let s = times.firstIndex(where: { $0 >= a }) else { throw .noPostPeriod(unit: u, treatmentTime: a) }
            guard s > 0 else { throw .noPrePeriod(unit: u, treatmentTime: a) }
            adoptionIndex[i] = s
        }
        var raw: Matrix?
        if !covariates.isEmpty {
            let firstAdoption = adoptionIndex.min()!
            var z = Matrix(rows: n, columns: covariates.count)
            for (k, name) in covariates.enumerated() {
                let wide: Matrix
                do { wide = try panel.wide(name) } catch { throw .panel(error.description) }
                for i in 0..<n {
                    let values = (0..<firstAdoption).map { wide[i, $0] }
                    guard !values.contains(where: \.isNaN) else {
                        throw .missingValue(
                            variable: name, unit: panel.units[i],
                            periods: "the periods before the first adoption (\(formatNumber(times[firstAdoption])))")
                    }
                    z[i, k] = values.reduce(0, +) / Double(values.count)
                }
            }
            raw = z
        }
        return try Design(
            units: panel.units, times: times, y: y, adoptionIndex: adoptionIndex, covariates: covariates, covariatesRaw: raw,
            fixedEffects: fixedEffects, lags: lags, leads: leads, shape: nil)
    }
}

extension PartiallyPooledSyntheticControl.Design {
    /// Builds the design from outcomes and adoption indices. `shape` fixes d, lags and leads (the
    /// jackknife keeps the full sample's, as augsynth's `drop_unit_i_multi` does).
    init(
        units: [String], times: [Double], y: Matrix, adoptionIndex: [Int], covariates: [String], covariatesRaw: Matrix?,
        fixedEffects: Bool, lags: Int?, leads: Int?, shape: (d: Int, lags: Int, leads: Int)?
    ) throws(SyntheticControlError) {
        let n = units.count, tCount = times.count
        let treated = (0..<n).filter { adoptionIndex[$0] != .max }.sorted { (adoptionIndex[$0], units[$0]) < (adoptionIndex[$1], units[$1]) }
        guard !treated.isEmpty else { throw .invalidOption("no treated units: every unit is never treated") }
        let start = treated.map { adoptionIndex[$0] }
        let d = shape?.d ?? start.max()!
        let lagCount = shape?.lags ?? Swift.min(lags ?? d, d)
        let leadCount = shape?.leads ?? Swift.min(leads ?? (tCount - d), tCount)
        var donors: [[Int]] = []
        for (j, u) in treated.enumerated() {
            let pool = (0..<n).filter { adoptionIndex[$0] == .max || adoptionIndex[$0] > leadCount + start[j] }
            guard pool.count >= 2 else {
                throw .invalidOption(
                    "treated unit '\(units[u])' has \(pool.count) donor unit(s) (never treated, or adopting more than "
                        + "\(leadCount) period(s) after it); a synthetic control needs at least 2")
            }
            donors.append(pool)
        }
        // Period effects from the never-treated units, then unit effects over each adoption's pre-periods.
        let never = (0..<n).filter { adoptionIndex[$0] == .max }
        var periodEffect = [Double](repeating: 0, count: tCount)
        if !never.isEmpty {
            for t in 0..<tCount { periodEffect[t] = never.reduce(0) { $0 + y[$1, t] } / Double(never.count) }
        }
        var residuals: [Int: Matrix] = [:]
        for s in Set(start) {
            var r = Matrix(rows: n, columns: tCount)
            for i in 0..<n {
                var mean = 0.0
                if fixedEffects {
                    for t in 0..<s { mean += y[i, t] - periodEffect[t] }
                    mean /= Double(s)
                }
                for t in 0..<tCount { r[i, t] = y[i, t] - periodEffect[t] - mean }
            }
            residuals[s] = r
        }
        var scaled: Matrix?
        if let z = covariatesRaw {
            // augsynth: z ↦ sdx · (z − mean₀) / sd₀, with mean₀, sd₀ over never-treated units and sdx the SD
            // of the treated units' balanced outcomes (residualised for the adoption of the first treated
            // unit in R's order of unit identifiers).
            guard never.count >= 2 else {
                throw .invalidOption("auxiliary covariates are scaled by the never-treated units, and there are \(never.count)")
            }
            let firstUnit = treated.min { Self.unitOrder(units[$0], units[$1]) }!
            let r = residuals[adoptionIndex[firstUnit]]!
            let sdx = WeightedStatistics.standardDeviation(treated.flatMap { u in (0..<d).map { r[u, $0] } })
            var zs = Matrix(rows: n, columns: z.columns)
            for k in 0..<z.columns {
                let column = never.map { z[$0, k] }
                let mean = column.reduce(0, +) / Double(column.count)
                let sd = WeightedStatistics.standardDeviation(column)
                guard sd > 0 else {
                    throw .invalidOption("covariate '\(covariates[k])' does not vary among the never-treated units, so it cannot be scaled")
                }
                for i in 0..<n { zs[i, k] = sdx * (z[i, k] - mean) / sd }
            }
            scaled = zs
        }
        self.init(
            units: units, times: times, y: y, adoptionIndex: adoptionIndex, treated: treated, start: start, d: d, lags: lagCount,
            leads: leadCount, donors: donors, residuals: residuals, covariateNames: covariates, covariatesRaw: covariatesRaw,
            covariatesScaled: scaled, fixedEffects: fixedEffects)
    }

    /// The design without unit `i`, keeping d, lags and leads (augsynth's jackknife refit).
    func dropping(_ i: Int) throws(SyntheticControlError) -> Self {
        let keep = (0..<units.count).filter { $0 != i }
        return try Self(
            units: keep.map { units[$0] }, times: times, y: y.selectingRows(keep), adoptionIndex: keep.map { adoptionIndex[$0] },
            covariates: covariateNames, covariatesRaw: covariatesRaw?.selectingRows(keep), fixedEffects: fixedEffects,
            lags: nil, leads: nil, shape: (d, lags, leads))
    }

    /// R's order of unit identifiers: numerically when both are numbers, else as text.
    static func unitOrder(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }
}

/// The block-coordinate solver of the multisynth objective.
struct PooledWeightsProblem: Sendable {
    let design: PartiallyPooledSyntheticControl.Design
    /// Per unit: the balancing design (rows: balanced periods, then covariates; columns: donors) and target.
    let blocks: [Matrix]
    let targets: [[Double]]
    /// Row offset of unit j's first balanced period within the common d-long event-time vector.
    let offsets: [Int]

    init(_ design: PartiallyPooledSyntheticControl.Design, raw: Bool = false) {
        self.design = design
        var blocks: [Matrix] = []
        var targets: [[Double]] = []
        var offsets: [Int] = []
        let dz = design.covariateCount
        for j in 0..<design.count {
            let m = design.balanced(j), s = design.start[j]
            let source = raw ? design.y : design.residual(j)
            let pool = design.donors[j]
            var b = Matrix(rows: m + dz, columns: pool.count)
            var a = [Double](repeating: 0, count: m + dz)
            for r in 0..<m {
                let t = s - m + r
                a[r] = source[design.treated[j], t]
                for (k, i) in pool.enumerated() { b[r, k] = source[i, t] }
            }
            if let z = design.covariatesScaled {
                for c in 0..<dz {
                    a[m + c] = z[design.treated[j], c]
                    for (k, i) in pool.enumerated() { b[m + c, k] = z[i, c] }
                }
            }
            blocks.append(b)
            targets.append(a)
            offsets.append(design.d - m)
        }
        self.blocks = blocks
        self.targets = targets
        self.offsets = offsets
    }

    /// The objective's coefficients: pooled and individual weights of outcome and covariate rows.
    struct Coefficients {
        let pooledOutcome: Double
        let individualOutcome: [Double]
        let pooledCovariate: Double
        let individualCovariate: Double
        let lambda: Double

        init(nu: Double, lambda: Double, normPool: Double, normSeparate: Double, design: PartiallyPooledSyntheticControl.Design) {
            let jj = Double(design.count), l = Double(design.lags), dz = Double(max(design.covariateCount, 1))
            pooledOutcome = nu / (normPool * l * jj * jj)
            individualOutcome = (0..<design.count).map { (1 - nu) / (normSeparate * jj * Double(design.balanced($0))) }
            pooledCovariate = nu / (normPool * jj * jj * dz)
            individualCovariate = (1 - nu) / (normSeparate * jj * dz)
            self.lambda = lambda
        }
    }

    struct Solution: Sendable {
        let weights: [[Double]]
        /// Each unit's imbalance: outcome rows aligned to event time −d … −1 (zeros before its lags),
        /// then covariate rows.
        let errors: [[Double]]
        let sweeps: Int
        let converged: Bool
    }

    /// Unit j's imbalance for weights w, laid out in the common vector.
    func error(_ j: Int, _ w: [Double]) -> [Double] {
        let fitted = blocks[j].multiplied(by: w)
        var e = [Double](repeating: 0, count: design.d + design.covariateCount)
        let m = design.balanced(j)
        for r in 0..<m { e[offsets[j] + r] = targets[j][r] - fitted[r] }
        for c in 0..<design.covariateCount { e[design.d + c] = targets[j][m + c] - fitted[m + c] }
        return e
    }

    func objective(_ errors: [[Double]], _ weights: [[Double]], _ k: Coefficients) -> Double {
        let d = design.d, width = d + design.covariateCount
        var total = 0.0
        for r in 0..<width {
            let s = errors.reduce(0) { $0 + $1[r] }
            total += (r < d ? k.pooledOutcome : k.pooledCovariate) * s * s
        }
        for (j, e) in errors.enumerated() {
            for r in 0..<width { total += (r < d ? k.individualOutcome[j] : k.individualCovariate) * e[r] * e[r] }
        }
        for w in weights { total += k.lambda * w.reduce(0) { $0 + $1 * $1 } }
        return total / 2
    }

    /// Minimises the objective by exact block coordinate descent, starting from `start` (or each unit's
    /// own best fit). With ν = 0 the blocks are independent and one sweep (in parallel) is exact.
    func solve(
        nu: Double, lambda: Double, normPool: Double, normSeparate: Double, start: [[Double]]? = nil, maxSweeps: Int,
        threads: Int
    ) -> Solution {
        let k = Coefficients(nu: nu, lambda: lambda, normPool: normPool, normSeparate: normSeparate, design: design)
        let jCount = design.count, d = design.d, dz = design.covariateCount
        if nu == 0 && start == nil {
            let fits = ParallelMap.map(jCount, threads: threads) { j in solveBlock(j, others: nil, warm: nil, k).weights }
            return Solution(weights: fits, errors: fits.indices.map { error($0, fits[$0]) }, sweeps: 1, converged: true)
        }
        var weights = start ?? ParallelMap.map(jCount, threads: threads) { j in solveBlock(j, others: nil, warm: nil, k).weights }
        var errors = weights.indices.map { error($0, weights[$0]) }
        var supports = weights.map { w in w.indices.filter { w[$0] > 0 } }
        var total = [Double](repeating: 0, count: d + dz)
        for e in errors { for r in total.indices { total[r] += e[r] } }
        var value = objective(errors, weights, k)
        var sweeps = 0
        var converged = false
        while sweeps < maxSweeps {
            sweeps += 1
            for j in 0..<jCount {
                var others = total
                for r in others.indices { others[r] -= errors[j][r] }
                let fit = solveBlock(j, others: others, warm: supports[j], k)
                let e = error(j, fit.weights)
                for r in total.indices { total[r] = others[r] + e[r] }
                weights[j] = fit.weights
                errors[j] = e
                supports[j] = fit.support
            }
            // Recompute the sum now and then so rounding does not accumulate.
            if sweeps % 50 == 0 {
                total = [Double](repeating: 0, count: d + dz)
                for e in errors { for r in total.indices { total[r] += e[r] } }
            }
            let next = objective(errors, weights, k)
            let decrease = value - next
            value = next
            if decrease <= 1e-13 * abs(next) || next <= .leastNormalMagnitude {
                converged = true
                break
            }
        }
        return Solution(weights: weights, errors: errors, sweeps: sweeps, converged: converged)
    }

    /// Unit j's exact block update: the others' summed imbalance fixed, a weighted simplex least squares problem.
    func solveBlock(_ j: Int, others: [Double]?, warm: [Int]?, _ k: Coefficients) -> SimplexLeastSquares.Solution {
        let m = design.balanced(j), d = design.d, dz = design.covariateCount
        var b = targets[j]
        if let others {
            let rhoOutcome = k.pooledOutcome / (k.pooledOutcome + k.individualOutcome[j])
            let rhoCovariate = dz > 0 ? k.pooledCovariate / (k.pooledCovariate + k.individualCovariate) : 0
            for r in 0..<m { b[r] += rhoOutcome * others[offsets[j] + r] }
            for c in 0..<dz { b[m + c] += rhoCovariate * others[d + c] }
        }
        let rowWeights =
            [Double](repeating: k.pooledOutcome + k.individualOutcome[j], count: m)
            + [Double](repeating: k.pooledCovariate + k.individualCovariate, count: dz)
        return SimplexLeastSquares(a: blocks[j], b: b, rowWeights: rowWeights, ridge: k.lambda).solve(warmStart: warm)
    }

    /// augsynth's imbalance summaries of the outcome rows.
    func imbalance(_ errors: [[Double]]) -> PartiallyPooledSyntheticControl.Imbalance {
        let d = design.d, jj = Double(errors.count)
        var mean = [Double](repeating: 0, count: d)
        for e in errors { for r in 0..<d { mean[r] += e[r] / jj } }
        let global = mean.reduce(0) { $0 + $1 * $1 }.squareRoot() / Double(d).squareRoot()
        var individual = 0.0
        for (j, e) in errors.enumerated() {
            individual += (0..<d).reduce(0) { $0 + e[$1] * e[$1] } / Double(design.balanced(j))
        }
        return .init(global: global, individual: (individual / jj).squareRoot())
    }

    /// augsynth's ν heuristic: ‖mean_j e_j‖ / mean_j ‖e_j‖ (outcome rows), 0 for a perfect separate fit.
    func heuristicNu(_ errors: [[Double]]) -> Double {
        let d = design.d, jj = Double(errors.count)
        var mean = [Double](repeating: 0, count: d)
        var norms = 0.0
        for e in errors {
            for r in 0..<d { mean[r] += e[r] / jj }
            norms += (0..<d).reduce(0) { $0 + e[$1] * e[$1] }.squareRoot() / jj
        }
        let global = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norms > 0 ? Swift.min(global / norms, 1) : 0
    }
}
