import Foundation
import LinearAlgebra
import StaggeredDiD

/// Sensitivity to parallel trends on the HonestDiD README's ehec event study (5 pre, 2 post
/// coefficients): relative-magnitudes sets at M̄ = 0.5, 1, 1.5, 2 (C-LF, 1,000-point grid) and
/// smoothness FLCIs at M = 0, 0.01, …, 0.05, on 2 threads; peer moderndid (its Python port; the
/// `honestdid` package fails on this input) on the same numbers.
enum SensitivityBenchmark {
    static func run(peer: Bool) throws {
        let url = Timing.benchmarksFolder.deletingLastPathComponent()
            .appendingPathComponent("Tests/StaggeredDiDTests/Fixtures/honestdid_ehec.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let beta = object["betahat"] as! [Double], sigma = object["sigma"] as! [[Double]]
        let s = try ParallelTrendsSensitivity(
            estimates: beta, covariance: Matrix(rows: beta.count, columns: beta.count, rowMajor: sigma.flatMap { $0 }), preperiods: 5)
        var upper = 0.0
        let seconds = try Timing.median(repeats: 3) {
            upper = try s.relativeMagnitudes([0.5, 1, 1.5, 2], threads: 2)[3].upper ?? .nan
            _ = try s.smoothness([0, 0.01, 0.02, 0.03, 0.04, 0.05])
        }
        print(String(format: "sensitivity: upper end at M̄ = 2 %.5f", upper))
        let peerSeconds = peer ? Timing.peer("honestdid_moderndid.py", [url.path]) : nil
        Timing.report(
            "HonestDiD on ehec: 4 relative-magnitudes sets + 6 smoothness FLCIs, 2 threads", seconds: seconds, target: 2,
            peerName: "moderndid", peerSeconds: peerSeconds)
    }
}
