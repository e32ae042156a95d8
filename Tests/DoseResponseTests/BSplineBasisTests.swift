import EstimationCore
import Foundation
import LinearAlgebra
import TestSupport
import Testing

@Suite("B-spline basis (splines2 conventions)")
struct BSplineBasisTests {
    struct Case: Decodable {
        let degree: Int, knots: [Double], lower: Double, upper: Double, intercept: Bool
        let values: [[Double]], derivatives: [[Double]]
    }
    struct Reference: Decodable { let x: [Double], cases: [Case] }

    @Test("values and first derivatives equal R splines2's bSpline and dbs to 1e-12")
    func matchesSplines2() throws {
        let r = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: TestData.fixture("DoseResponseTests", "splines2.json")))
        for c in r.cases {
            let basis = BSplineBasis(degree: c.degree, interiorKnots: c.knots, lower: c.lower, upper: c.upper, includesIntercept: c.intercept)
            #expect(basis.count == c.values[0].count)
            for (i, x) in r.x.enumerated() {
                for (a, b) in zip(basis.values(at: x), c.values[i]) { #expect(abs(a - b) < 1e-12, "degree \(c.degree) at \(x)") }
                for (a, b) in zip(basis.derivatives(at: x), c.derivatives[i]) { #expect(abs(a - b) < 1e-11, "degree \(c.degree) at \(x)") }
            }
        }
    }

    @Test("with an intercept the functions sum to one; a fitted spline does not depend on the boundary knots")
    func partitionOfUnity() {
        let basis = BSplineBasis(degree: 3, interiorKnots: [0.4], lower: 0, upper: 1, includesIntercept: true)
        for x in stride(from: 0.0, through: 1.0, by: 0.05) { #expect(abs(basis.values(at: x).reduce(0, +) - 1) < 1e-14) }
        // The same data fitted on [1, B(x)] with boundary knots [0.1, 0.9] (the data's range) and [0, 1].
        let x = (0..<40).map { 0.1 + 0.8 * Double($0) / 39 }, y = x.map { sin(6 * $0) }
        func fitted(_ b: BSplineBasis, at points: [Double]) throws -> [Double] {
            let design = Matrix(rows: x.count, columns: b.count + 1, rowMajor: x.flatMap { [1] + b.values(at: $0) })
            let beta = try design.leastSquares(y).solution
            return points.map { Vector.dot([1] + b.values(at: $0), beta) }
        }
        let points = [0.15, 0.4, 0.77]
        let narrow = try! fitted(BSplineBasis(degree: 3, interiorKnots: [0.5], lower: 0.1, upper: 0.9), at: points)
        let wide = try! fitted(BSplineBasis(degree: 3, interiorKnots: [0.5], lower: 0, upper: 1), at: points)
        for (a, b) in zip(narrow, wide) { #expect(abs(a - b) < 1e-10) }
    }
}
