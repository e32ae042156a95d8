import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import StaggeredDiD
import Tabular

/// Difference-in-differences with a continuous, time-invariant dose and staggered timing
/// (Callaway, Goodman-Bacon & Sant'Anna 2024), as R contdid's parametric estimator.
///
/// For each group g (first treated period) and period t ≥ 2, with base period g − 1 (or t − 1 before
/// treatment, a "varying" base) and comparison units never treated or not yet treated at t:
///
///     ΔYᵢ = Yᵢₜ − Yᵢ,base,   ATT_gt(d) = E[ΔY | G = g, D = d] − E[ΔY | comparison],
///
/// the first term by least squares of ΔY on [1, B(d)] over group g (B a B-spline of `degree` with
/// `knots` interior knots at quantiles of the positive doses, boundary knots their range), and
/// ACRT_gt(d) = B′(d)β̂. Per cell, ATT_gt = the mean of the fitted values less the comparison mean, and
/// ACRT_gt = the mean of B′(Dᵢ)β̂ over the group.
///
/// Aggregation over post-treatment cells with contdid's weights P(G = g | treated)/(number of post
/// periods of g): ATT(d), ACRT(d), the overall ATT and ACRT. The event study aggregates ATT_gt and
/// ACRT_gt by e = t − g (period positions) with weights P(G = g) among the groups observed at e.
///
/// Covariates (which contdid does not take) enter by regression adjustment: within each cell, the
/// comparison units' ΔY is regressed on [1, X] (X at the base period), and the treated units' ΔY less
/// their prediction replaces ΔY (conditional parallel trends, linear in X, as the outcome-regression
/// DiD of Heckman, Ichimura & Todd 1997 and Sant'Anna & Zhao 2020). Without covariates this is contdid.
///
/// Inference: every estimate is linear in the cells' least-squares fits, so its influence function is
/// exact: treated unit i contributes (N/n_T)·eᵢzᵢᵀ(ZᵀZ/n_T)⁻¹L for an estimate Lβ̂ (plus the centred
/// per-unit term for the cell means), comparison unit i −(N/n₀)·(LA ZᵀX/n_T)(XᵀX/n₀)⁻¹xᵢrᵢ. Standard
/// errors are √(Σ IF²)/N; uniform bands over the doses (and over event times) take the sup-t critical
/// value of the multiplier bootstrap (`CallawaySantAnna.multiplierBootstrap`). The group shares are
/// treated as known, as contdid does.
///
/// Differences from contdid 0.1.0, both corrections: contdid evaluates each cell's coefficients on
/// `splines2::bSpline(dvals)`, a basis whose boundary knots are the grid's range rather than the
/// fitting data's, so its ATT(d) and ACRT(d) are not the fitted spline (here the fitted spline is
/// evaluated; the overall ATT and ACRT agree exactly); and contdid's uniform band divides the sup-t
/// statistic by √n twice and so always falls back to the pointwise value.
///
/// Comparing ATT(d) across doses, or reading ACRT(d) as a causal slope, needs "strong" parallel trends
/// (no selection into dose on the gains); ATT(d) at one dose needs only parallel trends.
///
/// Complexity: O(cells · N q²) for the fits and O(B · N · grid) for the bootstrap.
public struct ContinuousDiD: Sendable {
    public struct Specification: Sendable {
        public var outcome: String
        public var unit: String
        public var time: String
        /// Each unit's first treated period (0 or missing: never treated).
        public var adoption: String
        public var dose: String
        public var controlGroup = CallawaySantAnna.ControlGroup.notYet
        public var covariates: [String] = []
        public var degree = 3
        public var knots = 1
        /// The doses of the curve; nil: contdid's quantiles 0.10, 0.11, …, 0.99 of the positive doses.
        public var grid: [Double]? = nil
        public var level = ConfidenceLevel.standard
        /// Multiplier-bootstrap draws for the uniform bands (0: pointwise intervals only).
        public var replications = 1000
        public var bootstrapWeights = WildClusterBootstrap.Weights.rademacher
        public var seed: UInt64 = 1
        public var threads = 1

        public init(outcome: String, unit: String, time: String, adoption: String, dose: String) {
            self.outcome = outcome
            self.unit = unit
            self.time = time
            self.adoption = adoption
            self.dose = dose
        }
    }

