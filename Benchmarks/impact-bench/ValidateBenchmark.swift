import Foundation
import ImpactRun
import Tabular

/// `impact validate`'s work on a large extract: reading, checking and fingerprinting a
/// 4,000,000-row x 10 CSV (about 290 MB) for a config with one regression on it.
enum ValidateBenchmark {
    static func run(in directory: URL) throws {
        let url = directory.appendingPathComponent("bench_4e6x10.csv")
        if !FileManager.default.fileExists(atPath: url.path) { try CSVBenchmark.write(url, rows: 4_000_000, columns: 10) }
        let configText = """
            data:
              extract: { path: \(url.path) }
            analyses:
              - name: fit
                method: ols
                data: extract
                outcome: x1
                covariates: [x2, x3]
            """
        let config = try ConfigLoader.parse(text: configText, path: directory.appendingPathComponent("validate.yaml").path)
        var rows = 0
        let seconds = try Timing.median(repeats: 3) {
            rows = try DataLoader.load(config)["extract"]!.table.rowCount
        }
        precondition(rows == 4_000_000)
        let bytes = try Data(contentsOf: url, options: .alwaysMapped)
        let hashSeconds = Timing.median(repeats: 3) { _ = Fingerprint.sha256(bytes) }
        print(String(format: "validate: of which SHA-256 of the %d MB file %.3f s", bytes.count / 1_000_000, hashSeconds))
        Timing.report(
            "validate 4e6 x 10 CSV (read, check, SHA-256)", seconds: seconds, target: 2.2, peerName: "the same before issue 13", peerSeconds: nil)
    }
}
