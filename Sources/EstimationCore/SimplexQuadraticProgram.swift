/// A convex quadratic program over a shifted simplex: minimise ½yᵀHy + fᵀy subject to Σy = s and
/// y ≥ ℓ, with H symmetric positive definite on the free coordinates.
///
/// Solved by the primal active-set method (Nocedal & Wright 2006, Algorithm 16.3) from a feasible
/// point: each step solves the equality-constrained problem on the free coordinates,
/// H_FF y_F + H_FB ℓ_B + f_F + ν·1 = 0 with 1ᵀy_F = s − Σℓ_B, by a Cholesky factorisation of H_FF
/// and one Schur complement for ν; a bound whose multiplier λ_j = (Hy + f + ν)_j is negative is
/// released, a free coordinate that would cross its bound is fixed at it.
///
/// Meant for the small programs of synthetic-control inference (tens of donors, few of them free),
/// solved many thousands of times: a step costs O(k³ + nk) for k free of n coordinates. The
/// parametric extension (`SimplexQuadraticProgram+EllipsoidBound.swift`) follows the solution as
/// the linear term moves.
public struct SimplexQuadraticProgram: Sendable {
    /// H (n × n, column-major).
    public let hessian: [Double]
    public let count: Int
    /// ℓ, one lower bound per coordinate.
    public let lower: [Double]
    /// s, the sum of the coordinates.
    public let total: Double

    public init(hessian: [Double], lower: [Double], total: Double) {
        precondition(hessian.count == lower.count * lower.count, "H is n × n for n lower bounds")
        self.hessian = hessian
        self.count = lower.count
        self.lower = lower
        self.total = total
        var scale = 0.0
        for j in 0..<count { scale = max(scale, abs(hessian[j * count + j])) }
        self.hessianScale = max(scale, 1e-300)
    }

    /// The largest diagonal entry of H, the scale of the tolerances.
    let hessianScale: Double

    /// A solution and the free coordinates it was found with.
    public struct Solution: Sendable {
        public let y: [Double]
        /// Whether each coordinate is off its bound (in the final working set's sense).
        public let free: [Bool]
        /// ν, the multiplier of Σy = s.
        public let sumMultiplier: Double
        public let iterations: Int
    }

    /// The equality-constrained minimiser on the free coordinates, the others at their bounds, for
    /// the linear term `f`; with `homogeneous`, the bounds and the sum are taken as zero (the
    /// response of the solution to a change of f alone). Returns (y_F in `free` order, ν), or nil
    /// when H_FF is not positive definite or nothing is free.
    func equalitySolution(free: [Int], f: [Double], homogeneous: Bool = false) -> (yFree: [Double], nu: Double)? {
        let k = free.count
        guard k > 0 else { return nil }
        var m = [Double](repeating: 0, count: k * k)
        var r = [Double](repeating: 0, count: k)
        var sumFree = homogeneous ? 0 : total
        var isFree = [Bool](repeating: false, count: count)
        for j in free { isFree[j] = true }
        if !homogeneous { for j in 0..<count where !isFree[j] { sumFree -= lower[j] } }
        for (a, i) in free.enumerated() {
            var ri = -f[i]
            if !homogeneous {
                for j in 0..<count where !isFree[j] { ri -= hessian[j * count + i] * lower[j] }
            }
            r[a] = ri
            for (b, j) in free.enumerated() { m[b * k + a] = hessian[j * count + i] }
        }
        guard Self.choleskyInPlace(&m, k) else { return nil }
        let u = Self.choleskySolve(m, k, r)
        let v = Self.choleskySolve(m, k, [Double](repeating: 1, count: k))
        let sv = v.reduce(0, +)
        guard sv > 0 else { return nil }
        let nu = (u.reduce(0, +) - sumFree) / sv
        return ((0..<k).map { u[$0] - nu * v[$0] }, nu)
    }

