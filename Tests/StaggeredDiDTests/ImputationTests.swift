import EstimationCore
import Foundation
import StaggeredDiD
import TestSupport
import Testing

/// pyfixest's extended two-way fixed effects (`Tests/Fixtures/Generators/did_moderndid.py`).
struct ImputationReference: Decodable {
    let cells: [String], att: [Double], se: [Double], overall: Double, overallSE: Double
    static let value = try! JSONDecoder().decode(Self.self, from: Data(contentsOf: TestData.fixture("StaggeredDiDTests", "imputation_pyfixest.json")))
}

@Suite("Imputation estimator")
struct ImputationTests {
    @Test("mpdta: ATT(g,t) equal pyfixest's extended TWFE (1e-10), SEs (1e-8); overall −0.0477099183 with CR1 SE 0.01326496")
    func mpdta() throws {
        let r = ImputationReference.value
        let imputation = try ImputationDiD(DidData.spec(), table: DidData.mpdta)
        #expect(imputation.cells.count == r.cells.count)
        for (cell, (att, se)) in zip(imputation.cells, zip(r.att, r.se)) {
            #expect(abs(cell.effect.estimate - att) < 1e-10)
            #expect(relativeError(cell.effect.standardError!, se) < 1e-8)
        }
        #expect(abs(imputation.cells[0].effect.estimate - -0.0193723636759116) < 1e-10)
        #expect(abs(imputation.cells.last!.effect.estimate - -0.0431060328087001) < 1e-10)
        #expect(abs(imputation.overall.estimate - -0.0477099183) < 1e-9)
        #expect(abs(imputation.overall.standardError! - 0.01326496) < 1e-8)
        #expect(relativeError(imputation.overall.standardError!, r.overallSE) < 1e-8)
        // Event time 0 averages the three cohorts' first treated periods, weighted by their sizes.
        let e0 = imputation.cells.filter { $0.time == $0.group }
        let weighted = e0.reduce(0) { $0 + Double($1.observations) * $1.effect.estimate } / Double(e0.reduce(0) { $0 + $1.observations })
        #expect(abs(imputation.eventTime[imputation.eventTimes.firstIndex(of: 0)!].estimate - weighted) < 1e-12)
    }
}
