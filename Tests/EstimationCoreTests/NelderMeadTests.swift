import Testing

@testable import EstimationCore

/// Nelder–Mead on functions with known minima (the synthetic-control reference tests exercise it
/// against R Synth through the nested V search).
@Suite("Nelder–Mead")
struct NelderMeadTests {
    /// Rosenbrock's banana, minimum 0 at (1, 1).
    static func rosenbrock(_ x: [Double]) -> Double {
        100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0])
    }

    @Test("Rosenbrock from R's classic start (−1.2, 1) reaches (1, 1), and the same start gives the same path")
    func rosenbrockMinimum() {
        let optimizer = NelderMead(relativeTolerance: 1e-12, maximumEvaluations: 4000, initialStep: 0.1, absoluteStep: true)
        let result = optimizer.minimize([-1.2, 1], Self.rosenbrock)
        // The package's defaults (relative step) reach it too.
        let defaults = NelderMead(maximumEvaluations: 5000).minimize([-1.2, 1], Self.rosenbrock)
        #expect(abs(defaults.point[0] - 1) < 1e-3 && abs(defaults.point[1] - 1) < 1e-3)
        #expect(abs(result.point[0] - 1) < 1e-4 && abs(result.point[1] - 1) < 1e-4)
        #expect(result.value < 1e-8)
        #expect(result.evaluations <= 4000)
        let again = optimizer.minimize([-1.2, 1], Self.rosenbrock)
        #expect(again.point == result.point && again.value == result.value && again.evaluations == result.evaluations)
    }

    @Test("a quadratic bowl in 8 dimensions: the minimiser to 1e-4, within the evaluation budget")
    func quadraticBowl() {
        let centre = (0..<8).map { 0.5 + Double($0) / 10 }
        func f(_ x: [Double]) -> Double {
            zip(x, centre).enumerated().reduce(0) { $0 + Double($1.offset + 1) * ($1.element.0 - $1.element.1) * ($1.element.0 - $1.element.1) }
        }
        let result = NelderMead(relativeTolerance: 1e-14, maximumEvaluations: 20_000).minimize([Double](repeating: 1, count: 8), f)
        #expect(zip(result.point, centre).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(result.evaluations <= 20_000)
    }

    @Test("the evaluation cap is respected and the best vertex returned when it is hit")
    func cap() {
        var calls = 0
        let result = NelderMead(relativeTolerance: 1e-14, maximumEvaluations: 50).minimize([-1.2, 1]) { x in
            calls += 1
            return Self.rosenbrock(x)
        }
        #expect(result.evaluations == calls)
        // An iteration that starts below the cap finishes: reflection, contraction and a shrink's n points,
        // so at most n + 1 = 3 evaluations past it.
        #expect(calls <= 50 + 3)
        #expect(result.value <= Self.rosenbrock([-1.2, 1]))
    }
}
