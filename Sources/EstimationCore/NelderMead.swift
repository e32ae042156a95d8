import Foundation

/// Derivative-free minimisation by the Nelder–Mead simplex method (Nelder & Mead 1965),
/// with the coefficients of R's `optim` (reflection 1, contraction ½, expansion 2, shrink ½)
/// and restarts from the best vertex until a restart no longer improves the value.
///
/// Deterministic: the same start gives the same path.
public struct NelderMead: Sendable {
    public var relativeTolerance = 1e-10
    public var maximumEvaluations = 4000
    /// Initial simplex edge: `initialStep` times the largest |coordinate|, or `initialStep` itself when `absoluteStep`.
    public var initialStep = 0.1
    public var absoluteStep = false

    public init(relativeTolerance: Double = 1e-10, maximumEvaluations: Int = 4000, initialStep: Double = 0.1, absoluteStep: Bool = false) {
        self.relativeTolerance = relativeTolerance
        self.maximumEvaluations = maximumEvaluations
        self.initialStep = initialStep
        self.absoluteStep = absoluteStep
    }

    /// The best point found, its value, and the number of function evaluations used.
    public struct Result: Sendable {
        public let point: [Double]
        public let value: Double
        public let evaluations: Int
    }

    /// Minimises `f` from `start`, restarting from the best vertex while restarts improve the value.
    public func minimize(_ start: [Double], _ f: ([Double]) -> Double) -> Result {
        var best = start, bestValue = f(start)
        var evaluations = 1
        for _ in 0..<6 {
            let r = run(best, value: bestValue, budget: maximumEvaluations - evaluations, f)
            evaluations += r.evaluations
            let improved = r.value < bestValue - relativeTolerance * (abs(bestValue) + relativeTolerance)
            if r.value < bestValue { best = r.point; bestValue = r.value }
            if !improved || evaluations >= maximumEvaluations { break }
        }
        return Result(point: best, value: bestValue, evaluations: evaluations)
    }

    /// One Nelder–Mead run from `start` (whose value is known).
    ///
    /// The vertices live in fixed slots; `slotAt[p]` is the slot at sorted position p, re-sorted each
    /// iteration by value with ties kept in their previous order (as a sort of the positions by
    /// (value, position) would). Trial points are written into reused buffers and swapped into the
    /// worst slot when accepted, so an iteration allocates nothing; every coordinate is computed by the
    /// same operations, in the same order, as the textbook formulation.
    private func run(_ start: [Double], value: Double, budget: Int, _ f: ([Double]) -> Double) -> Result {
        let n = start.count
        let scale = absoluteStep ? 1 : max(start.map(abs).max() ?? 0, 1e-12)
        var vertices = [start]
        var values = [value]
        var evaluations = 0
        for i in 0..<n {
            var p = start
            p[i] += initialStep * scale
            vertices.append(p)
            values.append(f(p))
            evaluations += 1
        }
        var slotAt = Array(0...n), positions = Array(0...n), sortedSlots = Array(0...n)
        var centroid = [Double](repeating: 0, count: n)
        var reflected = centroid, trial = centroid
        /// centroid + t·(worst − centroid), into `point`.
        func along(_ t: Double, into point: inout [Double]) {
            let worst = slotAt[n]
            for i in 0..<n { point[i] = centroid[i] + t * (vertices[worst][i] - centroid[i]) }
        }
        while evaluations < budget {
            for p in 0...n { positions[p] = p }
            positions.sort { a, b in
                let va = values[slotAt[a]], vb = values[slotAt[b]]
                return va != vb ? va < vb : a < b
            }
            for p in 0...n { sortedSlots[p] = slotAt[positions[p]] }
            swap(&slotAt, &sortedSlots)
            let low = values[slotAt[0]], high = values[slotAt[n]]
            if high - low <= relativeTolerance * (abs(low) + relativeTolerance) { break }
            for i in 0..<n { centroid[i] = 0 }
            for p in 0..<n {
                let vertex = slotAt[p]
                for i in 0..<n { centroid[i] += vertices[vertex][i] / Double(n) }
            }
            let worst = slotAt[n]
            along(-1, into: &reflected)
            let fr = f(reflected)
            evaluations += 1
            if fr < low {
                along(-2, into: &trial)
                let fe = f(trial)
                evaluations += 1
                if fe < fr {
                    swap(&vertices[worst], &trial)
                    values[worst] = fe
                } else {
                    swap(&vertices[worst], &reflected)
                    values[worst] = fr
                }
            } else if fr < values[slotAt[n - 1]] {
                swap(&vertices[worst], &reflected)
                values[worst] = fr
            } else {
                let outside = fr < high
                along(outside ? -0.5 : 0.5, into: &trial)
                let fc = f(trial)
                evaluations += 1
                if fc < min(fr, high) {
                    swap(&vertices[worst], &trial)
                    values[worst] = fc
                } else {
                    let best = slotAt[0]
                    for p in 1...n {
                        let vertex = slotAt[p]
                        for i in 0..<n { vertices[vertex][i] = vertices[best][i] + 0.5 * (vertices[vertex][i] - vertices[best][i]) }
                        values[vertex] = f(vertices[vertex])
                        evaluations += 1
                    }
                }
            }
        }
        var k = 0
        for p in 1...n where values[slotAt[p]] < values[slotAt[k]] { k = p }
        return Result(point: vertices[slotAt[k]], value: values[slotAt[k]], evaluations: evaluations)
    }
}
