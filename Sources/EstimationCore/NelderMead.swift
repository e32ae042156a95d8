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

    private func run(_ start: [Double], value: Double, budget: Int, _ f: ([Double]) -> Double) -> Result {
        let n = start.count
        let scale = absoluteStep ? 1 : max(start.map(abs).max() ?? 0, 1e-12)
        var simplex = [start]
        var values = [value]
        var evaluations = 0
        for i in 0..<n {
            var p = start
            p[i] += initialStep * scale
            simplex.append(p)
            values.append(f(p))
            evaluations += 1
        }
        while evaluations < budget {
            let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let low = values[0], high = values[n]
            if high - low <= relativeTolerance * (abs(low) + relativeTolerance) { break }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for i in 0..<n { centroid[i] += p[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1)
            let fr = f(reflected); evaluations += 1
            if fr < low {
                let expanded = along(-2)
                let fe = f(expanded); evaluations += 1
                if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = reflected; values[n] = fr
            } else {
                let outside = fr < high
                let contracted = along(outside ? -0.5 : 0.5)
                let fc = f(contracted); evaluations += 1
                if fc < min(fr, high) {
                    simplex[n] = contracted; values[n] = fc
                } else {
                    for k in 1...n {
                        simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k]); evaluations += 1
                    }
                }
            }
        }
        let k = values.indices.min { values[$0] != values[$1] ? values[$0] < values[$1] : $0 < $1 }!
        return Result(point: simplex[k], value: values[k], evaluations: evaluations)
    }
}
