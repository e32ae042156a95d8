import EstimationCore
import Foundation
import StaggeredDiD
import Tabular

/// Staggered DiD: Callaway–Sant'Anna doubly robust ATT(g,t) on 100,000 units × 10 periods, four
/// cohorts and never-treated units, with analytic SEs and all four aggregations (target < 0.2 s) and
/// with a 1,000-draw multiplier bootstrap (target < 0.5 s), on 2 threads (BLAS single-threaded in each);
/// peer csdid on the same data.
enum DiDBenchmark {
    static let units = 100_000, periods = 10

    static func run(in directory: URL, peer: Bool) throws {
        let table = data()
        var spec = CallawaySantAnna.Specification(outcome: "y", unit: "unit", time: "time", adoption: "g")
        spec.threads = 2
        var simple = 0.0
        let analytic = try Timing.median(repeats: 3) {
            let cs = try CallawaySantAnna(spec, table: table)
            for kind in CallawaySantAnna.Aggregation.allCases { simple = try cs.aggregate(kind).overall.estimate }
        }
        let withBootstrap = try Timing.median(repeats: 3) {
            let cs = try CallawaySantAnna(spec, table: table)
            for kind in CallawaySantAnna.Aggregation.allCases { _ = try cs.aggregate(kind) }
            _ = CallawaySantAnna.multiplierBootstrap(cs.influence, clusters: nil, draws: 1000, level: 0.95, seed: 1, threads: 2)
        }
        print(String(format: "did: calendar aggregation %.5f", simple))
        if ProcessInfo.processInfo.environment["IMPACT_BENCH_DETAIL"] != nil {
            var cs: CallawaySantAnna? = nil
            let fit = try Timing.median(repeats: 3) { cs = try CallawaySantAnna(spec, table: table) }
            let agg = try Timing.median(repeats: 3) { for kind in CallawaySantAnna.Aggregation.allCases { _ = try cs!.aggregate(kind) } }
            print(String(format: "  ATT(g,t) %.3f s, aggregations %.3f s", fit, agg))
        }
        var peerAnalytic: Double?, peerBootstrap: Double?
        if peer {
            let url = directory.appendingPathComponent("did_1e5x10.csv")
            var csv = "unit,time,y,g\n"
            let u = try table.numeric("unit"), t = try table.numeric("time"), y = try table.numeric("y"), g = try table.numeric("g")
            for i in 0..<table.rowCount { csv += "\(Int(u[i])),\(Int(t[i])),\(y[i]),\(Int(g[i]))\n" }
            try csv.write(to: url, atomically: true, encoding: .utf8)
            peerAnalytic = Timing.peer("did_csdid.py", ["analytic", url.path])
            peerBootstrap = Timing.peer("did_csdid.py", ["bootstrap", url.path])
        }
        Timing.report(
            "Callaway–Sant'Anna DR, 1e5 units x 10 periods, analytic SEs + 4 aggregations, 2 threads", seconds: analytic, target: 0.2,
            peerName: "csdid", peerSeconds: peerAnalytic)
        Timing.report(
            "the same with a 1,000-draw multiplier bootstrap", seconds: withBootstrap, target: 0.5,
            peerName: "csdid", peerSeconds: peerBootstrap)
    }

    /// Cohorts first treated in periods 4, 5, 7 and 9 (20% each) and 20% never treated; unit and period
    /// effects and an effect that grows with exposure.
    static func data() -> Table {
        var rng = SplitMix64(seed: 5)
        var unit: [Double] = [], time: [Double] = [], y: [Double] = [], g: [Double] = []
        unit.reserveCapacity(units * periods)
        for i in 0..<units {
            let cohort: Double = [0, 4, 5, 7, 9][i % 5]
            let alpha = rng.uniform()
            for t in 1...periods {
                let effect = cohort > 0 && Double(t) >= cohort ? 0.1 * (Double(t) - cohort + 1) : 0
                unit.append(Double(i))
                time.append(Double(t))
                g.append(cohort)
                y.append(alpha + 0.05 * Double(t) + effect + rng.uniform() - 0.5)
            }
        }
        return try! Table([("unit", .numeric(unit)), ("time", .numeric(time)), ("y", .numeric(y)), ("g", .numeric(g))])
    }
}
