import Foundation
import Matching
import Tabular

/// 1:1 nearest-neighbour propensity-score matching with a 0.2 SD caliper on 100,000 units
/// (about 10,000 treated), including the logistic fit (target: under 1 s). Peer: R MatchIt.
enum MatchingBenchmark {
    static let n = 100_000, p = 10

    static func run(in directory: URL, peer: Bool) throws {
        let url = directory.appendingPathComponent("match_1e5.csv")
        let table = try data(writingTo: url)
        let covariates = (0..<p).map { "x\($0)" }
        let spec = MatchingSpecification(treatment: "treat", covariates: covariates, caliper: 0.2)
        var matched = 0
        let seconds = try Timing.median(repeats: 5) {
            let m = try NearestNeighborMatching.match(table, spec)
            matched = m.matchedTreatedCount
        }
        let treated = try table.numeric("treat").reduce(0, +)
        print("match: \(Int(treated)) treated, \(matched) matched within the caliper")
        Timing.report(
            "1:1 NN PS matching + caliper, n=1e5", seconds: seconds, target: 1.0,
            peerName: "R MatchIt", peerSeconds: peer ? Timing.peer("match_matchit.R", [url.path], interpreter: "Rscript") : nil)
    }

    /// 1:1 nearest-neighbour matching on the Mahalanobis distance of the 10 covariates (no propensity
    /// score), 100,000 units, about 10% treated (target: under 1 s). Peer: R MatchIt (`distance = "mahalanobis"`).
    static func mahalanobis(in directory: URL, peer: Bool) throws {
        let url = directory.appendingPathComponent("match_1e5.csv")
        let table = try data(writingTo: url)
        let covariates = (0..<p).map { "x\($0)" }
        var spec = MatchingSpecification(treatment: "treat", covariates: [], mahalanobis: covariates, usePropensityScore: false)
        spec.threads = ProcessInfo.processInfo.activeProcessorCount
        var matched = 0
        let seconds = try Timing.median(repeats: 3) { matched = try NearestNeighborMatching.match(table, spec).matchedTreatedCount }
        print("match: Mahalanobis, \(matched) treated matched")
        Timing.report(
            "1:1 NN Mahalanobis matching, 10 covariates, n=1e5", seconds: seconds, target: 1.0,
            peerName: "R MatchIt", peerSeconds: peer ? Timing.peer("match_mahalanobis_matchit.R", [url.path], interpreter: "Rscript") : nil)
    }

    /// Abadie–Imbens matching estimator (ATE, M = 1, bias adjustment, 4 within-group matches for the
    /// heteroskedastic variance) on 100,000 units with 3 covariates (target: under 2 s); `x9` serves as
    /// the outcome. No peer at this size (R Matching's scan is quadratic).
    static func abadieImbens(in directory: URL) throws {
        let url = directory.appendingPathComponent("match_1e5.csv")
        let table = try data(writingTo: url)
        var spec = AbadieImbens.Specification(outcome: "x9", treatment: "treat", covariates: ["x0", "x1", "x2"])
        spec.biasAdjustment = true
        spec.varianceMatches = 4
        var estimate = 0.0
        let seconds = try Timing.median(repeats: 3) { estimate = try AbadieImbens.estimate(table, spec).effect.estimate }
        print(String(format: "abadie-imbens: ATE %.5f", estimate))
        Timing.report(
            "Abadie–Imbens ATE, M = 1, bias-adjusted, 4 variance matches, 3 covariates, n=1e5", seconds: seconds, target: 2.0,
            peerName: "R Matching", peerSeconds: nil)
    }

    /// Deterministic covariates (approximately normal) and a logistic treatment with ~10% treated.
    static func data(writingTo url: URL?, units n: Int = n) throws -> Table {
        var state: UInt64 = 424_242
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) * 0x1p-53
        }
        var columns = (0..<p).map { _ in [Double](repeating: 0, count: n) }
        var treat = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var eta = -2.45
            for j in 0..<p {
                // Box-Muller normal, rounded to 4 decimals as real extracts are.
                let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
                columns[j][i] = (z * 10_000).rounded() / 10_000
                eta += (j % 2 == 0 ? 0.3 : -0.2) * columns[j][i]
            }
            treat[i] = uniform() < 1 / (1 + exp(-eta)) ? 1 : 0
        }
        var table = Table(rowCount: n)
        try table.addColumn("treat", .numeric(treat))
        for j in 0..<p { try table.addColumn("x\(j)", .numeric(columns[j])) }
        if let url, !FileManager.default.fileExists(atPath: url.path) {
            var text = "treat," + (0..<p).map { "x\($0)" }.joined(separator: ",") + "\n"
            for i in 0..<n { text += String(Int(treat[i])) + "," + (0..<p).map { "\(columns[$0][i])" }.joined(separator: ",") + "\n" }
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return table
    }

    /// The `scale` job: Abadie–Imbens (3 covariates, bias-adjusted, 4 variance matches) and Mahalanobis
    /// matching (10 covariates) at n = 10,000, 30,000 and 100,000 (the first rows of the same stream),
    /// each the faster of two runs, with the growth exponent log(t₂/t₁)/log(n₂/n₁) between sizes.
    static func scale() throws {
        let sizes = [10_000, 30_000, 100_000]
        let full = try data(writingTo: nil, units: sizes.last!)
        var ai = AbadieImbens.Specification(outcome: "x9", treatment: "treat", covariates: ["x0", "x1", "x2"])
        ai.biasAdjustment = true
        ai.varianceMatches = 4
        var mahalanobis = MatchingSpecification(treatment: "treat", covariates: [], mahalanobis: (0..<p).map { "x\($0)" }, usePropensityScore: false)
        mahalanobis.threads = ProcessInfo.processInfo.activeProcessorCount
        let jobs: [(String, (Table) throws -> Void)] = [
            ("abadie-imbens", { _ = try AbadieImbens.estimate($0, ai) }),
            ("mahalanobis", { _ = try NearestNeighborMatching.match($0, mahalanobis) })
        ]
        for (name, job) in jobs {
            var previous: (n: Int, t: Double)?, first: (n: Int, t: Double)?
            for size in sizes {
                let table = full.selectingRows(Array(0..<size))
                let t = try Timing.median(repeats: 1) { try job(table) }
                var line = String(format: "scale: %@ n = %d: %.3f s", name, size, t)
                if let (n0, t0) = previous { line += String(format: " (exponent %.2f)", log(t / t0) / log(Double(size) / Double(n0))) }
                print(line)
                previous = (size, t)
                if first == nil { first = (size, t) }
            }
            if let (n0, t0) = first, let (n1, t1) = previous {
                print(String(format: "scale: %@ growth exponent from n = %d to %d: %.2f", name, n0, n1, log(t1 / t0) / log(Double(n1) / Double(n0))))
            }
        }
    }
}
