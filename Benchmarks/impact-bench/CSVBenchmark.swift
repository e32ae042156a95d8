import Foundation
import Tabular

/// Reading 1,000,000 rows x 10 numeric columns on the machine's threads, against the faster of
/// polars.read_csv (multi-threaded) and pandas.read_csv (target: polars' time in the same run).
enum CSVBenchmark {
    static func run(in directory: URL, peer: Bool) throws {
        let url = directory.appendingPathComponent("bench_1e6x10.csv")
        if !FileManager.default.fileExists(atPath: url.path) { try write(url, rows: 1_000_000, columns: 10) }
        var rows = 0
        let seconds = try Timing.median(repeats: 7) {
            let t = try CSVReader.read(contentsOf: url)
            rows = t.rowCount
        }
        precondition(rows == 1_000_000)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        print("csv: \(size / 1_000_000) MB file")
        var peers: [(String, Double)] = []
        if peer {
            if let s = Timing.peer("csv_polars.py", [url.path]) { peers.append(("polars.read_csv", s)) }
            if let s = Timing.peer("csv_pandas.py", [url.path]) { peers.append(("pandas.read_csv", s)) }
            for (name, s) in peers { print(String(format: "csv: peer %@ %.3f s", name, s)) }
        }
        let fastest = peers.min { $0.1 < $1.1 }
        Timing.report(
            "csv read 1e6 x 10", seconds: seconds, target: peers.first { $0.0.hasPrefix("polars") }?.1 ?? 0.1,
            peerName: fastest?.0 ?? "polars / pandas", peerSeconds: fastest?.1)
    }

    /// Deterministic data: mixed magnitudes with 6-10 significant digits, as real extracts have.
    static func write(_ url: URL, rows: Int, columns: Int) throws {
        var state: UInt64 = 20_261_124
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var text = (0..<columns).map { "x\($0)" }.joined(separator: ",") + "\n"
        text.reserveCapacity(rows * columns * 11)
        for _ in 0..<rows {
            for c in 0..<columns {
                let u = Double(next() >> 11) * 0x1p-53
                let v: Double = c % 3 == 0 ? (u * 100).rounded() : (c % 3 == 1 ? u * 1000 - 500 : u)
                text += c % 3 == 0 ? String(Int(v)) : String(format: "%.6f", v)
                text += c == columns - 1 ? "\n" : ","
            }
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
