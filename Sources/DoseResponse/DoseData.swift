import EstimationCore
import LinearAlgebra
import Matching
import Tabular

/// The units of a cross-sectional dose–response analysis: each unit's dose, outcome and covariates,
/// complete on every column named.
///
/// Factors enter as 0/1 indicators with their first level dropped (treatment contrasts); the balance
/// variables keep every level, as cobalt reports them.
public struct DoseData: Sendable {
    public let dose: [Double]
    public let outcome: [Double]
    /// n × p covariates, without an intercept column.
    public let covariates: Matrix
    public let covariateNames: [String]
    /// The covariates as balance variables (numeric as given, every level of each factor).
    public let balanceVariables: [BalanceVariable]
    /// Positions of the units in the table, and rows left out for a missing value.
    public let rows: [Int]
    public let droppedRows: Int

    public var count: Int { dose.count }

    /// The complete rows of `table`; a dose column that is not a number, or has a single value, is an error.
    /// With `denominator`, the dose is `dose / denominator` (a share such as whole-school hours over total
    /// hours); a zero or negative denominator is an error naming its row. With `outcomeMayBeMissing`,
    /// units with a dose and covariates but no outcome are kept (their outcome is NaN): the GPS dose
    /// model uses them, as Hirano & Imbens's lottery analysis does.
    public init(
        _ table: Table, dose: String, outcome: String, covariates: [String] = [], factors: [String] = [], denominator: String? = nil,
        outcomeMayBeMissing: Bool = false
    ) throws(DoseResponseError) {
        var source = table
        var doseColumn = dose
        if let denominator {
            do {
                let num = try table.numeric(dose), den = try table.numeric(denominator)
                var share = [Double](repeating: .nan, count: table.rowCount)
                for i in 0..<table.rowCount where !num[i].isNaN && !den[i].isNaN {
                    guard den[i] > 0 else {
                        throw DoseResponseError.data(
                            "dose denominator '\(denominator)' must be positive; row \(i + 1) has \(formatNumber(den[i]))")
                    }
                    share[i] = num[i] / den[i]
                }
                doseColumn = "\(dose)/\(denominator)"
                try source.addColumn(doseColumn, .numeric(share))
            } catch let e as DoseResponseError {
                throw e
            } catch let e as TableError {
                throw .table(e)
            } catch {
                throw .data("\(error)")
            }
        }
        let sample: AnalysisSample
        do {
            sample = try AnalysisSample(
                source, treatment: doseColumn, columns: (outcomeMayBeMissing ? [] : [outcome]) + covariates + factors, kind: .continuous)
        } catch { throw .matching(error) }
        let variables: [BalanceVariable]
        do {
            variables = try BalanceVariable.from(sample.table, rows: Array(0..<sample.count), covariates: covariates, factors: factors)
        } catch { throw .matching(error) }
        let model = BalanceVariable.droppingFirstLevels(variables, covariates: covariates, factors: factors)
        let columns = model.map(\.values), names = model.map(\.name)
        do { self.outcome = try sample.table.numeric(outcome) } catch { throw .table(error) }
        self.dose = sample.treatment
        self.covariates = columns.isEmpty ? Matrix(rows: sample.count, columns: 0) : Matrix(columns: columns)
        self.covariateNames = names
        self.balanceVariables = variables
        self.rows = sample.rows
        self.droppedRows = sample.droppedRows
        // Exactly collinear covariates make every dose model singular: name them here.
        // Columns scaled to unit norm first, so that the rank decision does not depend on their units.
        let unscaled = designWithIntercept
        let norms = unscaled.columnNorms()
        let design = unscaled.scalingColumns(by: norms.map { $0 > 0 ? 1 / $0 : 1 })
        if design.columns > 1, let qr = try? design.pivotedQR() {
            let rank = qr.rank(relativeTolerance: 1e-9)
            if rank < design.columns {
                let redundant = qr.permutation[rank...].sorted().map { $0 == 0 ? "(Intercept)" : "'\(names[$0 - 1])'" }
                throw .data(
                    "the covariates are collinear: \(redundant.joined(separator: ", ")) \(redundant.count == 1 ? "is a linear combination" : "are linear combinations") of the others among the \(sample.count) complete units; drop \(redundant.count == 1 ? "it" : "them") or the columns they repeat"
                )
            }
        }
        guard sample.count > covariateNames.count + 4 else {
            throw .data("\(sample.count) complete units are too few for a dose–response curve with \(covariateNames.count) covariate columns")
        }
    }

