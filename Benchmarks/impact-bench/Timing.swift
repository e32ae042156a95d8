import Foundation

/// Wall-clock timing helpers for the benchmarks.
enum Timing {
    /// Median seconds of `repeats` runs of `body` (after one warm-up run); with `BENCH_TIMES` set in the
    /// environment every run's time is printed too, to judge the spread.
    static func median(repeats: Int = 5, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        if ProcessInfo.processInfo.environment["BENCH_TIMES"] != nil { print(times.map { String(format: "%.3f", $0) }) }
        return times.sorted()[times.count / 2]
    }

    /// `Benchmarks/` in the source tree.
    static let benchmarksFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// A bundled data set, `Datasets/<name>`.
    static func dataset(_ name: String) -> URL {
        benchmarksFolder.deletingLastPathComponent().appendingPathComponent("Datasets").appendingPathComponent(name)
    }

    /// Runs `Benchmarks/peers/<script>` with `arguments`; returns the seconds it prints on its last line, or nil.
    static func peer(_ script: String, _ arguments: [String], interpreter: String = "python3") -> Double? {
        let path = benchmarksFolder.appendingPathComponent("peers").appendingPathComponent(script).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, path] + arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { env[key] = "1" }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last
        else { return nil }
        return Double(last.trimmingCharacters(in: .whitespaces))
    }

    /// Prints one result line with the target and, when measured, the peer ratio.
    static func report(_ name: String, seconds: Double, target: Double, peerName: String, peerSeconds: Double?) {
        let status = seconds <= target ? "meets" : "MISSES"
        var line = String(format: "%@: %.3f s (target %.2f s: %@)", name, seconds, target, status)
        if let p = peerSeconds {
            line += String(format: "; %@ %.3f s; ratio %.1fx", peerName, p, p / seconds)
        } else {
            line += "; \(peerName) not available"
        }
        print(line)
    }
}