    /// One (g, t) cell.
    public struct Cell: Sendable, Codable, Equatable {
        public let group: Double
        public let time: Double
        public let basePeriod: Double
        public let pre: Bool
        public let treated: Int
        public let comparison: Int
        /// The cell's weight in the overall aggregation (0 before treatment).
        public let weight: Double
        public let att: Double
        public let acrt: Double
    }

    /// One event time of the event study.
    public struct EventTime: Sendable, Codable, Equatable {
        public let eventTime: Int
        public let att: Estimate
        public let acrt: Estimate
        public var attBand: [Double]?
        public var acrtBand: [Double]?
    }

    public struct Result: Sendable, Codable, Equatable {
        public let overallATT: Estimate
        public let overallACRT: Estimate
        /// ATT(d) as `effect` and ACRT(d) as `slope`.
        public let curve: DoseResponseCurve
        public let eventStudy: [EventTime]
        public let eventStudyCriticalValues: [Double]?
        public let cells: [Cell]
        public let basis: BSplineBasis
        public let units: Int
        public let treatedUnits: Int
        /// Units left out: treated with no (or a zero) dose, or in a group treated in the first period.
        public let droppedUnits: Int
        public let droppedGroups: [Double]
        public let warnings: [Warning]
    }

    /// Something a reader should know about this data before trusting the curve.
    public enum Warning: Sendable, Codable, Equatable {
        /// Treated units without a positive dose, left out (`example` names one).
        case treatedWithoutDose(count: Int, example: String)
        /// Units treated in the first period have no pre-period and were left out.
        case treatedInFirstPeriod(period: Double)
        /// The dose grid leaves the treated doses.
        case extrapolation(DoseGrid.Extrapolation)

        /// The warning as a sentence for a report.
        public var message: String {
            switch self {
            case .treatedWithoutDose(let count, let example):
                return "\(count) treated units with a missing, zero or negative dose were left out (e.g. unit '\(example)')."
            case .treatedInFirstPeriod(let period):
                return "Units first treated in the first period (\(formatNumber(period))) have no pre-period and were left out."
            case .extrapolation(let e): return e.message
            }
        }
    }

    /// The identifying assumptions, for the report (true of every such analysis, so not a warning).
    public static let assumptions =
        "ATT(d) at a dose needs parallel trends; comparing ATT(d) across doses, and reading ACRT(d) as the effect of a marginal increase in dose, needs strong parallel trends (no selection into dose on the gains)."

    /// One unit-level linear estimate: its value and N-scaled influence function.
    struct Linear {
        var value: Double
        var influence: [Double]
    }

