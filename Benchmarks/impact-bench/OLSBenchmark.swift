import Foundation
import LinearAlgebra
import Regression

/// OLS with HC1 and CR1 standard errors, n = 1,000,000, k = 20 (target: under 0.5 s single-threaded,
/// and at least 3x faster than the faster of statsmodels and pyfixest on the same data).
enum OLSBenchmark {
    static let n = 1_000_000, k = 20, clusters = 1000

    static func run(in directory: URL, peer: Bool) throws {
        let (x, y, g) = data()
        let names = ["(Intercept)"] + (1..<k).map { "x\($0)" }
        var se1 = 0.0, se2 = 0.0
        let seconds = try Timing.median(repeats: 5) {
            let fit = try LinearModel.fit(y: y, x: x, names: names, clusters: g)
            se1 = try fit.covariance(.hc1).standardErrors[1]
            se2 = try fit.covariance(.cr1).standardErrors[1]
        }
        print(String(format: "ols: SE(x1) HC1 %.6g, CR1 %.6g", se1, se2))
        var peerSeconds: Double?
        var peerName = "statsmodels/pyfixest"
        if peer {
            let url = directory.appendingPathComponent("ols_1e6x20.bin")
            try write(url, x: x, y: y, g: g)
            let statsmodels = Timing.peer("ols_statsmodels.py", [url.path, "\(n)", "\(k)"])
            let pyfixest = Timing.peer("ols_pyfixest.py", [url.path, "\(n)", "\(k)"])
            if let s = statsmodels { print(String(format: "ols: statsmodels %.3f s", s)) }
            if let p = pyfixest { print(String(format: "ols: pyfixest %.3f s", p)) }
            // The ratio is against the faster peer.
            peerSeconds = [statsmodels, pyfixest].compactMap { $0 }.min()
            peerName = (pyfixest ?? .infinity) <= (statsmodels ?? .infinity) ? "pyfixest" : "statsmodels"
        }
        Timing.report(
            "ols + HC1 + CR1, n=1e6, k=20", seconds: seconds, target: 0.5,
            peerName: peerName, peerSeconds: peerSeconds)
    }

    /// Deterministic design: intercept + 19 correlated regressors, 1000 clusters with a cluster effect.
    static func data() -> (Matrix, [Double], [Int]) {
        var state: UInt64 = 7
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        var x = Matrix(rows: n, columns: k, repeating: 1)
        let g = (0..<n).map { $0 % clusters }
        let clusterEffect = (0..<clusters).map { _ in uniform() - 0.5 }
        var y = [Double](repeating: 0, count: n)
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                let common = uniform()
                for j in 1..<k { p[i + j * n] = 0.3 * common + uniform() }
            }
            for i in 0..<n {
                var s = clusterEffect[g[i]] + uniform()
                for j in 1..<k { s += Double(j) * 0.01 * p[i + j * n] }
                y[i] = s
            }
        }
        return (x, y, g)
    }

    /// Raw little-endian doubles: X column-major, then y, then cluster ids, for the peer.
    static func write(_ url: URL, x: Matrix, y: [Double], g: [Int]) throws {
        var data = Data()
        x.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        y.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        g.map(Double.init).withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        try data.write(to: url)
    }
}
