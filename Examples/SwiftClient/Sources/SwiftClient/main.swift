// Three analyses through the ImpactEval library, printed as JSON lines `{"name", "estimate", "standardError"}`:
// OLS with CR2 (Grunfeld), Callaway & Sant'Anna's simple ATT (mpdta) and a synthetic control (California).
// `client.yaml` describes the same analyses for `impact run`.
import Foundation
import ImpactEval

/// The repository's `Datasets/` folder, found from this file (Examples/SwiftClient/Sources/SwiftClient/main.swift).
let datasets = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Datasets")

func emit(_ name: String, _ e: Estimate) {
    let se = e.standardError.map { "\($0)" } ?? "null"
    print("{\"name\": \"\(name)\", \"estimate\": \(e.estimate), \"standardError\": \(se)}")
}

// 1. Investment on capital with firm and year effects; CR2 with Satterthwaite df, clustered by firm.
let grunfeld = try CSVReader.read(contentsOf: datasets.appendingPathComponent("grunfeld.csv"))
let ols = try LinearModel.fit(
    ModelSpecification(outcome: "inv", covariates: ["capital"], cluster: "firm", absorb: ["firm", "year"]), table: grunfeld)
emit("grunfeld-cr2", try ols.coefficientTable(.cr2)["capital"]!)

// 2. Staggered DiD (doubly robust, never-treated comparisons): the simple aggregation with analytic SEs.
let mpdta = try CSVReader.read(contentsOf: datasets.appendingPathComponent("mpdta.csv"))
let did = try CallawaySantAnna(CallawaySantAnna.Specification(outcome: "lemp", unit: "countyreal", time: "year", adoption: "first.treat"), table: mpdta)
emit("mpdta-did", try did.aggregate(.simple).overall)

// 3. California's Proposition 99: outcome-only weights on every pre-1989 year, the average post-period gap.
let smoking = try Panel(
    try CSVReader.read(contentsOf: datasets.appendingPathComponent("california_prop99_smoking.csv")), unit: "state", time: "year")
let problem = try SyntheticControlProblem(panel: smoking, outcome: "cigsale", treated: "California", treatmentTime: 1989, predictors: [])
let synth = try SyntheticControl.fit(problem, options: SyntheticControlOptions(predictorWeights: .outcomeOnly))
let post = problem.postPeriodIndices
emit("california", .point(post.reduce(0) { $0 + synth.gaps[$1] } / Double(post.count), level: 0.95))
