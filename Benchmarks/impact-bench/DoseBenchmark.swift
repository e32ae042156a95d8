import DoseResponse
import EstimationCore
import Foundation
import LinearAlgebra
import Matching
import Tabular

/// Dose–response: the issue's three targets, each on 2 threads.
/// - GPS (Hirano–Imbens) with 200 bootstrap draws on 20,000 simulated schools (5 covariates, 20 doses);
///   no peer runs here (R causaldrf and Stata doseresponse are not installable offline).
/// - Entropy balancing for a continuous dose, 20,000 units and 10 covariates; no peer (WeightIt is not installable here).
/// - DiD with a dose on Datasets/contdid_readme.csv (5,000 units × 4 periods) with 1,000 multiplier-bootstrap draws;
///   peers moderndid (Python) and R contdid, the faster reported.
enum DoseBenchmark {
    static func simulated(n: Int, covariates p: Int) -> DoseData {
        var rng = RNormalStream(seed: 42)
        var x = Matrix(rows: n, columns: p)
        var t = [Double](repeating: 0, count: n), y = t
        for i in 0..<n {
            var mean = 0.0, confounding = 0.0
            for j in 0..<p {
                let v = rng.normal()
                x[i, j] = v
                mean += 0.3 * v / Double(p).squareRoot()
                confounding += v / Double(p).squareRoot()
            }
            t[i] = mean + 0.8 * rng.normal()
            y[i] = 1 + 0.5 * t[i] - 0.3 * t[i] * t[i] + confounding + rng.normal()
        }
        return DoseData(dose: t, outcome: y, covariates: x)
    }

    static func run(peer: Bool) throws {
        let schools = simulated(n: 20_000, covariates: 5)
        var gps = GeneralizedPropensityScore.Specification()
        gps.replications = 200
        gps.threads = 2
        let gpsSeconds = try Timing.median(repeats: 3) { _ = try GeneralizedPropensityScore.estimate(schools, gps) }
        Timing.report(
            "dose: GPS, 20,000 schools, 200 bootstrap draws, 20 doses, 2 threads", seconds: gpsSeconds, target: 1, peerName: "causaldrf", peerSeconds: nil)

        let wide = simulated(n: 20_000, covariates: 10)
        var worst = 0.0
        let entropySeconds = try Timing.median(repeats: 5) {
            let w = try DoseWeighting.entropyWeights(wide)
            worst = Balance.doseTable(wide.balanceVariables, dose: wide.dose, weights: w).rows.map { abs($0.correlation) }.max() ?? .nan
        }
        print(String(format: "dose: entropy balancing, largest weighted correlation %.1e", worst))
        Timing.report(
            "dose: entropy balancing for a dose, 20,000 units x 10 covariates", seconds: entropySeconds, target: 0.1, peerName: "WeightIt",
            peerSeconds: nil)

        let url = Timing.dataset("contdid_readme.csv")
        let table = try CSVReader.read(contentsOf: url)
        var spec = ContinuousDiD.Specification(outcome: "Y", unit: "id", time: "time_period", adoption: "G", dose: "D")
        spec.replications = 1000
        spec.threads = 2
        var acrt = 0.0
        let didSeconds = try Timing.median(repeats: 3) { acrt = try ContinuousDiD.estimate(spec, table: table).overallACRT.estimate }
        print(String(format: "dose: DiD with a dose, overall ACRT %.4f", acrt))
        var peers: [(String, Double)] = []
        if peer {
            if let s = Timing.peer("contdid_moderndid.py", [url.path]) { peers.append(("moderndid", s)) }
            if let s = Timing.peer("contdid_r.R", [url.path], interpreter: "Rscript") { peers.append(("R contdid", s)) }
            for (name, s) in peers { print(String(format: "dose: peer %@ %.3f s", name, s)) }
        }
        let fastest = peers.min { $0.1 < $1.1 }
        Timing.report(
            "dose: DiD with a dose, 5,000 units x 4 periods, 1,000 bootstrap draws, 2 threads", seconds: didSeconds, target: 1,
            peerName: fastest?.0 ?? "moderndid / R contdid", peerSeconds: fastest?.1)
    }
}
