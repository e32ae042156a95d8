import EstimationCore
import Foundation
import LinearAlgebra
import Tabular

/// One predictor: a variable aggregated over a set of periods (R Synth's `predictors` and
/// `special.predictors`; an outcome lag is the outcome over a single period).
public struct PredictorSpecification: Sendable, Equatable, Codable {
    public enum Aggregate: String, Sendable, Codable, CaseIterable { case mean, median }

    public var variable: String
    public var periods: [Double]
    public var aggregate: Aggregate

    public init(variable: String, periods: [Double], aggregate: Aggregate = .mean) {
        self.variable = variable
        self.periods = periods
        self.aggregate = aggregate
    }

    /// "gdpcap (1960–1969)" (every period), "cigsale (1988)", "gdp (2012–2016 every 2)", "gdp (2012, 2013, 2016)".
    public var label: String {
        let p = periods.sorted()
        let range: String
        if p.count == 1 {
            range = formatNumber(p[0])
        } else {
            // "a–b" only for every period from a to b; otherwise the step, or the periods themselves.
            let steps = zip(p.dropFirst(), p).map { $0 - $1 }
            let even = steps.allSatisfy { abs($0 - steps[0]) <= 1e-9 * max(1, abs(steps[0])) }
            let span = "\(formatNumber(p[0]))–\(formatNumber(p[p.count - 1]))"
            if even && abs(steps[0] - 1) <= 1e-9 {
                range = span
            } else if even && p.count > 2 {
                range = "\(span) every \(formatNumber(steps[0]))"
            } else {
                range = p.map(formatNumber).joined(separator: ", ")
            }
        }
        return "\(variable) \(aggregate == .mean ? "" : "\(aggregate.rawValue) ")(\(range))"
    }
}

/// The matrices a synthetic control is fitted to (R Synth's `dataprep` output).
///
/// - `x1`, `x0`: predictors of the treated unit and the donors (k and k x J), each
///   the mean (or median) of the variable over its periods, missing values skipped.
/// - `z1`, `z0`: the outcome over the fit periods (R's `time.optimize.ssr`).
/// - `y1`, `y0`: the outcome over every period of the panel.
public struct SyntheticControlProblem: Sendable {
    public let outcome: String
    public let treatedUnit: String
    public let donors: [String]
    public let treatmentTime: Double
    public let predictors: [PredictorSpecification]
    public let x1: [Double]
    public let x0: Matrix
    public let fitPeriods: [Double]
    public let z1: [Double]
    public let z0: Matrix
    public let periods: [Double]
    public let y1: [Double]
    public let y0: Matrix
    /// The panel the problem was built from (for refits with another treatment time).
    let panel: Panel

    /// Predictor scales: the SD of each predictor across the treated unit and donors (R Synth).
    public var predictorScales: [Double] {
        (0..<x0.rows).map { r in
            WeightedStatistics.standardDeviation([x1[r]] + x0.row(r))
        }
    }

    /// Indices of pre- and post-treatment periods in `periods`.
    public var prePeriodIndices: [Int] { periods.indices.filter { periods[$0] < treatmentTime } }
    public var postPeriodIndices: [Int] { periods.indices.filter { periods[$0] >= treatmentTime } }

