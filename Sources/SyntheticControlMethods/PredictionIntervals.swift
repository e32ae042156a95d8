import Distributions
import EstimationCore
import Foundation
import LinearAlgebra

/// Prediction intervals for a synthetic control's counterfactual (Cattaneo, Feng & Titiunik 2021,
/// JASA), as scpi-pkg computes them for one treated unit, outcome-only simplex weights, V = I.
///
/// The synthetic outcome's error in a post period, p_tᵀ(β₀ − β̂) + e_t, has two parts:
///
/// - **In-sample** (the weights' estimation error): M simulated draws G ~ N(0, Σ̂) and, for each, the
///   smallest and largest p_tᵀ(β̂ − x) over weights x on the simplex near β̂ with
///   (x − β̂)ᵀQ̂(x − β̂) − 2Gᵀ(x − β̂) ≤ 0, where Q̂ = ZᵀZ/T and Σ̂ = Zᵀ diag(ω̂) Z/T². The bounds are the
///   α/2 and 1 − α/2 quantiles over draws. Z are the donors' pre-period outcomes (without the
///   first period when the data are cointegrated, as scpi), ω̂ the squared pseudo-residuals
///   û − E[û | D] (D: the first differences, or levels, of the donors with weight above ρ and a
///   constant; a constant alone when there are fewer than 10 more periods than its columns),
///   scaled by the HC rule (HC1: T/(T − df), df = donors with weight ≥ 10⁻⁶ minus 1). The "local
///   geometry" fixes donors with weight below ρ at no less than their weight (ρ from scpi's
///   `type-2` rule by default, at most `rhoMax`). Each program is solved exactly
///   (`SimplexQuadraticProgram.minimumOverEllipsoid`) rather than by ECOS.
/// - **Out-of-sample** (the post-period shock e_t), from the pre-period residuals regressed on the
///   same design: `gaussian` (the conditional mean ± √(−2 log(α/2))·σ, σ the smaller of the
///   log-variance model's √exp and the interquartile range / 1.34, both by regression),
///   `location-scale` (the same mean and σ times the empirical α/2 and 1 − α/2 quantiles of the
///   standardised residuals) and `quantile` (quantile regressions at α/2 and 1 − α/2, by
///   statsmodels' iteration, `QuantileRegression`).
///
/// Each interval adds the two bounds. The simultaneous band over all post periods takes the α/2
/// quantile over draws of each draw's smallest lower bound (largest upper bound), plus the
/// gaussian out-of-sample bound times √log(T₁ + 1): R's scpi and the paper. scpi-pkg's Python port
/// takes the minimum over draws first and a quantile over periods (a different, wider band).
///
/// Draws come from a seed per simulation, so results do not depend on `threads`.
/// Complexity: simulations × 2T₁ parametric programs of O(k³ + Jk) per piece for k free donors.
public struct PredictionIntervals: Sendable {
    /// How ρ, the threshold for donors whose weight is treated as possibly zero, is set.
    public enum Rho: Sendable, Equatable, Codable {
        /// σ̂_u / min_j sd(B_j) · √(log J · s · log T₀ / T₀), s the number of non-zero weights (scpi's `type-1`).
        case type1
        /// σ̂_u · max_j sd(B_j) / min_j var(B_j) · √(log J · s · log T₀ / T₀) (scpi's default, `type-2`).
        case type2
        case value(Double)
    }

    /// The heteroskedasticity-robust rule scaling the squared pseudo-residuals in Σ̂.
    public enum Variance: String, Sendable, Codable, CaseIterable {
        case hc0, hc1, hc2, hc3
    }

    /// Simulated draws of the in-sample error (scpi's `sims`).
    public var simulations: Int = 200
    /// Confidence level of every interval (scpi's u_alpha = e_alpha = 1 − level).
    public var level: Double = 0.95
    public var rho: Rho = .type2
    /// The largest ρ (scpi's `rho_max`).
    public var rhoMax: Double = 0.2
    public var variance: Variance = .hc1
    /// Whether outcomes are treated as cointegrated: the designs use first differences and drop the first period (scpi's default in its examples).
    public var cointegrated: Bool = true
    public var seed: UInt64 = 1
    public var threads: Int = 1

    public init(
        simulations: Int = 200, level: Double = 0.95, rho: Rho = .type2, rhoMax: Double = 0.2, variance: Variance = .hc1,
        cointegrated: Bool = true, seed: UInt64 = 1, threads: Int = 1
    ) {
        self.simulations = simulations
        self.level = level
        self.rho = rho
        self.rhoMax = rhoMax
        self.variance = variance
        self.cointegrated = cointegrated
        self.seed = seed
        self.threads = threads
    }

