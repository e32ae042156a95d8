// impact-bench: timing benchmarks for ImpactEval, with the peer measured in the same run.
//
//   swift run -c release impact-bench [csv|ols|panel|wild|did|sensitivity|dose|match|mahalanobis|abadie-imbens|scale|match-scale|placebo-scale|validate|conformal|scpi|multisynth|synth|staggered|cost-effectiveness|all] [--no-peer]
//
// Each benchmark times the median of several runs with BLAS limited to one
// thread (OPENBLAS_NUM_THREADS=1 is also set for the peers), prints the
// target, and when Python with the peer package is installed runs the peer
// script in Benchmarks/peers on the same data and prints the ratio.
import Foundation
import LinearAlgebra
import SyntheticControlMethods

let usage =
    "usage: impact-bench [csv|ols|panel|wild|did|sensitivity|dose|match|mahalanobis|abadie-imbens|scale|match-scale|placebo-scale|validate|conformal|scpi|multisynth|synth|staggered|cost-effectiveness|all] [--no-peer]"
let arguments = Array(CommandLine.arguments.dropFirst())
// Internal: one staggered-SCM size measured in a child process of the `scale` job.
if arguments.first == "staggered-child", arguments.count == 3, let treated = Int(arguments[1]), let threads = Int(arguments[2]) {
    try SyntheticControlBenchmark.staggeredChild(treated: treated, threads: threads)
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage)
    exit(0)
}
let knownNames: Set<String> = [
    "csv", "ols", "panel", "wild", "did", "sensitivity", "dose", "match", "mahalanobis", "abadie-imbens", "scale", "match-scale", "placebo-scale", "validate",
    "conformal", "scpi",
    "multisynth",
    "synth",
    "staggered", "cost-effectiveness", "all"
]
for argument in arguments where argument != "--no-peer" && !knownNames.contains(argument) {
    FileHandle.standardError.write(Data("impact-bench: unknown argument '\(argument)'\n\(usage)\n".utf8))
    exit(2)
}
let runPeers = !arguments.contains("--no-peer")
let selected = Set(arguments.filter { !$0.hasPrefix("--") })
func wanted(_ name: String) -> Bool { selected.isEmpty || selected.contains("all") || selected.contains(name) }

setenv("OPENBLAS_NUM_THREADS", "1", 1)
BLASLibrary.setThreadCount(1)
print("ImpactEval benchmarks — BLAS: \(BLASLibrary.path) (\(BLASLibrary.coreName)), threads: \(BLASLibrary.threadCount)")

let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("impact-bench")
try? FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)

if wanted("csv") { try CSVBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("ols") { try OLSBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("panel") { try PanelBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("wild") { try PanelBenchmark.wild(in: workDirectory, peer: runPeers) }
if wanted("did") { try DiDBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("sensitivity") { try SensitivityBenchmark.run(peer: runPeers) }
if wanted("dose") { try DoseBenchmark.run(peer: runPeers) }
if wanted("match") { try MatchingBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("match") || selected.contains("mahalanobis") { try MatchingBenchmark.mahalanobis(in: workDirectory, peer: runPeers) }
if wanted("match") || selected.contains("abadie-imbens") { try MatchingBenchmark.abadieImbens(in: workDirectory) }
if selected.contains("scale") {
    try MatchingBenchmark.scale()
    try SyntheticControlBenchmark.staggeredScale()
    try SyntheticControlBenchmark.placeboScale()
}
if selected.contains("placebo-scale") { try SyntheticControlBenchmark.placeboScale() }
if selected.contains("match-scale") { try MatchingBenchmark.scale() }
if selected.contains("validate") { try ValidateBenchmark.run(in: workDirectory) }
if wanted("synth") { try SyntheticControlBenchmark.run(in: workDirectory, peer: runPeers) }
if wanted("synth") || selected.contains("conformal") { try SyntheticControlBenchmark.conformal() }
if wanted("synth") || selected.contains("scpi") { try SyntheticControlBenchmark.predictionIntervals(peer: runPeers) }
if wanted("synth") || selected.contains("multisynth") { try SyntheticControlBenchmark.multisynth() }
if wanted("staggered") { try SyntheticControlBenchmark.staggered() }
if wanted("cost-effectiveness") { try CostEffectivenessBenchmark.run() }
