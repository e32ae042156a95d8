import Testing

@testable import EstimationCore

/// The simplex QP and its ellipsoid bound against closed forms (the scpi programs themselves are checked
/// against Clarabel in `PredictionIntervalsTests`).
@Suite("Simplex quadratic program")
struct SimplexQuadraticProgramTests {
    /// Euclidean projection onto the simplex {y ≥ 0, Σy = 1} by sorting (Held, Wolfe & Crowder 1974).
    static func projection(_ a: [Double]) -> [Double] {
        let s = a.sorted(by: >)
        var cumulative = 0.0, theta = 0.0
        for (k, v) in s.enumerated() {
            cumulative += v
            let t = (cumulative - 1) / Double(k + 1)
            if v - t > 0 { theta = t }
        }
        return a.map { max($0 - theta, 0) }
    }

    @Test("with H = I the minimiser is the projection of −f onto the simplex")
    func projectionOntoSimplex() throws {
        var rng = SplitMix64(seed: 3)
        for n in [2, 5, 12, 40] {
            let a = (0..<n).map { _ in 3 * rng.uniform() - 1.5 }
            var identity = [Double](repeating: 0, count: n * n)
            for j in 0..<n { identity[j * n + j] = 1 }
            let program = SimplexQuadraticProgram(hessian: identity, lower: [Double](repeating: 0, count: n), total: 1)
            let solution = try #require(program.solve(f: a.map { -$0 }))
            for (y, p) in zip(solution.y, Self.projection(a)) { #expect(abs(y - p) < 1e-12, "n = \(n)") }
        }
    }

    /// With H = 2I and f = −2g the constraint is the ball ‖y − g‖ ≤ ‖g‖; on the plane Σy = 0 (bounds far
    /// away) it is a ball around g's projection p with radius² = ‖g‖² − ‖g − p‖², so min cᵀy = c_pᵀp − r‖c_p‖.
    @Test("linear objective over a ball cut by the plane Σy = 0: the closed form")
    func ball() throws {
        var rng = SplitMix64(seed: 11)
        for n in [3, 6, 15] {
            let g = (0..<n).map { _ in rng.uniform() - 0.5 }, c = (0..<n).map { _ in rng.uniform() - 0.5 }
            var h = [Double](repeating: 0, count: n * n)
            for j in 0..<n { h[j * n + j] = 2 }
            let program = SimplexQuadraticProgram(hessian: h, lower: [Double](repeating: -10, count: n), total: 0)
            let f = g.map { -2 * $0 }
            let start = try #require(program.solve(f: f, start: [Double](repeating: 0, count: n)))
            let y = try #require(program.minimumOverEllipsoid(c: c, f: f, start: start))
            let gm = g.reduce(0, +) / Double(n), cm = c.reduce(0, +) / Double(n)
            let p = g.map { $0 - gm }, cp = c.map { $0 - cm }
            let r = (g.reduce(0) { $0 + $1 * $1 } - Double(n) * gm * gm).squareRoot()
            let expected = zip(cp, p).reduce(0) { $0 + $1.0 * $1.1 } - r * cp.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let got = zip(c, y).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(got - expected) < 1e-12, "n = \(n): \(got) vs \(expected)")
            #expect(abs(y.reduce(0, +)) < 1e-12)
        }
    }

    @Test("an ellipsoid holding the whole simplex gives the linear program's vertex; one missing it gives nil")
    func vertexAndInfeasible() throws {
        let n = 4
        var h = [Double](repeating: 0, count: n * n)
        for j in 0..<n { h[j * n + j] = 2 }
        let program = SimplexQuadraticProgram(hessian: h, lower: [Double](repeating: 0, count: n), total: 1)
        // ‖y − g‖² ≤ ‖g‖² with g = 100·1 holds the whole simplex.
        let f = [Double](repeating: -200, count: n)
        let start = try #require(program.solve(f: f))
        let c = [0.3, -0.2, 0.5, 0.1]
        let y = try #require(program.minimumOverEllipsoid(c: c, f: f, start: start))
        #expect(y == [0, 1, 0, 0])
        // ‖y − g‖² ≤ ‖g‖² with g = −1: y = 0 only, which is off the simplex (Σy = 1).
        let outside = [Double](repeating: 2, count: n)
        let far = try #require(program.solve(f: outside))
        #expect(program.minimumOverEllipsoid(c: c, f: outside, start: far) == nil)
    }
}