    /// Builds the problem from a panel.
    ///
    /// - Parameters:
    ///   - donors: donor units (default: every unit but the treated one and `exclude`).
    ///   - predictors: predictor specifications; empty means every fit-period outcome is a predictor.
    ///   - fitPeriods: periods whose outcome MSPE selects V (default: all periods before `treatmentTime`).
    public init(
        panel: Panel, outcome: String, treated: String, treatmentTime: Double, donors: [String]? = nil,
        exclude: [String] = [], predictors: [PredictorSpecification] = [],
        fitPeriods: [Double]? = nil
    ) throws(SyntheticControlError) {
        let unitIndex = panel.unitIndex
        guard unitIndex[treated] != nil else { throw .unknownUnit(treated, available: panel.units) }
        let excluded = Set(exclude)
        let donorList = donors ?? panel.units.filter { $0 != treated && !excluded.contains($0) }
        for d in donorList where unitIndex[d] == nil { throw .unknownUnit(d, available: panel.units) }
        if donorList.contains(treated) { throw .invalidOption("the treated unit '\(treated)' is also listed as a donor") }
        guard donorList.count >= 2 else { throw .tooFewDonors(donorList.count) }
        let pre = panel.times.filter { $0 < treatmentTime }
        guard !pre.isEmpty else { throw .noPrePeriod(unit: treated, treatmentTime: treatmentTime) }
        guard panel.times.contains(where: { $0 >= treatmentTime }) else { throw .noPostPeriod(unit: treated, treatmentTime: treatmentTime) }
        let fit = fitPeriods ?? pre
        for t in fit where !panel.times.contains(t) {
            throw .invalidOption("fit period \(formatNumber(t)) is not a period of the panel")
        }
        if let late = fit.first(where: { $0 >= treatmentTime }) {
            throw .invalidOption("fit period \(formatNumber(late)) is not before the treatment time \(formatNumber(treatmentTime))")
        }
        let y: Matrix
        do { y = try panel.wide(outcome) } catch { throw .panel(error.description) }
        let timeIndex = Dictionary(uniqueKeysWithValues: panel.times.enumerated().map { ($1, $0) })
        let treatedRow = unitIndex[treated]!
        let donorRows = donorList.map { unitIndex[$0]! }
        // The outcome must be complete for every unit and period used; incomplete donors are listed together.
        func gaps(_ row: Int) -> String? {
            let missing = panel.times.indices.filter { y[row, $0].isNaN }
            guard !missing.isEmpty else { return nil }
            return missing.prefix(6).map { formatNumber(panel.times[$0]) }.joined(separator: ", ") + (missing.count > 6 ? ", …" : "")
        }
        if let periods = gaps(treatedRow) { throw .missingValue(variable: outcome, unit: treated, periods: periods) }
        let incomplete = zip(donorList, donorRows).compactMap { label, row in gaps(row).map { (unit: label, periods: $0) } }
        if !incomplete.isEmpty {
            throw .incompleteDonors(variable: outcome, donors: incomplete.map(\.unit), periods: incomplete.map(\.periods))
        }
        let specs = predictors.isEmpty ? fit.map { PredictorSpecification(variable: outcome, periods: [$0]) } : predictors
        var x1 = [Double](), x0 = Matrix(rows: specs.count, columns: donorRows.count)
        var wideCache: [String: Matrix] = [outcome: y]
        for (k, spec) in specs.enumerated() {
            guard !spec.periods.isEmpty else { throw .invalidOption("predictor '\(spec.variable)' lists no periods") }
            for t in spec.periods where timeIndex[t] == nil {
                throw .invalidOption("predictor '\(spec.variable)': period \(formatNumber(t)) is not in the panel")
            }
            if wideCache[spec.variable] == nil {
                do { wideCache[spec.variable] = try panel.wide(spec.variable) } catch { throw .panel(error.description) }
            }
            let m = wideCache[spec.variable]!
            func value(_ row: Int, _ label: String) throws(SyntheticControlError) -> Double {
                let values = spec.periods.map { m[row, timeIndex[$0]!] }.filter { !$0.isNaN }
                guard !values.isEmpty else {
                    throw .missingValue(
                        variable: spec.variable, unit: label,
                        periods: "every period of the predictor (\(spec.periods.map(formatNumber).joined(separator: ", ")))")
                }
                switch spec.aggregate {
                case .mean: return values.reduce(0, +) / Double(values.count)
                case .median:
                    let s = values.sorted(), n = s.count
                    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
                }
            }
            x1.append(try value(treatedRow, treated))
            for (j, row) in donorRows.enumerated() { x0[k, j] = try value(row, donorList[j]) }
        }
        self.outcome = outcome
        self.treatedUnit = treated
        self.donors = donorList
        self.treatmentTime = treatmentTime
        self.predictors = specs
        self.x1 = x1
        self.x0 = x0
        self.fitPeriods = fit
        self.z1 = fit.map { y[treatedRow, timeIndex[$0]!] }
        self.z0 = Matrix(columns: donorRows.map { r in fit.map { y[r, timeIndex[$0]!] } })
        self.periods = panel.times
        self.y1 = panel.times.indices.map { y[treatedRow, $0] }
        self.y0 = Matrix(columns: donorRows.map { r in panel.times.indices.map { y[r, $0] } })
        self.panel = panel
        for (k, s) in predictorScales.enumerated() where !(s > 0) {
            throw .invalidOption("predictor '\(specs[k].label)' has the same value for every unit, so it cannot be scaled or weighted; remove it")
        }
    }

