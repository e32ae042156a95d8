import Foundation
import Testing

@testable import Distributions

/// One row of `Fixtures/distributions_mpmath.csv` (60-digit mpmath values; see
/// `Tests/Fixtures/Generators/distributions_mpmath.py`).
struct ReferenceRow: CustomStringConvertible {
    let distribution: String, p1: Double, p2: Double, function: String, x: Double, value: Double
    var description: String { "\(distribution)(\(p1), \(p2)).\(function)(\(x))" }

    static func load() throws -> [ReferenceRow] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/distributions_mpmath.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            return ReferenceRow(
                distribution: f[0], p1: Double(f[1])!, p2: Double(f[2])!, function: f[3],
                x: Double(f[4])!, value: Double(f[5])!)
        }
    }

    func evaluate() -> Double {
        let d: any ContinuousDistribution
        switch distribution {
        case "normal": d = Normal(mean: p1, standardDeviation: p2)
        case "t": d = StudentT(degreesOfFreedom: p1)
        case "chisq": d = ChiSquared(degreesOfFreedom: p1)
        case "f": d = FisherF(numeratorDegreesOfFreedom: p1, denominatorDegreesOfFreedom: p2)
        default: fatalError("unknown distribution \(distribution)")
        }
        switch function {
        case "cdf": return d.cdf(x)
        case "ccdf": return d.ccdf(x)
        case "quantile": return d.quantile(x)
        case "cquantile": return d.complementaryQuantile(x)
        default: fatalError("unknown function \(function)")
        }
    }
}

@Suite("Distributions against 60-digit mpmath references")
struct DistributionReferenceTests {
    static let rows = (try? ReferenceRow.load()) ?? []

    @Test("fixture loaded")
    func fixtureLoaded() {
        #expect(Self.rows.count > 600)
    }

    /// Probabilities to 1e-10 relative (p-values far in the tail included);
    /// values below 1e-300 are compared absolutely.
    @Test("CDF and complementary CDF", arguments: ["normal", "t", "chisq", "f"])
    func probabilities(distribution: String) {
        let rows = Self.rows.filter { $0.distribution == distribution && ($0.function == "cdf" || $0.function == "ccdf") }
        #expect(!rows.isEmpty)
        for row in rows {
            let got = row.evaluate()
            let err = row.value < 1e-300 ? abs(got - row.value) : abs(got - row.value) / row.value
            #expect(err <= 1e-10, "\(row): got \(got), expected \(row.value)")
        }
    }

    /// Quantiles to 1e-10 relative (absolute near zero).
    @Test("quantiles", arguments: ["normal", "t", "chisq", "f"])
    func quantiles(distribution: String) {
        let rows = Self.rows.filter { $0.distribution == distribution && $0.function.hasSuffix("quantile") }
        #expect(!rows.isEmpty)
        for row in rows {
            let got = row.evaluate()
            let err = abs(got - row.value) / max(abs(row.value), 1e-3)
            #expect(err <= 1e-10, "\(row): got \(got), expected \(row.value)")
        }
    }

    @Test("quantile inverts the CDF")
    func roundTrip() {
        let t = StudentT(degreesOfFreedom: 7)
        for p in [1e-12, 0.01, 0.3, 0.5, 0.9, 0.999] {
            #expect(abs(t.cdf(t.quantile(p)) - p) <= 1e-12 * max(p, 1e-3))
        }
        #expect(abs(StudentT(degreesOfFreedom: 24).quantile(0.975) - 2.0638985616280205) < 1e-12)
    }
}

@Suite("Special functions")
struct SpecialFunctionTests {
    @Test("logBeta agrees with lgamma for moderate arguments and stays accurate for large ones")
    func logBeta() {
        for (a, b) in [(12.0, 0.5), (30.0, 2.5), (11.0, 11.0)] {
            let direct = lgamma(a) + lgamma(b) - lgamma(a + b)
            #expect(abs(SpecialFunctions.logBeta(a, b) - direct) < 1e-12)
        }
        // log B(5e5, ½) = log Γ(½) + log Γ(5e5) − log Γ(5e5 + ½); reference from mpmath (60 digits).
        #expect(abs(SpecialFunctions.logBeta(500_000, 0.5) - (-5.9888164957774643)) < 1e-13)
    }
}