    public static func estimate(_ spec: Specification, table: Table) throws(DoseResponseError) -> Result {
        let panel: Panel
        do { panel = try Panel(table, unit: spec.unit, time: spec.time) } catch { throw .data("\(error)") }
        let y: Matrix
        do { y = try panel.wideComplete(spec.outcome) } catch {
            throw .data("\(error); DiD with a dose needs a balanced panel (every unit observed with the outcome in every period)")
        }
        var covariates: [Matrix] = []
        for c in spec.covariates {
            do { covariates.append(try panel.wideComplete(c)) } catch { throw .data("covariate '\(c)': \(error)") }
        }
        let times = panel.times
        guard times.count >= 2 else { throw .data("DiD needs at least two periods; '\(spec.time)' has \(times.count)") }
        let unitCount = panel.units.count
        func unitConstant(_ column: String, what: String) throws(DoseResponseError) -> [Double] {
            do { return try panel.unitConstant(column, what: what) } catch { throw .data("\(error)") }
        }
        var group = try unitConstant(spec.adoption, what: "the first treated period").map { $0.isNaN ? 0 : $0 }
        var dose = try unitConstant(spec.dose, what: "a time-invariant dose")
        var warnings: [Warning] = []
        // contdid's conventions: a never-treated unit's dose is 0; a treated unit needs a positive dose.
        var keep = [Bool](repeating: true, count: unitCount)
        let noDose = (0..<unitCount).filter { group[$0] != 0 && !(dose[$0] > 0) }
        for u in noDose { keep[u] = false }
        if !noDose.isEmpty {
            warnings.append(.treatedWithoutDose(count: noDose.count, example: panel.units[noDose[0]]))
        }
        if let bad = group.firstIndex(where: { $0 != 0 && !times.contains($0) }) {
            throw .data("'\(spec.adoption)' of unit '\(panel.units[bad])' is \(formatNumber(group[bad])), not a period of '\(spec.time)'")
        }
        for u in 0..<unitCount where group[u] == 0 { dose[u] = 0 }
        let firstPeriodGroups = Set(group.filter { $0 == times[0] })
        if !firstPeriodGroups.isEmpty {
            for u in 0..<unitCount where group[u] == times[0] { keep[u] = false }
            warnings.append(.treatedInFirstPeriod(period: times[0]))
        }
        let kept = (0..<unitCount).filter { keep[$0] }
        let n = kept.count
        group = kept.map { group[$0] }
        dose = kept.map { dose[$0] }
        let yk = y.selectingRows(kept)
        let xk = covariates.map { $0.selectingRows(kept) }
        let positive = dose.filter { $0 > 0 }
        let groups = Array(Set(group.filter { $0 > 0 })).sorted()
        guard !groups.isEmpty else { throw .data("no treated units with a positive dose remain") }
        guard group.contains(0) || spec.controlGroup == .notYet else {
            throw .data("control_group never needs never-treated units (adoption 0 or missing); there are none")
        }
        guard let lo = positive.min(), let hi = positive.max(), lo < hi else { throw .data("the positive doses need at least two distinct values") }
        let basis = BSplineBasis(degree: spec.degree, quantileKnots: spec.knots, of: positive)
        let grid = spec.grid ?? stride(from: 10, through: 99, by: 1).map { WeightedStatistics.quantile(positive, Double($0) / 100) }
        if let outside = DoseGrid.extrapolation(grid, lo: lo, hi: hi, what: "treated doses") { warnings.append(.extrapolation(outside)) }
        let q = basis.count
        let gridLevel = Matrix(rows: grid.count, columns: q + 1, rowMajor: grid.flatMap { [1] + basis.values(at: $0) })
        let gridSlope = Matrix(rows: grid.count, columns: q + 1, rowMajor: grid.flatMap { [0] + basis.derivatives(at: $0) })
        // P(G = g | treated) for the overall weights; P(G = g) for the event study.
        let groupSize = Dictionary(grouping: group.filter { $0 > 0 }, by: { $0 }).mapValues { Double($0.count) }
        let treatedCount = groupSize.values.reduce(0, +)

        // Cells.
        struct CellTask { let g: Double, gi: Int, ti: Int, bi: Int, pre: Bool }
        var tasks: [CellTask] = []
        for g in groups {
            let gi = times.firstIndex(of: g)!
            for ti in 1..<times.count {
                let pre = ti < gi
                tasks.append(CellTask(g: g, gi: gi, ti: ti, bi: pre ? ti - 1 : gi - 1, pre: pre))
            }
        }
        let nD = Double(n)
        struct CellFit { let att: Linear, acrt: Linear, attCurve: [Linear], acrtCurve: [Linear], treated: Int, comparison: Int }
        var fits: [CellFit] = []
        for task in tasks {
            let t = times[task.ti]
            let treated = (0..<n).filter { group[$0] == task.g }
            let comparison = (0..<n).filter {
                group[$0] != task.g && (spec.controlGroup == .never ? group[$0] == 0 : (group[$0] == 0 || group[$0] > t))
            }
            let cellName = "cell (g = \(formatNumber(task.g)), t = \(formatNumber(t)))"
            guard !comparison.isEmpty else { throw .data("\(cellName) has no comparison units") }
            guard treated.count > q + 1 else { throw .data("\(cellName) has \(treated.count) treated units, too few for a spline with \(q + 1) coefficients") }
            let dy = (0..<n).map { yk[$0, task.ti] - yk[$0, task.bi] }
            let p = xk.count
            func xrow(_ i: Int) -> [Double] { [1] + xk.map { $0[i, task.bi] } }
            // Comparison model: ΔY on [1, X].
            let xc0 = Matrix(rows: comparison.count, columns: p + 1, rowMajor: comparison.flatMap(xrow))
            let gamma = try LeastSquares.fit(xc0, comparison.map { dy[$0] }, what: "\(cellName): the comparison units' outcome model")
            let r = comparison.map { i in dy[i] - Vector.dot(xrow(i), gamma) }
            let xcT = Matrix(rows: treated.count, columns: p + 1, rowMajor: treated.flatMap(xrow))
            let adjusted = treated.enumerated().map { k, i in dy[i] - Vector.dot(xcT.row(k), gamma) }
            // Treated: adjusted ΔY on [1, B(d)].
            let z = Matrix(rows: treated.count, columns: q + 1, rowMajor: treated.flatMap { [1] + basis.values(at: dose[$0]) })
            let beta = try LeastSquares.fit(z, adjusted, what: "\(cellName): the dose spline")
            let fitted = z.multiplied(by: beta)
            let e = zip(adjusted, fitted).map { $0 - $1 }
            let nT = Double(treated.count), n0 = Double(comparison.count)
            let bread: Matrix, gramC: Matrix
            do {
                bread = try (1 / nT * z.gram()).inverse()
                gramC = try (1 / n0 * xc0.gram()).inverse()
            } catch { throw .estimation("\(cellName): \(error)") }
            let zTx = 1 / nT * z.multiplied(by: xcT, transposingSelf: true) // (q+1) × (p+1)
            // Control-side map: for an estimate L·β (L a row), the comparison influence is −(N/n₀)·c·xᵢrᵢ with
            // c = L·A·ZᵀX/n_T·(XᵀX/n₀)⁻¹ (a row over [1, X]); a cell mean of the adjusted outcome has L·A·ZᵀX/n_T
            // replaced by the treated mean of [1, X].
            let chain = bread.multiplied(by: zTx).multiplied(by: gramC) // (q+1) × (p+1)
            let xBarT = (0..<(p + 1)).map { j in WeightedStatistics.mean(xcT.column(j)) }
            let meanChain = gramC.multiplied(by: xBarT)
            func linear(_ l: [Double], centred: [Double]?) -> Linear {
                // value = L·β̂ (+ a centred per-unit term whose mean is the value, for cell means)
                var inf = [Double](repeating: 0, count: n)
                let fitted = z.multiplied(by: bread.multiplied(by: l)) // zₖᵀA·L for every treated unit
                for (k, i) in treated.enumerated() {
                    var v = e[k] * fitted[k]
                    if let c = centred { v += c[k] }
                    inf[i] = nD / nT * v
                }
                let control = xc0.multiplied(by: chain.multiplied(by: l, transposingSelf: true)) // xᵢᵀ·c for every comparison unit
                for (k, i) in comparison.enumerated() { inf[i] = -nD / n0 * control[k] * r[k] }
                return Linear(value: Vector.dot(l, beta), influence: inf)
            }
            // Cell ATT: the mean adjusted outcome of the group (= mean fitted value).
            let attValue = WeightedStatistics.mean(adjusted)
            var attInf = [Double](repeating: 0, count: n)
            for (k, i) in treated.enumerated() { attInf[i] = nD / nT * (adjusted[k] - attValue) }
            let meanControl = xc0.multiplied(by: meanChain)
            for (k, i) in comparison.enumerated() { attInf[i] = -nD / n0 * meanControl[k] * r[k] }
            // Cell ACRT: the mean of B′(Dᵢ)β̂ over the group.
            let slopes = treated.map { [0] + basis.derivatives(at: dose[$0]) }
            let lBar = (0..<(q + 1)).map { j in slopes.reduce(0.0) { $0 + $1[j] } / nT }
            let slopeValues = slopes.map { Vector.dot($0, beta) }
            let acrtValue = WeightedStatistics.mean(slopeValues)
            let acrt = linear(lBar, centred: slopeValues.map { $0 - acrtValue })
            fits.append(
                CellFit(
                    att: Linear(value: attValue, influence: attInf), acrt: acrt,
                    attCurve: (0..<grid.count).map { linear(gridLevel.row($0), centred: nil) },
                    acrtCurve: (0..<grid.count).map { linear(gridSlope.row($0), centred: nil) }, treated: treated.count,
                    comparison: comparison.count))
        }
        // Overall weights: P(G = g | treated) / (post periods of g).
        var weights = [Double](repeating: 0, count: tasks.count)
        for g in groups {
            let post = tasks.indices.filter { tasks[$0].g == g && !tasks[$0].pre }
            for k in post { weights[k] = groupSize[g]! / treatedCount / Double(post.count) }
        }
        func combine(_ parts: [Linear], _ w: [Double]) -> Linear {
            var inf = [Double](repeating: 0, count: n)
            var value = 0.0
            for (part, wk) in zip(parts, w) where wk != 0 {
                value += wk * part.value
                for i in 0..<n { inf[i] += wk * part.influence[i] }
            }
            return Linear(value: value, influence: inf)
        }
        let overallATT = combine(fits.map(\.att), weights)
        let overallACRT = combine(fits.map(\.acrt), weights)
        let attCurve = (0..<grid.count).map { d in combine(fits.map { $0.attCurve[d] }, weights) }
        let acrtCurve = (0..<grid.count).map { d in combine(fits.map { $0.acrtCurve[d] }, weights) }
        // Event study by e = t − g (period positions).
        let eventTimes = Array(Set(tasks.map { $0.ti - $0.gi })).sorted()
        let eventParts = eventTimes.map { e -> (Linear, Linear) in
            let members = tasks.indices.filter { tasks[$0].ti - tasks[$0].gi == e }
            let total = members.reduce(0.0) { $0 + groupSize[tasks[$1].g]! }
            var w = [Double](repeating: 0, count: tasks.count)
            for k in members { w[k] = groupSize[tasks[k].g]! / total }
            return (combine(fits.map(\.att), w), combine(fits.map(\.acrt), w))
        }
        func se(_ l: Linear) -> Double { (l.influence.reduce(0) { $0 + $1 * $1 }).squareRoot() / nD }
        let analytic = Inference(kind: .analytic, type: "influence function", df: .normal)
        func estimate(_ l: Linear, _ term: String) -> Estimate {
            .wald(term: term, estimate: l.value, standardError: se(l), degreesOfFreedom: nil, level: spec.level, inference: analytic)
        }
        // Uniform bands: sup-t critical values from the multiplier bootstrap.
        func critical(_ parts: [Linear], stream: Int) -> Double? {
            guard spec.replications > 0, !parts.isEmpty else { return nil }
            let m = Matrix(columns: parts.map(\.influence))
            let b = CallawaySantAnna.multiplierBootstrap(
                m, clusters: nil, draws: spec.replications, level: spec.level, seed: SplitMix64.derive(spec.seed, stream), threads: spec.threads,
                weights: spec.bootstrapWeights)
            return max(b.criticalValue, ConfidenceLevel.normalCritical(spec.level))
        }
        let attCritical = critical(attCurve, stream: 0), acrtCritical = critical(acrtCurve, stream: 1)
        let curve = DoseResponseCurve.normal(
            doses: grid, effects: attCurve.map(\.value), standardErrors: attCurve.map(se), slopes: acrtCurve.map(\.value),
            slopeStandardErrors: acrtCurve.map(se), critical: attCritical, slopeCritical: acrtCritical, level: spec.level, inference: analytic)
        let esAttCritical = critical(eventParts.map(\.0), stream: 2), esAcrtCritical = critical(eventParts.map(\.1), stream: 3)
        let eventStudy = zip(eventTimes, eventParts).map { e, parts -> EventTime in
            var row = EventTime(eventTime: e, att: estimate(parts.0, "ATT(e = \(e))"), acrt: estimate(parts.1, "ACRT(e = \(e))"))
            if let c = esAttCritical { row.attBand = [parts.0.value - c * se(parts.0), parts.0.value + c * se(parts.0)] }
            if let c = esAcrtCritical { row.acrtBand = [parts.1.value - c * se(parts.1), parts.1.value + c * se(parts.1)] }
            return row
        }
        let cells = tasks.indices.map { k in
            Cell(
                group: tasks[k].g, time: times[tasks[k].ti], basePeriod: times[tasks[k].bi], pre: tasks[k].pre, treated: fits[k].treated,
                comparison: fits[k].comparison, weight: weights[k], att: fits[k].att.value, acrt: fits[k].acrt.value)
        }
        return Result(
            overallATT: estimate(overallATT, "overall ATT"), overallACRT: estimate(overallACRT, "overall ACRT"), curve: curve,
            eventStudy: eventStudy,
            eventStudyCriticalValues: esAttCritical.flatMap { a in esAcrtCritical.map { [a, $0] } }, cells: cells, basis: basis, units: n,
            treatedUnits: Int(treatedCount), droppedUnits: unitCount - n, droppedGroups: firstPeriodGroups.sorted(), warnings: warnings)
    }
}