    /// Lower and upper ends of an interval.
    public struct Band: Sendable, Codable, Equatable {
        public let lower: Double
        public let upper: Double
        public init(lower: Double, upper: Double) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// One post-treatment period's intervals for the synthetic (counterfactual) outcome.
    public struct Period: Sendable, Codable, Equatable {
        public let time: Double
        public let treated: Double
        public let synthetic: Double
        /// In-sample uncertainty alone.
        public let inSample: Band
        public let gaussian: Band
        public let locationScale: Band
        public let quantile: Band
        /// The band holding for all post periods at once (in-sample joint + gaussian × √log(T₁ + 1)).
        public let simultaneous: Band
    }

    public struct Result: Sendable, Codable, Equatable {
        public let periods: [Period]
        public let level: Double
        public let simulations: Int
        /// Draws whose program could not be solved, for the lower and upper bounds (out of simulations × T₁ each).
        public let failedLower: Int
        public let failedUpper: Int
        public let rho: Double
        /// Donors with weight above ρ (used in the designs), and every donor's lower bound in the simulation.
        public let activeDonors: [String]
        public let lowerBounds: [Double]
        /// The ridge added to Q̂ in the simulated programs: 0 unless Q̂ is singular (then 10·ε_machine of its largest eigenvalue).
        public let ridge: Double
        /// df in the HC1 rule and the rows T of Q̂ and Σ̂.
        public let degreesOfFreedom: Int
        public let rows: Int
        /// The designs' columns (the first differences, or levels, of the active donors and a constant).
        public let uDesign: [String]
        public let eDesign: [String]
        /// Σ̂ (J × J, row by row).
        public let sigma: [[Double]]
        /// The conditional mean and variance of the out-of-sample error per post period (gaussian).
        public let eMean: [Double]
        public let eVariance: [Double]
        /// Whether the out-of-sample quantile regressions converged within statsmodels' 1,000 iterations.
        public let quantileRegressionsConverged: Bool
        /// Where scpi's rules changed the specification for lack of periods (a constant design, df capped, Q̂ singular).
        public let notes: [String]
    }

    /// Intervals for a fit: β̂ the fitted weights, B the donors' outcomes over the pre-treatment periods,
    /// P over the post periods. `standardNormals` (J × simulations), when given, replaces the seeded
    /// draws (the tests pass scpi's own).
    public func compute(
        treatedPre: [Double], donorsPre b: Matrix, donorsPost p: Matrix, weights w: [Double], donors: [String],
        postTimes: [Double], treatedPost: [Double], standardNormals: Matrix? = nil
    ) throws(SyntheticControlError) -> Result {
        try computeWithDraws(
            treatedPre: treatedPre, donorsPre: b, donorsPost: p, weights: w, donors: donors, postTimes: postTimes, treatedPost: treatedPost,
            standardNormals: standardNormals
        ).result
    }