    /// A problem whose treated series are the averages of several units' (an adoption cohort).
    init(averaging members: [SyntheticControlProblem], label: String) {
        let base = members[0]
        let n = Double(members.count)
        func mean(_ f: (SyntheticControlProblem) -> [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: f(base).count)
            for m in members { for (i, x) in f(m).enumerated() { out[i] += x / n } }
            return out
        }
        outcome = base.outcome
        treatedUnit = label
        donors = base.donors
        treatmentTime = base.treatmentTime
        predictors = base.predictors
        x1 = mean(\.x1)
        x0 = base.x0
        fitPeriods = base.fitPeriods
        z1 = mean(\.z1)
        z0 = base.z0
        periods = base.periods
        y1 = mean(\.y1)
        y0 = base.y0
        panel = base.panel
    }

    /// The same problem with the donors at `keep` only (leave-one-out, placebo pools).
    init(subsetting base: SyntheticControlProblem, donors keep: [Int]) {
        outcome = base.outcome
        treatedUnit = base.treatedUnit
        donors = keep.map { base.donors[$0] }
        treatmentTime = base.treatmentTime
        predictors = base.predictors
        x1 = base.x1
        x0 = base.x0.selectingColumns(keep)
        fitPeriods = base.fitPeriods
        z1 = base.z1
        z0 = base.z0.selectingColumns(keep)
        periods = base.periods
        y1 = base.y1
        y0 = base.y0.selectingColumns(keep)
        panel = base.panel
    }

    /// The problem with donor `j` as the treated unit and the other donors as its pool (placebo in space).
    init(placeboFor j: Int, of base: SyntheticControlProblem) {
        let keep = base.donors.indices.filter { $0 != j }
        outcome = base.outcome
        treatedUnit = base.donors[j]
        donors = keep.map { base.donors[$0] }
        treatmentTime = base.treatmentTime
        predictors = base.predictors
        x1 = base.x0.column(j)
        x0 = base.x0.selectingColumns(keep)
        fitPeriods = base.fitPeriods
        z1 = base.z0.column(j)
        z0 = base.z0.selectingColumns(keep)
        periods = base.periods
        y1 = base.y0.column(j)
        y0 = base.y0.selectingColumns(keep)
        panel = base.panel
    }

    /// The same design with the treatment moved back to `time` (placebo in time; Abadie, Diamond &
    /// Hainmueller 2015): fit periods are cut to those before `time`, and every predictor's periods
    /// are shifted back by the same offset (a 1975 outcome lag for a 1989 treatment becomes 1966
    /// for a 1980 placebo). Predictors with no data in their shifted periods are dropped and listed.
    public func movingTreatment(to time: Double) throws(SyntheticControlError) -> (problem: SyntheticControlProblem, droppedPredictors: [String]) {
        guard time < treatmentTime else {
            throw .invalidOption("a placebo treatment time must be before the real one (\(formatNumber(treatmentTime)))")
        }
        let offset = time - treatmentTime
        let fit = fitPeriods.filter { $0 < time }
        guard !fit.isEmpty else { throw .noPrePeriod(unit: treatedUnit, treatmentTime: time) }
        var dropped: [String] = []
        var specs: [PredictorSpecification] = []
        for p in predictors {
            let shifted = p.periods.map { $0 + offset }.filter { $0 < time && panel.times.contains($0) }
            if shifted.isEmpty {
                dropped.append(p.label)
            } else {
                specs.append(PredictorSpecification(variable: p.variable, periods: shifted, aggregate: p.aggregate))
            }
        }
        while true {
            do throws(SyntheticControlError) {
                let problem = try SyntheticControlProblem(
                    panel: panel, outcome: outcome, treated: treatedUnit, treatmentTime: time,
                    donors: donors, predictors: specs, fitPeriods: fit)
                return (problem, dropped)
            } catch {
                // Drop a predictor that has no data (or no variation) in its shifted window, then retry.
                guard !specs.isEmpty,
                    let k = specs.firstIndex(where: { spec in
                        switch error {
                        case .missingValue(let variable, _, _): return variable == spec.variable && variable != outcome
                        case .invalidOption(let message): return message.contains("'\(spec.label)'")
                        default: return false
                        }
                    })
                else { throw error }
                dropped.append(specs[k].label)
                specs.remove(at: k)
            }
        }
    }
}
