import Distributions
import Foundation
import LinearAlgebra
import Tabular

/// The link of a binary-response model.
public enum BinaryLink: String, Sendable, Codable, CaseIterable {
    case logit, probit

    /// μ = g⁻¹(η), clamped as R's `binomial()` family clamps it.
    func mean(_ eta: Double) -> Double {
        switch self {
        case .logit:
            // R: exp(η) replaced by ε / 1/ε beyond ±30.
            let e = eta < -30 ? Double.ulpOfOne : (eta > 30 ? 1 / Double.ulpOfOne : exp(eta))
            return e / (1 + e)
        case .probit:
            let t = -Normal.standard.quantile(Double.ulpOfOne)
            return Normal.standard.cdf(min(max(eta, -t), t))
        }
    }

    /// dμ/dη, floored at machine epsilon as R does.
    func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            if eta > 30 || eta < -30 { return Double.ulpOfOne }
            let e = exp(eta)
            return e / ((1 + e) * (1 + e))
        case .probit:
            return max(Normal.standard.pdf(eta), Double.ulpOfOne)
        }
    }

    /// η = g(μ).
    func link(_ mu: Double) -> Double {
        switch self {
        case .logit: return log(mu / (1 - mu))
        case .probit: return Normal.standard.quantile(mu)
        }
    }
}

/// A fitted logistic or probit regression.
public struct BinaryFit: Sendable {
    public let link: BinaryLink
    public let names: [String]
    public let coefficients: [Double]
    /// Standard errors from the inverse Fisher information at the estimate (dispersion 1).
    public let standardErrors: [Double]
    /// (XᵀWX)⁻¹ at the last iteration (R's `vcov(glm)`).
    public let covariance: Matrix
    /// Linear predictor η = Xβ̂ and fitted probabilities μ = g⁻¹(η).
    public let linearPredictor: [Double]
    public let fittedProbabilities: [Double]
    public let deviance: Double
    public let nullDeviance: Double
    public let iterations: Int
    /// Rows of the table used.
    public let rows: [Int]

    /// The coefficient named `name`.
    public func coefficient(_ name: String) -> Double? { names.firstIndex(of: name).map { coefficients[$0] } }
}

/// Logistic and probit regression by iteratively reweighted least squares.
///
/// The algorithm is R's `glm.fit`: start from μ₀ = (y + ½)/2, iterate
/// `z = η + (y − μ)/μ'(η)`, weights `μ'(η)²/(μ(1−μ))`, each weighted least
/// squares solved by QR (`Matrix.streamingQRFactor`), and stop when
/// |D − D_old| / (|D| + 0.1) < 1e-8 (at most 25 iterations), so that
/// coefficients agree with R to rounding. McCullagh & Nelder (1989), §4.4.
///
/// Separation is an error, not a warning: when some fitted probabilities are
/// numerically 0 or 1 and every such unit is classified correctly, the
/// covariates (quasi-)completely separate the outcome and the maximum
/// likelihood estimate does not exist.
public enum BinaryRegression {
    public static let tolerance = 1e-8
    public static let maximumIterations = 25