    /// (Hy + f)_j for every j.
    func gradient(_ y: [Double], _ f: [Double]) -> [Double] {
        var g = f
        for j in 0..<count where y[j] != 0 {
            let yj = y[j]
            for i in 0..<count { g[i] += hessian[j * count + i] * yj }
        }
        return g
    }

    /// The minimiser for the linear term `f`, from `start` (feasible) with the coordinates at their
    /// bounds there as the first working set; nil when the iteration limit is reached or H_FF is
    /// singular.
    public func solve(f: [Double], start: [Double]? = nil) -> Solution? {
        precondition(f.count == count, "one linear coefficient per coordinate")
        var y = start ?? feasiblePoint()
        let tolY = 1e-13 * max(1, y.reduce(0) { max($0, abs($1)) })
        var free = (0..<count).map { y[$0] > lower[$0] + tolY }
        let tolLambda = 1e-12 * (hessianScale + f.reduce(0) { max($0, abs($1)) })
        for iteration in 1...(10 * count + 50) {
            var freeIndex = (0..<count).filter { free[$0] }
            if freeIndex.isEmpty {
                // Everything at its bound: release the coordinate with the smallest gradient.
                let g = gradient(y, f)
                let j = (0..<count).min { g[$0] < g[$1] }!
                free[j] = true
                freeIndex = [j]
            }
            guard let (target, nu) = equalitySolution(free: freeIndex, f: f) else { return nil }
            var step = 0.0
            for (a, j) in freeIndex.enumerated() { step = max(step, abs(target[a] - y[j])) }
            if step <= tolY {
                for (a, j) in freeIndex.enumerated() { y[j] = target[a] }
                let g = gradient(y, f)
                var worst = -tolLambda, release = -1
                for j in 0..<count where !free[j] && g[j] + nu < worst {
                    worst = g[j] + nu
                    release = j
                }
                if release < 0 { return Solution(y: y, free: free, sumMultiplier: nu, iterations: iteration) }
                free[release] = true
                continue
            }
            var alpha = 1.0, blocking = -1
            for (a, j) in freeIndex.enumerated() {
                let p = target[a] - y[j]
                if p < 0 {
                    let limit = (lower[j] - y[j]) / p
                    if limit < alpha {
                        alpha = limit
                        blocking = j
                    }
                }
            }
            for (a, j) in freeIndex.enumerated() { y[j] += alpha * (target[a] - y[j]) }
            if blocking >= 0 {
                y[blocking] = lower[blocking]
                free[blocking] = false
            }
        }
        return nil
    }

    /// ℓ plus an equal share of s − Σℓ (feasible when s ≥ Σℓ).
    public func feasiblePoint() -> [Double] {
        let share = (total - lower.reduce(0, +)) / Double(count)
        return lower.map { $0 + share }
    }

    /// In-place Cholesky factor (lower, column-major) of a k × k matrix; false unless positive definite.
    static func choleskyInPlace(_ m: inout [Double], _ k: Int) -> Bool {
        for j in 0..<k {
            var d = m[j * k + j]
            for p in 0..<j { d -= m[p * k + j] * m[p * k + j] }
            guard d > 0, d.isFinite else { return false }
            let l = d.squareRoot()
            m[j * k + j] = l
            for i in (j + 1)..<max(k, j + 1) {
                var s = m[j * k + i]
                for p in 0..<j { s -= m[p * k + i] * m[p * k + j] }
                m[j * k + i] = s / l
            }
        }
        return true
    }

    /// Solves LLᵀx = b for the factor of `choleskyInPlace`.
    static func choleskySolve(_ l: [Double], _ k: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<k {
            var s = x[i]
            for p in 0..<i { s -= l[p * k + i] * x[p] }
            x[i] = s / l[i * k + i]
        }
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = x[i]
            for p in (i + 1)..<max(k, i + 1) { s -= l[i * k + p] * x[p] }
            x[i] = s / l[i * k + i]
        }
        return x
    }
}
