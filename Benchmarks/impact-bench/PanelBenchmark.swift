import EstimationCore
import Foundation
import LinearAlgebra
import Regression
import Tabular

/// Panel regression benchmarks (issue targets):
/// - `panel`: 1,000,000 rows, 5 covariates, absorbed factors of 20,000 and 10 levels, CR1 by the
///   20,000-level factor: under 0.35 s single-threaded and at least 3x faster than pyfixest's feols.
/// - `wild`: a WCR wild cluster bootstrap (Rademacher, 9,999 draws) with 50 clusters on 1,000,000
///   rows: under 0.5 s.
enum PanelBenchmark {
    static let n = 1_000_000, k = 5

    static func run(in directory: URL, peer: Bool) throws {
        let (table, raw) = data(levels: 20_000, second: 10)
        var spec = ModelSpecification(outcome: "y", covariates: (1...k).map { "x\($0)" }, cluster: "a", absorb: ["a", "b"])
        spec.dropSingletons = true
        var se = 0.0
        let seconds = try Timing.median(repeats: 5) {
            let fit = try LinearModel.fit(spec, table: table)
            se = try fit.covariance(.cr1).standardErrors[0]
        }
        print(String(format: "panel: SE(x1) CR1 %.6g", se))
        if ProcessInfo.processInfo.environment["IMPACT_BENCH_DETAIL"] != nil {
            var design: DesignMatrix? = nil
            let d = try Timing.median(repeats: 3) { design = try DesignMatrix(spec, table: table) }
            let f = try Timing.median(repeats: 3) { _ = try LinearModel.fit(design!) }
            let fit = try LinearModel.fit(design!)
            let v = try Timing.median(repeats: 3) { _ = try fit.covariance(.cr1) }
            print(String(format: "  design %.3f s, fit %.3f s, CR1 %.3f s", d, f, v))
        }
        let peerSeconds = peer ? try pyfixest("panel", raw: raw, in: directory) : nil
        Timing.report(
            "feols y ~ 5 x | 20,000 + 10 levels, CR1, n=1e6", seconds: seconds, target: 0.35,
            peerName: "pyfixest", peerSeconds: peerSeconds)
    }

    static func wild(in directory: URL, peer: Bool) throws {
        let (table, raw) = data(levels: 50, second: 10)
        let spec = ModelSpecification(outcome: "y", covariates: (1...k).map { "x\($0)" }, cluster: "a")
        let fit = try LinearModel.fit(spec, table: table)
        var p = 0.0
        let seconds = try Timing.median(repeats: 5) {
            p = try fit.wildClusterBootstrap("x1", .init(replications: 9999)).effect.pValue ?? .nan
        }
        print(String(format: "wild: WCR p(x1) %.4f", p))
        let peerSeconds = peer ? try pyfixest("wild", raw: raw, in: directory) : nil
        Timing.report(
            "wild cluster bootstrap (WCR, 9,999 draws, 50 clusters), n=1e6", seconds: seconds, target: 0.5,
            peerName: "pyfixest/wildboottest", peerSeconds: peerSeconds)
    }

    /// Writes the raw data for the peer and times `panel_pyfixest.py <kind>` on it.
    static func pyfixest(_ kind: String, raw: [Double], in directory: URL) throws -> Double? {
        let url = directory.appendingPathComponent("\(kind)_1e6.bin")
        try raw.withUnsafeBufferPointer { try Data(buffer: $0).write(to: url) }
        return Timing.peer("panel_pyfixest.py", [kind, url.path, "\(n)", "\(k)"])
    }

    /// Deterministic panel: factor a with `levels` levels, factor b with `second`, k covariates that
    /// depend on both, and y with both effects. Also the raw doubles (x columns, y, a, b) for the peer.
    static func data(levels: Int, second: Int) -> (Table, [Double]) {
        var rng = SplitMix64(seed: 11)
        func uniform() -> Double { rng.uniform() }
        let a = (0..<n).map { _ in Double(Int(uniform() * Double(levels))) }
        let b = (0..<n).map { _ in Double(Int(uniform() * Double(second))) }
        let effectA = (0..<levels).map { _ in uniform() - 0.5 }, effectB = (0..<second).map { _ in uniform() - 0.5 }
        var xs: [[Double]] = []
        for j in 0..<k {
            let slope = 0.1 * Double(j)
            xs.append((0..<n).map { i -> Double in 0.2 * effectA[Int(a[i])] + slope * effectB[Int(b[i])] + uniform() })
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s: Double = effectA[Int(a[i])] + effectB[Int(b[i])] + uniform()
            for j in 0..<k { s += 0.1 * Double(j + 1) * xs[j][i] }
            y[i] = s
        }
        var columns: [(String, Column)] = xs.enumerated().map { ("x\($0.offset + 1)", .numeric($0.element)) }
        columns += [("y", .numeric(y)), ("a", .numeric(a)), ("b", .numeric(b))]
        return (try! Table(columns), xs.flatMap { $0 } + y + a + b)
    }
}