    /// Data given directly (simulations, tests): `covariates` is n × p without an intercept.
    public init(dose: [Double], outcome: [Double], covariates: Matrix, covariateNames: [String]? = nil) {
        precondition(dose.count == outcome.count && covariates.rows == dose.count, "one dose, outcome and covariate row per unit")
        self.dose = dose
        self.outcome = outcome
        self.covariates = covariates
        let names = covariateNames ?? (0..<covariates.columns).map { "x\($0 + 1)" }
        self.covariateNames = names
        self.balanceVariables = names.indices.map { BalanceVariable(name: names[$0], values: covariates.column($0)) }
        self.rows = Array(0..<dose.count)
        self.droppedRows = 0
    }

    private init(resampling d: DoseData, _ index: [Int]) {
        dose = index.map { d.dose[$0] }
        outcome = index.map { d.outcome[$0] }
        covariates = d.covariates.selectingRows(index)
        covariateNames = d.covariateNames
        balanceVariables = d.balanceVariables.map { v in BalanceVariable(name: v.name, values: index.map { v.values[$0] }) }
        rows = index.map { d.rows[$0] }
        droppedRows = d.droppedRows
    }

    /// Whether each unit's outcome is observed.
    public var outcomeObserved: [Bool] { outcome.map { !$0.isNaN } }

    /// The units with an observed outcome (all of them unless built with `outcomeMayBeMissing`).
    public func withObservedOutcome() -> DoseData {
        let observed = outcomeObserved
        return observed.allSatisfy { $0 } ? self : resampled(observed.indices.filter { observed[$0] })
    }

    /// The units at `index` (with repeats, for a bootstrap draw).
    func resampled(_ index: [Int]) -> DoseData { DoseData(resampling: self, index) }

    /// `[1, covariates]`, n × (p + 1).
    var designWithIntercept: Matrix {
        var m = Matrix(rows: count, columns: covariates.columns + 1, repeating: 1)
        for j in 0..<covariates.columns { m.setColumn(j + 1, to: covariates.column(j)) }
        return m
    }

    /// The default grid: `points` equally spaced doses from the 5th to the 95th percentile.
    public func defaultGrid(points: Int = 20) -> [Double] {
        let lo = WeightedStatistics.quantile(dose, 0.05), hi = WeightedStatistics.quantile(dose, 0.95)
        return (0..<points).map { lo + (hi - lo) * Double($0) / Double(points - 1) }
    }

    /// Bootstrap draws of unit indices, one seeded stream per draw: identical for any thread count.
    static func bootstrapIndex(count n: Int, seed: UInt64, draw: Int) -> [Int] {
        var rng = SplitMix64(seed: SplitMix64.derive(seed, draw))
        return (0..<n).map { _ in Int(rng.next() % UInt64(n)) }
    }
}

/// Where a curve's dose grid leaves the observed doses.
public enum DoseGrid {
    /// The grid's doses below and above the doses seen.
    public struct Extrapolation: Sendable, Codable, Equatable {
        /// The lowest grid dose below `lo`, and the highest above `hi`.
        public let below: Double?, above: Double?
        public let lo: Double, hi: Double
        /// What the doses are ("observed doses", "treated doses").
        public let what: String

        /// The warning, naming both ends where both lie outside.
        public var message: String {
            let ends = [below.map { "down to \(formatNumber($0))" }, above.map { "up to \(formatNumber($0))" }].compactMap { $0 }
            return
                "The dose grid reaches \(ends.joined(separator: " and ")), outside the \(what) [\(formatNumber(lo)), \(formatNumber(hi))]: the curve there is extrapolated."
        }
    }

    /// The grid's doses outside [`lo`, `hi`], or nil when every grid dose is inside.
    public static func extrapolation(_ grid: [Double], lo: Double, hi: Double, what: String) -> Extrapolation? {
        let below = grid.filter { $0 < lo }.min(), above = grid.filter { $0 > hi }.max()
        guard below != nil || above != nil else { return nil }
        return Extrapolation(below: below, above: above, lo: lo, hi: hi, what: what)
    }
}
