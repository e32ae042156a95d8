import Foundation
import LinearAlgebra
import Tabular
import TestSupport

@testable import SyntheticControlMethods

/// The bundled panels and the published specifications used across the tests.
enum Data {
    static func range(_ a: Double, _ b: Double, by s: Double = 1) -> [Double] { Array(stride(from: a, through: b, by: s)) }

    static let basquePanel = try! Panel(try! CSVReader.read(contentsOf: TestData.dataset("basque.csv")), unit: "regionname", time: "year")
    static let californiaPanel = try! Panel(try! CSVReader.read(contentsOf: TestData.dataset("california_prop99_smoking.csv")), unit: "state", time: "year")

    /// Abadie & Gardeazabal (2003) as in R Synth's example: 17 donors including the Spain aggregate.
    static func basque() throws -> SyntheticControlProblem {
        var p = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"]
            .map { PredictorSpecification(variable: $0, periods: range(1964, 1969)) }
        p.append(PredictorSpecification(variable: "gdpcap", periods: range(1960, 1969)))
        for v in ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction", "sec.services.venta", "sec.services.nonventa"] {
            p.append(PredictorSpecification(variable: v, periods: range(1961, 1969, by: 2)))
        }
        p.append(PredictorSpecification(variable: "popdens", periods: [1969]))
        return try SyntheticControlProblem(
            panel: basquePanel, outcome: "gdpcap", treated: "Basque Country (Pais Vasco)",
            treatmentTime: 1970, predictors: p, fitPeriods: range(1960, 1969))
    }

    /// Abadie, Diamond & Hainmueller (2010): 38 donor states, 1970-1988 fit.
    static func california() throws -> SyntheticControlProblem {
        var p = ["lnincome", "age15to24", "retprice"].map { PredictorSpecification(variable: $0, periods: range(1980, 1988)) }
        p.append(PredictorSpecification(variable: "beer", periods: range(1984, 1988)))
        p += [1988.0, 1980, 1975].map { PredictorSpecification(variable: "cigsale", periods: [$0]) }
        return try SyntheticControlProblem(panel: californiaPanel, outcome: "cigsale", treated: "California", treatmentTime: 1989, predictors: p)
    }

    /// The synthetic path and pre-period MSPE of given (published) weights.
    static func fitOf(_ problem: SyntheticControlProblem, weights: [String: Double]) -> (w: [Double], lossV: Double, preRMSPE: Double) {
        let w = problem.donors.map { weights[$0] ?? 0 }
        let z = problem.z0.multiplied(by: w)
        let loss = zip(problem.z1, z).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(z.count)
        let y = problem.y0.multiplied(by: w)
        let pre = problem.prePeriodIndices
        let rmspe = (pre.reduce(0) { $0 + (problem.y1[$1] - y[$1]) * (problem.y1[$1] - y[$1]) } / Double(pre.count)).squareRoot()
        return (w, loss, rmspe)
    }

    /// California first, then the others, as a unit x period matrix with the treated unit last.
    static func californiaMatrix() throws -> (y: LinearAlgebra.Matrix, controls: Int, pre: Int) {
        let y = try californiaPanel.wideComplete("cigsale")
        let ca = californiaPanel.unitPosition("California")!
        let order = californiaPanel.units.indices.filter { $0 != ca } + [ca]
        return (y.selectingRows(order), order.count - 1, californiaPanel.times.filter { $0 < 1989 }.count)
    }
}
