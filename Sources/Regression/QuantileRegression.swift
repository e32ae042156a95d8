import LinearAlgebra

/// Linear quantile regression (Koenker & Bassett 1978) by iteratively reweighted least squares,
/// with statsmodels' `QuantReg.fit` rules, so that small designs give the coefficients statsmodels
/// prints (scpi's out-of-sample bounds are computed with it).
///
/// Each iteration solves β = (X*ᵀX)⁺X*ᵀy with X* = X / r row by row, where r are the absolute
/// check-function residuals of the previous β: q·|e| below the fit and (1 − q)·|e| above, with
/// |e| floored at 10⁻⁶. The first iteration is ordinary least squares. It stops when no coefficient
/// moved more than `tolerance`, after `maximumIterations`, or when (from iteration 300, every 100)
/// β repeats one of the previous 2–9 iterates exactly.
///
/// The check-loss minimiser is a vertex of a linear program and may not be unique; this iteration
/// converges near one of the minimisers, which is the number statsmodels reports.
/// Complexity: O(n·k² + k³) per iteration.
public struct QuantileRegression: Sendable {
    public let coefficients: [Double]
    public let iterations: Int
    /// Whether the coefficient change fell below the tolerance (or a cycle was detected).
    public let converged: Bool

    public init(
        y: [Double], x: Matrix, quantile q: Double, maximumIterations: Int = 1000, tolerance: Double = 1e-6
    ) throws(RegressionError) {
        guard y.count == x.rows, x.rows > 0, x.columns > 0 else {
            throw .tooFewObservations(observations: y.count, coefficients: x.columns)
        }
        guard q > 0, q < 1 else { throw .invalidOption("the quantile must be strictly between 0 and 1, not \(q)") }
        let n = x.rows, k = x.columns
        var weights = [Double](repeating: 1, count: n)
        var beta = [Double](repeating: 1, count: k)
        var history: [[Double]] = []
        var iteration = 0, change = 10.0, cycle = false
        while iteration < maximumIterations && change > tolerance && !cycle {
            iteration += 1
            let previous = beta
            // (X*ᵀX) and X*ᵀy with X* = X scaled by 1/r, each sum over rows in order: near a degenerate fit
            // (weights up to 1e6) the iteration is sensitive enough that a BLAS product's different order
            // changes where statsmodels' stopping rule falls (measured on Lalonde's 0.1 quantile).
            var xtx = Matrix(rows: k, columns: k)
            var xty = [Double](repeating: 0, count: k)
            for a in 0..<k {
                for i in 0..<n { xty[a] += x[i, a] * weights[i] * y[i] }
                for b in 0..<k {
                    var s = 0.0
                    for i in 0..<n { s += x[i, a] * weights[i] * x[i, b] }
                    xtx[a, b] = s
                }
            }
            do {
                beta = try Self.pseudoInverse(xtx).multiplied(by: xty)
            } catch {
                throw .linearAlgebra(error)
            }
            for i in 0..<n {
                var e = y[i]
                for a in 0..<k { e -= x[i, a] * beta[a] }
                if abs(e) < 1e-6 { e = e >= 0 ? 1e-6 : -1e-6 }
                weights[i] = 1 / abs(e < 0 ? q * e : (1 - q) * e)
            }
            change = zip(beta, previous).reduce(0) { max($0, abs($1.0 - $1.1)) }
            history.append(beta)
            if iteration >= 300 && iteration % 100 == 0 {
                for back in 2..<10 where back <= history.count && history[history.count - back] == beta {
                    cycle = true
                    break
                }
            }
        }
        coefficients = beta
        iterations = iteration
        converged = change <= tolerance || cycle
    }

    /// x·β for each row of `x`.
    public func predict(_ x: Matrix) -> [Double] { x.multiplied(by: coefficients) }

    /// The Moore–Penrose inverse by SVD, singular values below 10⁻¹⁵·s₁ treated as zero (numpy's `pinv`).
    static func pseudoInverse(_ a: Matrix) throws(LinearAlgebraError) -> Matrix {
        let svd = try a.svd()
        let cutoff = 1e-15 * (svd.singularValues.first ?? 0)
        let inverse = svd.singularValues.map { $0 > cutoff ? 1 / $0 : 0 }
        // V diag(1/s) Uᵀ
        let vScaled = svd.vt.transposed.scalingColumns(by: inverse)
        return vScaled.multiplied(by: svd.u, transposingOther: true)
    }
}
