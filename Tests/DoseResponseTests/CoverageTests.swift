import EstimationCore
import Foundation
import LinearAlgebra
import Testing

@testable import DoseResponse

/// Coverage of the 95% intervals on simulated data with a known curve and confounding
/// (`DoseSimulation`): 200 replications; each estimator's pointwise interval must cover the true curve
/// at each of 5 doses in 88–99% of them (the binomial 99.9% range around 95% is about 90–99%), and the
/// unadjusted regression must fail somewhere. The GPS estimator is run on the design where its outcome
/// model holds (confounding through the score), the weighting and doubly robust estimators on the design
/// where theirs do (linear confounding); the unadjusted regression fails on both.
@Suite("Coverage on simulated data with a known dose–response curve")
struct CoverageTests {
    static let replications = 200

    /// The share of replications whose interval covers the truth, at each grid dose.
    static func coverage(_ truth: (Double) -> Double, grid: [Double], _ curve: (Int) throws -> DoseResponseCurve) rethrows -> [Double] {
        var hits = [Int](repeating: 0, count: grid.count)
        for r in 0..<replications {
            let c = try curve(r)
            for (k, p) in c.points.enumerated() {
                if let lo = p.effect.lower, let hi = p.effect.upper, lo <= truth(grid[k]), truth(grid[k]) <= hi { hits[k] += 1 }
            }
        }
        return hits.map { Double($0) / Double(replications) }
    }

    static func crossSectionCoverage(
        _ design: DoseSimulation.Design, _ estimate: @escaping (DoseData) throws -> DoseResponseCurve
    ) throws -> [Double] {
        let truth = { (t: Double) in DoseSimulation.truth(t, design) }
        return try coverage(truth, grid: DoseSimulation.grid) { r in
            try estimate(DoseSimulation.crossSection(n: 500, replication: r, design: design))
        }
    }

    static func expectNominal(_ coverage: [Double], _ name: String) {
        for (k, c) in coverage.enumerated() { #expect(c >= 0.88 && c <= 0.99, "\(name) at dose \(k): coverage \(c)") }
    }

    static func weighting(_ method: DoseWeighting.Method, moments: Int = 1) -> (DoseData) throws -> DoseResponseCurve {
        { data in
            var s = DoseWeighting.Specification()
            s.method = method
            s.moments = moments
            s.grid = DoseSimulation.grid
            s.replications = 100
            s.knots = 2
            s.threads = 2
            return try DoseWeighting.estimate(data, s).curve
        }
    }

    @Test("GPS (Hirano–Imbens) with bootstrap intervals")
    func gps() throws {
        let c = try Self.crossSectionCoverage(.throughScore) { data in
            var s = GeneralizedPropensityScore.Specification()
            s.grid = DoseSimulation.grid
            s.replications = 100
            s.threads = 2
            return try GeneralizedPropensityScore.estimate(data, s).curve
        }
        Self.expectNominal(c, "gps")
    }

    @Test("inverse-density weighting with a spline outcome model")
    func inverseDensity() throws { Self.expectNominal(try Self.crossSectionCoverage(.linear, Self.weighting(.inverseDensity)), "inverse-density") }

    @Test("entropy balancing for a dose")
    func entropy() throws { Self.expectNominal(try Self.crossSectionCoverage(.linear, Self.weighting(.entropy)), "entropy") }

    @Test("doubly robust (Kennedy et al.) with cross-validated bandwidth")
    func doublyRobust() throws {
        let c = try Self.crossSectionCoverage(.linear) { data in
            var s = DoublyRobustDoseResponse.Specification()
            s.grid = DoseSimulation.grid
            s.replications = 100
            s.threads = 2
            return try DoublyRobustDoseResponse.estimate(data, s).curve
        }
        Self.expectNominal(c, "dr")
    }

    @Test("the unadjusted regression does not cover, on either design")
    func unadjusted() throws {
        for design in [DoseSimulation.Design.throughScore, .linear] {
            let c = try Self.crossSectionCoverage(design, Self.weighting(.unadjusted))
            #expect(c.contains { $0 < 0.8 }, "unadjusted coverage \(c)")
        }
    }

    @Test("DiD with a dose: ATT(d), where a cross-sectional comparison by dose does not cover")
    func continuousDiD() throws {
        var spec = ContinuousDiD.Specification(outcome: "Y", unit: "id", time: "t", adoption: "G", dose: "D")
        spec.grid = DoseSimulation.panelGrid
        spec.replications = 0
        spec.knots = 0
        let c = try Self.coverage(DoseSimulation.panelTruth, grid: DoseSimulation.panelGrid) { r in
            try ContinuousDiD.estimate(spec, table: DoseSimulation.panel(units: 1000, replication: r)).curve
        }
        Self.expectNominal(c, "did")
        // The cross-sectional comparison in the last period (treated by dose against the never treated).
        let naive = try Self.coverage(DoseSimulation.panelTruth, grid: DoseSimulation.panelGrid) { r in
            let t = DoseSimulation.panel(units: 1000, replication: r)
            let last = (0..<t.rowCount).filter { try! t.numeric("t")[$0] == 4 }
            let post = t.selectingRows(last)
            let y = try post.numeric("Y"), d = try post.numeric("D"), g = try post.numeric("G")
            let never = (0..<post.rowCount).filter { g[$0] == 0 }
            let baseline = never.reduce(0.0) { $0 + y[$1] } / Double(never.count)
            let treated = (0..<post.rowCount).filter { g[$0] > 0 }
            var s = DoseWeighting.Specification()
            s.method = .unadjusted
            s.grid = DoseSimulation.panelGrid
            s.replications = 100
            s.knots = 0
            let data = DoseData(
                dose: treated.map { d[$0] }, outcome: treated.map { y[$0] - baseline },
                covariates: LinearAlgebra.Matrix(rows: treated.count, columns: 0))
            return try DoseWeighting.estimate(data, s).curve
        }
        #expect(naive.contains { $0 < 0.8 }, "cross-sectional coverage \(naive)")
    }
}
