/// A linear program in standard form: minimise `cᵀx` subject to `Ax = b`, `x ≥ 0`.
///
/// Solved by the two-phase dense tableau simplex method with Bland's rule (Bland 1977),
/// which cannot cycle on degenerate vertices. Meant for the small programs of moment
/// inequality tests (tens of rows and columns), solved thousands of times; each pivot costs
/// O(m(n + m)) for m rows and n columns.
///
/// Free variables and inequalities are written in this form by the caller (x = x⁺ − x⁻, slack
/// columns), which keeps one solver and one place for its tolerances.
public struct LinearProgram: Sendable {
    /// Objective coefficients, one per column.
    public var cost: [Double]
    /// Constraint rows, each with one entry per column.
    public var rows: [[Double]]
    /// Right-hand sides, one per row.
    public var rightHandSide: [Double]

    public init(cost: [Double], rows: [[Double]], rightHandSide: [Double]) {
        precondition(rows.count == rightHandSide.count, "one right-hand side per row")
        precondition(rows.allSatisfy { $0.count == cost.count }, "every row needs one entry per column")
        self.cost = cost
        self.rows = rows
        self.rightHandSide = rightHandSide
    }

    /// How a solve ended.
    public enum Status: String, Sendable, Codable {
        case optimal, infeasible, unbounded
    }

    /// An optimal vertex with its dual values.
    public struct Solution: Sendable {
        public let status: Status
        /// The minimiser (zeros unless `status` is `.optimal`).
        public let x: [Double]
        /// `cᵀx` at the minimiser.
        public let objective: Double
        /// Dual values `y` of the rows: `Aᵀy ≤ c`, with `bᵀy` equal to the objective.
        public let duals: [Double]
    }

    /// Solves the program; `tolerance` is the pivot and optimality tolerance on a problem
    /// whose entries are of order one.
    ///
    /// Complexity: O(m(n + m)) per pivot; the number of pivots is small in practice.
    public func solve(tolerance: Double = 1e-11) -> Solution {
        let m = rows.count, n = cost.count
        let width = n + m + 1 // structural columns, artificials, right-hand side
        var tableau = [Double](repeating: 0, count: m * width)
        var sign = [Double](repeating: 1, count: m)
        for i in 0..<m {
            sign[i] = rightHandSide[i] < 0 ? -1 : 1
            for j in 0..<n { tableau[i * width + j] = sign[i] * rows[i][j] }
            tableau[i * width + n + i] = 1
            tableau[i * width + n + m] = sign[i] * rightHandSide[i]
        }
        var basis = Array(n..<(n + m))

        // Phase I: minimise the sum of artificials.
        var phaseOne = [Double](repeating: 0, count: n + m)
        for j in n..<(n + m) { phaseOne[j] = 1 }
        let feasible = Self.optimise(&tableau, &basis, cost: phaseOne, m: m, width: width, enterable: n, tolerance: tolerance)
        let infeasibility = basis.indices.reduce(0.0) { $0 + (basis[$1] >= n ? tableau[$1 * width + width - 1] : 0) }
        let scale = max(1, rightHandSide.reduce(0) { max($0, abs($1)) })
        guard feasible, infeasibility <= 1e-9 * scale else {
            return Solution(status: .infeasible, x: Array(repeating: 0, count: n), objective: .nan, duals: Array(repeating: 0, count: m))
        }
        // Drive artificials at zero out of the basis where a structural column can replace them.
        for i in 0..<m where basis[i] >= n {
            if let j = (0..<n).first(where: { abs(tableau[i * width + $0]) > tolerance }) {
                Self.pivot(&tableau, &basis, row: i, column: j, m: m, width: width)
            }
        }

        // Phase II: the real objective; artificials may not re-enter.
        var phaseTwo = cost + [Double](repeating: 0, count: m)
        for j in n..<(n + m) { phaseTwo[j] = 0 }
        guard Self.optimise(&tableau, &basis, cost: phaseTwo, m: m, width: width, enterable: n, tolerance: tolerance) else {
            return Solution(status: .unbounded, x: Array(repeating: 0, count: n), objective: -.infinity, duals: Array(repeating: 0, count: m))
        }
        var x = [Double](repeating: 0, count: n)
        for i in 0..<m where basis[i] < n { x[basis[i]] = tableau[i * width + width - 1] }
        let objective = zip(cost, x).reduce(0) { $0 + $1.0 * $1.1 }
        // y = B⁻ᵀ c_B; B⁻¹ sits in the artificial columns of the final tableau.
        var duals = [Double](repeating: 0, count: m)
        for k in 0..<m {
            var value = 0.0
            for i in 0..<m where basis[i] < n { value += cost[basis[i]] * tableau[i * width + n + k] }
            duals[k] = sign[k] * value
        }
        return Solution(status: .optimal, x: x, objective: objective, duals: duals)
    }

    /// Runs simplex pivots for `cost` from the current basis; false if unbounded.
    private static func optimise(
        _ tableau: inout [Double], _ basis: inout [Int], cost: [Double], m: Int, width: Int, enterable: Int, tolerance: Double
    ) -> Bool {
        let columns = width - 1
        for _ in 0..<10_000 {
            // Reduced costs c_j − c_Bᵀ B⁻¹ a_j; Bland: the lowest-index improving column enters.
            var entering = -1
            for j in 0..<enterable {
                var reduced = cost[j]
                for i in 0..<m { reduced -= cost[basis[i]] * tableau[i * width + j] }
                if reduced < -tolerance {
                    entering = j
                    break
                }
            }
            if entering < 0 { return true }
            // Ratio test; ties go to the lowest basic index (Bland).
            var leaving = -1
            var best = Double.infinity
            for i in 0..<m {
                let a = tableau[i * width + entering]
                if a > tolerance {
                    let ratio = tableau[i * width + columns] / a
                    if ratio < best - tolerance || (abs(ratio - best) <= tolerance && leaving >= 0 && basis[i] < basis[leaving]) {
                        best = ratio
                        leaving = i
                    }
                }
            }
            if leaving < 0 { return false }
            pivot(&tableau, &basis, row: leaving, column: entering, m: m, width: width)
        }
        return true
    }

    private static func pivot(_ tableau: inout [Double], _ basis: inout [Int], row r: Int, column c: Int, m: Int, width: Int) {
        let p = tableau[r * width + c]
        for j in 0..<width { tableau[r * width + j] /= p }
        for i in 0..<m where i != r {
            let factor = tableau[i * width + c]
            if factor != 0 {
                for j in 0..<width { tableau[i * width + j] -= factor * tableau[r * width + j] }
            }
        }
        basis[r] = c
    }
}