    /// `compute`, with each draw's lower bounds then upper bounds (2T₁ values; NaN where the program
    /// failed), p_tᵀ(β̂ − x) as scpi's `vsig` (the tests compare them draw by draw).
    func computeWithDraws(
        treatedPre: [Double], donorsPre b: Matrix, donorsPost p: Matrix, weights w: [Double], donors: [String],
        postTimes: [Double], treatedPost: [Double], standardNormals: Matrix?
    ) throws(SyntheticControlError) -> (result: Result, draws: [[Double]]) {
        // Single-threaded BLAS throughout (the draws run in parallel; the small set-up products then
        // round the same way whatever else the process runs, so results are reproducible to the bit).
        let outcome: Swift.Result<(Result, [[Double]]), SyntheticControlError> = BLASLibrary.withSingleThread {
            do throws(SyntheticControlError) {
                return .success(
                    try computeSingleThreaded(
                        treatedPre: treatedPre, donorsPre: b, donorsPost: p, weights: w, donors: donors, postTimes: postTimes,
                        treatedPost: treatedPost, standardNormals: standardNormals))
            } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    private func computeSingleThreaded(
        treatedPre: [Double], donorsPre b: Matrix, donorsPost p: Matrix, weights w: [Double], donors: [String],
        postTimes: [Double], treatedPost: [Double], standardNormals: Matrix?
    ) throws(SyntheticControlError) -> (Result, [[Double]]) {
        let t0 = b.rows, j = b.columns, t1 = p.rows
        guard treatedPre.count == t0, w.count == j, p.columns == j, donors.count == j, postTimes.count == t1, treatedPost.count == t1
        else { throw .invalidOption("prediction intervals: inconsistent dimensions") }
        guard j >= 2 else { throw .tooFewDonors(j) }
        guard t0 >= 3 else { throw .invalidOption("prediction intervals need at least 3 pre-treatment periods; there are \(t0)") }
        guard simulations >= 10 else { throw .invalidOption("prediction intervals need at least 10 simulations, not \(simulations)") }
        guard level > 0.5, level < 1 else { throw .invalidOption("level must be between 0.5 and 1, not \(level)") }
        if let z = standardNormals, z.rows != j || z.columns < simulations {
            throw .invalidOption("standard normals must be \(j) × \(simulations), not \(z.rows) × \(z.columns)")
        }
        let alpha = 1 - level
        let residuals = (0..<t0).map { t in treatedPre[t] - (0..<j).reduce(0) { $0 + b[t, $1] * w[$1] } }

        // Local geometry: ρ, the donors above it and the lower bounds of the simulated programs.
        let nonZero = w.filter { abs($0) >= 1e-6 }.count
        let rho = try rhoValue(residuals: residuals, b: b, nonZero: nonZero)
        var active = (0..<j).filter { w[$0] > rho }
        if active.isEmpty, let top = (0..<j).max(by: { w[$0] < w[$1] }), w.filter({ $0 == w[top] }).count == 1 { active = [top] }
        let lowerBounds = w.map { $0 < rho ? $0 : 0 }

        // The rows kept (cointegrated: the first is lost to differencing) and the design of the donors above ρ.
        let rows = cointegrated ? Array(1..<t0) : Array(0..<t0)
        let tt = rows.count
        func donorColumn(_ k: Int, at t: Int) -> Double { cointegrated ? b[t, k] - b[t - 1, k] : b[t, k] }
        let donorDesign = active.map { k in rows.map { donorColumn(k, at: $0) } }
        let prefix = cointegrated ? "Δ" : ""

        // In-sample: pseudo-residual mean, Σ̂ and Q̂.
        var uColumns = donorDesign + [[Double](repeating: 1, count: tt)]
        var uNames = active.map { prefix + donors[$0] } + ["constant"]
        if tt - 10 <= uColumns.count {
            uColumns = [[Double](repeating: 1, count: tt)]
            uNames = ["constant"]
        }
        let u = rows.map { residuals[$0] }
        let uMean = try Self.fitted(u, Matrix(columns: uColumns))
        var notes: [String] = []
        if uNames == ["constant"] && !active.isEmpty {
            notes.append(
                "\(tt) pre-treatment periods are too few to model the pseudo-residuals on the \(active.count) donor(s) above ρ (scpi needs more than 10 plus the design's columns): their mean is a constant"
            )
        }
        var df = max(nonZero - 1, 0)
        if df >= tt {
            notes.append(
                "the weights use \(df) degrees of freedom for \(tt) periods: df is set to \(tt - 1), as scpi does (fewer donors or a sparser fit would leave some for the variance)"
            )
            df = tt - 1
        }
        let z = b.selectingRows(rows)
        var scale = [Double](repeating: 1, count: tt)
        switch variance {
        case .hc0: break
        case .hc1: scale = scale.map { _ in Double(tt) / Double(tt - df) }
        case .hc2, .hc3:
            let leverage = try Self.leverage(z)
            scale = leverage.map { variance == .hc2 ? 1 / (1 - $0) : 1 / ((1 - $0) * (1 - $0)) }
        }
        let omega = (0..<tt).map { (u[$0] - uMean[$0]) * (u[$0] - uMean[$0]) * scale[$0] }
        let sigma = (1 / Double(tt * tt)) * z.gram(rowScale: omega.map { $0.squareRoot() })
        let q = (1 / Double(tt)) * z.gram()
        // Σ̂^½ from its eigendecomposition; eigenvalues below 1e6 machine epsilons of the largest (rounding
        // noise when Σ̂ is singular, which the square root would magnify) are taken as zero.
        let sigmaRoot: Matrix
        do {
            let e = try sigma.symmetricEigen()
            let floor = 1e6 * Double.ulpOfOne * (e.values.last ?? 0)
            sigmaRoot = e.applying { $0 > floor ? $0.squareRoot() : 0 }
        } catch { throw .numerical("prediction intervals: Σ̂ has no square root (\(error))") }

        // The simulated programs, one seed per draw.
        // When Q̂ is singular (more donors than periods; scpi's test: an eigenvalue below 1e6·ε_machine of
        // the largest), a ridge of 10·ε_machine of the largest keeps every subproblem strictly convex:
        // directions Q̂ does not see are then bounded by the simplex, as in scpi's reduced-rank cone (checked
        // against Clarabel to 1e-6 per draw on an 8-period pre-period). Otherwise no ridge.
        let eigenvalues: [Double]
        do { eigenvalues = try q.symmetricEigen().values } catch { throw .numerical("prediction intervals: Q̂: \(error)") }
        let cutoff = 1e6 * Double.ulpOfOne * (eigenvalues.last ?? 0)
        let epsilon = (eigenvalues.first ?? 0) < cutoff ? 10 * Double.ulpOfOne * (eigenvalues.last ?? 0) : 0
        if epsilon > 0 {
            notes.append(
                "Q̂ is singular (\(tt) periods for \(j) donors): the simulated programs bound the directions it does not see by the simplex alone"
            )
        }
        var hessian = [Double](repeating: 0, count: j * j)
        for c in 0..<j { for r in 0..<j { hessian[c * j + r] = 2 * q[r, c] + (r == c ? 2 * epsilon : 0) } }
        let program = SimplexQuadraticProgram(
            hessian: hessian, lower: zip(lowerBounds, w).map { $0 - $1 }, total: 1 - w.reduce(0, +))
        let postRows = (0..<t1).map { p.row($0) }
        let sims = simulations, seed = self.seed
        let draws: [[Double]] = ParallelMap.map(sims, threads: threads) { s in
            var normals = [Double](repeating: 0, count: j)
            if let given = standardNormals {
                for k in 0..<j { normals[k] = given[k, s] }
            } else {
                var rng = SplitMix64(seed: SplitMix64.derive(seed, s))
                for k in 0..<j { normals[k] = Normal.standard.quantile(rng.uniform()) }
            }
            let g = sigmaRoot.multiplied(by: normals)
            let f = g.map { -2 * $0 }
            var out = [Double](repeating: .nan, count: 2 * t1)
            guard let start = program.solve(f: f) else { return out }
            for (t, row) in postRows.enumerated() {
                if let y = program.minimumOverEllipsoid(c: row.map { -$0 }, f: f, start: start) {
                    out[t] = -Vector.dot(row, y)
                }
                if let y = program.minimumOverEllipsoid(c: row, f: f, start: start) {
                    out[t1 + t] = -Vector.dot(row, y)
                }
            }
            return out
        }
        func column(_ c: Int) -> [Double] { draws.map { $0[c] }.filter { !$0.isNaN } }
        func quantile(_ x: [Double], _ prob: Double) -> Double { x.isEmpty ? .nan : WeightedStatistics.quantile(x, prob) }
        let inLower = (0..<t1).map { quantile(column($0), alpha / 2) }
        let inUpper = (0..<t1).map { quantile(column(t1 + $0), 1 - alpha / 2) }
        let failedLower = draws.reduce(0) { n, d in n + (0..<t1).filter { d[$0].isNaN }.count }
        let failedUpper = draws.reduce(0) { n, d in n + (0..<t1).filter { d[t1 + $0].isNaN }.count }
        let jointLower = quantile(draws.compactMap { d in (0..<t1).map { d[$0] }.filter { !$0.isNaN }.min() }, alpha / 2)
        let jointUpper = quantile(draws.compactMap { d in (0..<t1).map { d[t1 + $0] }.filter { !$0.isNaN }.max() }, 1 - alpha / 2)

        // Out-of-sample: the pre-period residuals on the design, predicted at the post periods.
        let postDesign = active.map { k in
            (0..<t1).map { t in cointegrated ? p[t, k] - (t == 0 ? b[t0 - 1, k] : p[t - 1, k]) : p[t, k] }
        }
        let outOfSample = try OutOfSample(
            residuals: u, design: donorDesign, postDesign: postDesign, names: active.map { prefix + donors[$0] }, alpha: alpha / 2)
        let synthetic = (0..<t1).map { t in (0..<j).reduce(0) { $0 + p[t, $1] * w[$1] } }
        let jointScale = t1 > 1 ? log(Double(t1 + 1)).squareRoot() : 1
        let periods = (0..<t1).map { t -> Period in
            let s = synthetic[t]
            let g = outOfSample.gaussian[t], ls = outOfSample.locationScale[t], qr = outOfSample.quantile[t]
            return Period(
                time: postTimes[t], treated: treatedPost[t], synthetic: s,
                inSample: Band(lower: s + inLower[t], upper: s + inUpper[t]),
                gaussian: Band(lower: s + inLower[t] + g.lower, upper: s + inUpper[t] + g.upper),
                locationScale: Band(lower: s + inLower[t] + ls.lower, upper: s + inUpper[t] + ls.upper),
                quantile: Band(lower: s + inLower[t] + qr.lower, upper: s + inUpper[t] + qr.upper),
                simultaneous: Band(lower: s + jointLower + jointScale * g.lower, upper: s + jointUpper + jointScale * g.upper))
        }
        let result = Result(
            periods: periods, level: level, simulations: sims, failedLower: failedLower, failedUpper: failedUpper, rho: rho,
            activeDonors: active.map { donors[$0] }, lowerBounds: lowerBounds, ridge: epsilon, degreesOfFreedom: df, rows: tt, uDesign: uNames,
            eDesign: outOfSample.names, sigma: (0..<j).map { sigma.row($0) }, eMean: outOfSample.mean, eVariance: outOfSample.variance,
            quantileRegressionsConverged: outOfSample.converged, notes: notes + outOfSample.notes)
        return (result, draws)
    }

    /// ρ by the chosen rule, capped at `rhoMax`; a computed ρ below 0.001 is raised as scpi does
    /// (to the larger of both rules capped at 0.2, or to `rhoMax` if that is still below 0.05).
    func rhoValue(residuals: [Double], b: Matrix, nonZero: Int) throws(SyntheticControlError) -> Double {
        func rule(_ type1: Bool, cap: Double) throws(SyntheticControlError) -> Double {
            let t0 = Double(residuals.count)
            let mean = residuals.reduce(0, +) / t0
            let sigmaU = (residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / t0).squareRoot()
            let variances = (0..<b.columns).map { WeightedStatistics.variance(b.column($0)) }
            guard let smallest = variances.min(), smallest > 0 else {
                throw .invalidOption("prediction intervals: a donor's outcome does not vary over the pre-treatment periods")
            }
            let c = type1 ? sigmaU / smallest.squareRoot() : sigmaU * variances.max()!.squareRoot() / smallest
            let d = Double(b.columns)
            return min(c * (log(d) * Double(nonZero) * log(t0)).squareRoot() / t0.squareRoot(), cap)
        }
        switch rho {
        case .value(let v): return v
        case .type1, .type2:
            var r = try rule(rho == .type1, cap: rhoMax)
            if r < 0.001 {
                r = max(try rule(true, cap: 0.2), try rule(false, cap: 0.2))
                if r < 0.05 { r = rhoMax }
            }
            return r
        }
    }

    /// Least-squares fitted values of y on the columns of x (minimum-norm solution; unique fitted values).
    static func fitted(_ y: [Double], _ x: Matrix) throws(SyntheticControlError) -> [Double] {
        do { return x.multiplied(by: try x.leastSquares(y).solution) } catch { throw .numerical("prediction intervals: \(error)") }
    }

    /// The diagonal of Z(ZᵀZ)⁺Zᵀ.
    static func leverage(_ z: Matrix) throws(SyntheticControlError) -> [Double] {
        do {
            let svd = try z.svd()
            let r = svd.rank(relativeTolerance: 1e-12)
            return (0..<z.rows).map { i in (0..<r).reduce(0) { $0 + svd.u[i, $1] * svd.u[i, $1] } }
        } catch { throw .numerical("prediction intervals: \(error)") }
    }
}

extension SyntheticControlFit {
    /// Prediction intervals for this fit's post-treatment counterfactual (see `PredictionIntervals`).
    /// The fit must use outcome-only weights on every pre-treatment period, as scpi's.
    public func predictionIntervals(_ spec: PredictionIntervals, standardNormals: Matrix? = nil) throws(SyntheticControlError)
        -> PredictionIntervals.Result
    {
        let pre = problem.prePeriodIndices, post = problem.postPeriodIndices
        guard predictorWeights == nil, problem.fitPeriods == pre.map({ problem.periods[$0] }) else {
            throw .invalidOption("prediction intervals need outcome-only weights fitted on every pre-treatment period (scpi's specification)")
        }
        return try spec.compute(
            treatedPre: pre.map { problem.y1[$0] }, donorsPre: problem.y0.selectingRows(pre), donorsPost: problem.y0.selectingRows(post),
            weights: weights, donors: problem.donors, postTimes: post.map { problem.periods[$0] }, treatedPost: post.map { problem.y1[$0] },
            standardNormals: standardNormals)
    }
}