    /// Fits `outcome ~ covariates + factors` from a table (rows with missing values dropped).
    public static func fit(_ spec: ModelSpecification, table: Table, link: BinaryLink = .logit) throws(RegressionError) -> BinaryFit {
        let design = try DesignMatrix(spec, table: table)
        if let bad = design.y.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidOption("outcome '\(spec.outcome)' must be 0 or 1; row \(design.rows[bad] + 1) has \(formatNumber(design.y[bad]))")
        }
        return try fit(y: design.y, x: design.x, names: design.columnNames, link: link, rows: design.rows)
    }

    /// Fits `y` (0/1) on the columns of `x`, with optional prior weights (R's `glm(weights =)`:
    /// they multiply each unit's log-likelihood; IRLS starts from μ = (w y + ½)/(w + 1)).
    public static func fit(
        y: [Double], x: Matrix, names: [String], link: BinaryLink = .logit,
        rows: [Int]? = nil, priorWeights: [Double]? = nil
    ) throws(RegressionError) -> BinaryFit {
        let n = x.rows, k = x.columns
        guard n > k else { throw .tooFewObservations(observations: n, coefficients: k) }
        let ones = y.reduce(0, +)
        guard ones > 0 && ones < Double(n) else {
            throw .invalidOption("the outcome has only one value (\(ones > 0 ? "all 1" : "all 0")); a binary model needs both")
        }
        let prior = priorWeights ?? [Double](repeating: 1, count: n)
        var mu = zip(y, prior).map { ($1 * $0 + 0.5) / ($1 + 1) }
        var eta = mu.map { link.link($0) }
        var deviance = binomialDeviance(y, mu, prior)
        var beta = [Double](repeating: 0, count: k)
        var r = Matrix(rows: k, columns: k)
        var iterations = 0
        var converged = false
        for iteration in 1...maximumIterations {
            iterations = iteration
            var z = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let d = link.derivative(eta[i])
                z[i] = eta[i] + (y[i] - mu[i]) / d
                w[i] = prior[i] * d * d / (mu[i] * (1 - mu[i]))
            }
            let sqrtW = w.map { $0.squareRoot() }
            let augmented: Matrix
            do { augmented = try x.streamingQRFactor(appending: z, rowScale: sqrtW) } catch { throw .linearAlgebra(error) }
            for j in 0..<k { for i in 0...j { r[i, j] = augmented[i, j] } }
            let norms = (0..<k).map { j in (0...j).reduce(0.0) { $0 + r[$1, j] * r[$1, j] }.squareRoot() }
            let collinear = (0..<k).filter { j in norms[j] == 0 || abs(r[j, j]) < LinearModel.rankTolerance * norms[j] }
            if !collinear.isEmpty {
                throw .rankDeficient(
                    rank: k - collinear.count, columns: k,
                    dependencies: LinearModel.dependencies(r: r, norms: norms, collinear: collinear, names: names))
            }
            do {
                beta = try r.solvingUpperTriangular(Matrix(column: (0..<k).map { augmented[$0, k] })).elements
            } catch { throw .linearAlgebra(error) }
            eta = x.multiplied(by: beta)
            mu = eta.map { link.mean($0) }
            let newDeviance = binomialDeviance(y, mu, prior)
            guard newDeviance.isFinite else {
                throw .notConverged(method: "\(link.rawValue) regression", iterations: iteration, detail: "the deviance became non-finite")
            }
            if abs(newDeviance - deviance) / (abs(newDeviance) + 0.1) < tolerance {
                deviance = newDeviance
                converged = true
                break
            }
            deviance = newDeviance
        }
        try checkSeparation(y: y, mu: mu, x: x, names: names, converged: converged, iterations: iterations, link: link)
        // Covariance (XᵀWX)⁻¹ with the weights of the last iteration, as R's summary.glm.
        let covariance: Matrix
        do { covariance = try r.upperTriangularInverse().outerGram() } catch { throw .linearAlgebra(error) }
        let se = covariance.diagonal.map { $0.squareRoot() }
        let ybar = zip(y, prior).reduce(0) { $0 + $1.0 * $1.1 } / prior.reduce(0, +)
        let nullDeviance = binomialDeviance(y, [Double](repeating: ybar, count: n), prior)
        return BinaryFit(
            link: link, names: names, coefficients: beta, standardErrors: se, covariance: covariance,
            linearPredictor: eta, fittedProbabilities: mu, deviance: deviance,
            nullDeviance: nullDeviance, iterations: iterations, rows: rows ?? Array(0..<n))
    }

    /// `−2 Σ wᵢ [y log μ + (1 − y) log(1 − μ)]`.
    static func binomialDeviance(_ y: [Double], _ mu: [Double], _ w: [Double]? = nil) -> Double {
        var d = 0.0
        for (i, (yi, m)) in zip(y, mu).enumerated() { d -= 2 * (w?[i] ?? 1) * (yi == 1 ? log(m) : log(1 - m)) }
        return d
    }

    /// Throws `.separation` when fitted probabilities reach 0 or 1 on perfectly classified units,
    /// naming a covariate that separates the groups on its own when there is one.
    static func checkSeparation(
        y: [Double], mu: [Double], x: Matrix, names: [String], converged: Bool,
        iterations: Int, link: BinaryLink
    ) throws(RegressionError) {
        let eps = 10 * Double.ulpOfOne
        let extreme = mu.indices.filter { mu[$0] < eps || mu[$0] > 1 - eps }
        let perfect = extreme.allSatisfy { (mu[$0] > 0.5) == (y[$0] == 1) }
        if !extreme.isEmpty && perfect {
            var detail = "\(extreme.count) unit(s) have fitted probability 0 or 1, so the maximum likelihood estimate does not exist"
            if let name = separatingCovariate(y: y, x: x, names: names) { detail += "; '\(name)' alone separates the two groups" }
            detail += ". Remove or coarsen the separating covariate(s), or restrict to the region of overlap."
            throw .separation(detail: detail)
        }
        if !converged {
            throw .notConverged(
                method: "\(link.rawValue) regression", iterations: iterations,
                detail: "the deviance was still changing by more than \(tolerance) relative")
        }
    }

    /// A single covariate whose treated and control ranges do not overlap (or overlap only at one value).
    static func separatingCovariate(y: [Double], x: Matrix, names: [String]) -> String? {
        for j in 0..<x.columns where names[j] != "(Intercept)" {
            let c = x.column(j)
            let ones = c.indices.filter { y[$0] == 1 }.map { c[$0] }
            let zeros = c.indices.filter { y[$0] == 0 }.map { c[$0] }
            guard let a1 = ones.min(), let b1 = ones.max(), let a0 = zeros.min(), let b0 = zeros.max() else { continue }
            if b0 <= a1 || b1 <= a0 { return names[j] }
        }
        return nil
    }
}
