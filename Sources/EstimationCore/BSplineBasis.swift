import LinearAlgebra

/// A B-spline basis of one variable: piecewise polynomials of `degree` joined at `interiorKnots`
/// with `degree − 1` continuous derivatives, on `[lower, upper]` (de Boor 1978).
///
/// The conventions are R splines2's `bSpline` and `dbs`: the knot sequence repeats each boundary
/// knot `degree + 1` times; without an intercept the first basis function is dropped, leaving
/// `degree + interiorKnots.count` columns, so that a model with its own intercept column spans the
/// whole spline space. The fitted function of such a model does not depend on the boundary knots as
/// long as they contain the data: the columns span the same piecewise polynomials. Outside
/// `[lower, upper]` the end pieces are continued as polynomials.
///
/// Values come from the Cox–de Boor recursion, derivatives from
/// `B′ᵢ,ₚ = p/(tᵢ₊ₚ − tᵢ)·Bᵢ,ₚ₋₁ − p/(tᵢ₊ₚ₊₁ − tᵢ₊₁)·Bᵢ₊₁,ₚ₋₁`.
///
/// Complexity: O(degree²) per point.
public struct BSplineBasis: Sendable, Codable, Equatable {
    public let degree: Int
    public let interiorKnots: [Double]
    public let lower: Double
    public let upper: Double
    /// Whether the first basis function is kept (splines2's `intercept = TRUE`).
    public let includesIntercept: Bool

    /// A basis; `interiorKnots` must lie strictly inside `lower < upper` and be non-decreasing.
    public init(degree: Int, interiorKnots: [Double] = [], lower: Double, upper: Double, includesIntercept: Bool = false) {
        precondition(degree >= 1 && lower < upper, "a B-spline basis needs degree ≥ 1 and lower < upper")
        precondition(interiorKnots.allSatisfy { $0 > lower && $0 < upper }, "interior knots lie strictly inside the boundary knots")
        self.degree = degree
        self.interiorKnots = interiorKnots.sorted()
        self.lower = lower
        self.upper = upper
        self.includesIntercept = includesIntercept
    }

    /// A basis on the range of `x` with `count` interior knots at its quantiles `j/(count + 1)`
    /// (R type 7), as contdid's `choose_knots_quantile`.
    public init(degree: Int, quantileKnots count: Int, of x: [Double], includesIntercept: Bool = false) {
        let knots = (0..<count).map { WeightedStatistics.quantile(x, Double($0 + 1) / Double(count + 1)) }
        self.init(degree: degree, interiorKnots: knots, lower: x.min() ?? 0, upper: x.max() ?? 1, includesIntercept: includesIntercept)
    }

    /// The number of columns.
    public var count: Int { degree + interiorKnots.count + (includesIntercept ? 1 : 0) }

    private var knotSequence: [Double] {
        [Double](repeating: lower, count: degree + 1) + interiorKnots + [Double](repeating: upper, count: degree + 1)
    }

    /// The basis functions at `x` (`count` values).
    public func values(at x: Double) -> [Double] { evaluate(x, derivative: false) }

    /// The first derivatives of the basis functions at `x`.
    public func derivatives(at x: Double) -> [Double] { evaluate(x, derivative: true) }

    /// The basis (or its first derivative) at each point, one row per point.
    public func matrix(_ x: [Double], derivative: Bool = false) -> Matrix {
        var m = Matrix(rows: x.count, columns: count)
        for (i, xi) in x.enumerated() {
            for (j, v) in evaluate(xi, derivative: derivative).enumerated() where v != 0 { m[i, j] = v }
        }
        return m
    }

    private func evaluate(_ x: Double, derivative: Bool) -> [Double] {
        let t = knotSequence
        let p = degree
        let functions = t.count - p - 1
        // The knot span [t_s, t_{s+1}) holding x, clamped to the first and last non-empty spans.
        var s = p
        while s + 1 < functions && x >= t[s + 1] { s += 1 }
        // Cox–de Boor for the p + 1 functions that are non-zero on the span, up to degree `top`.
        func nonZero(_ top: Int) -> [Double] {
            var n = [Double](repeating: 0, count: top + 1)
            n[0] = 1
            var left = [Double](repeating: 0, count: top + 1), right = left
            if top == 0 { return n }
            for j in 1...top {
                left[j] = x - t[s + 1 - j]
                right[j] = t[s + j] - x
                var saved = 0.0
                for r in 0..<j {
                    let temp = n[r] / (right[r + 1] + left[j - r])
                    n[r] = saved + right[r + 1] * temp
                    saved = left[j - r] * temp
                }
                n[j] = saved
            }
            return n
        }
        var full = [Double](repeating: 0, count: functions)
        if !derivative {
            let n = nonZero(p)
            for r in 0...p { full[s - p + r] = n[r] }
        } else {
            // Degree p − 1 functions s − p + 1 … s, then the derivative formula.
            let lowerDegree = nonZero(p - 1)
            func b(_ i: Int) -> Double {
                let k = i - (s - p + 1)
                return k >= 0 && k < p ? lowerDegree[k] : 0
            }
            for i in (s - p)...s {
                var d = 0.0
                let a = t[i + p] - t[i], c = t[i + p + 1] - t[i + 1]
                if a > 0 { d += Double(p) / a * b(i) }
                if c > 0 { d -= Double(p) / c * b(i + 1) }
                full[i] = d
            }
        }
        return includesIntercept ? full : Array(full.dropFirst())
    }
}
