// swift-tools-version:6.1
//
// ImpactEval: statistics for impact evaluation.
//
// The module graph, bottom to top (no module depends on one below it in this list's later lines):
//
//   _CLAPACK                 system library: OpenBLAS CBLAS + LAPACKE headers (internal)
//   _CZlib                   system library: zlib, for gzip-compressed data files (internal)
//   _CReadStat               system library: ReadStat, for Stata/SPSS/SAS data files (internal)
//   _CCrypto                 system library: OpenSSL libcrypto, SHA-256 for manifests (internal)
//   LinearAlgebra            Matrix type, BLAS products, LAPACK factorisations, typed errors
//   Distributions            normal, Student t, chi-square, F: CDFs and quantiles
//   EstimationCore           Estimate/Inference vocabulary, parallel map with per-task seeds,
//                            SplitMix64, Nelder–Mead, weighted statistics, linear programs, R's normal stream
//   Tabular                  columnar tables, CSV reader, panels, adoption times
//   StatisticalFiles         Stata, SPSS and SAS data files through ReadStat (its own product)
//   Regression               OLS/WLS, GLM, robust and cluster-robust variance
//   Matching                 propensity scores, matching, weighting, balance, Abadie–Imbens
//   StaggeredDiD             Callaway–Sant'Anna group-time effects, aggregations, multiplier bootstrap,
//                            imputation estimator, sensitivity to parallel trends (HonestDiD)
//   SyntheticControlMethods  synthetic control, augmented SCM, synthetic DiD, staggered SCM
//   DoseResponse             continuous doses: GPS, weighting, doubly robust curves, DiD with a dose
//   EconomicEvaluation       cost-effectiveness: QALYs from waves, incremental analysis, net-benefit
//                            regression, probabilistic sensitivity (acceptability, EVPI)
//   Plotting                 SVG charts
//   Reporting                report model (text, tables, figures) and its Markdown/CSV renderers
//   ImpactEval               umbrella: re-exports the statistics above (no ReadStat, no configs)
//   ImpactRun                YAML configs, the method registry, runs, outputs and manifests
//   impact                   the command-line tool (parses, calls ImpactRun, writes)
//
import PackageDescription

// CI builds with IMPACTEVAL_STRICT=1: every warning in this package's own targets is an error
// (dependencies are compiled with warnings suppressed, as SwiftPM always does).
let strict: [SwiftSetting] = Context.environment["IMPACTEVAL_STRICT"] == "1" ? [.unsafeFlags(["-warnings-as-errors"])] : []

let package = Package(
    name: "ImpactEval",
    platforms: [.macOS(.v13)],
    products: [
        // The statistics: estimators, tables and CSV, reports and plots. Pulls in no config layer, YAML,
        // ReadStat or OpenSSL; needs OpenBLAS/LAPACK and zlib.
        .library(name: "ImpactEval", targets: ["ImpactEval"]),
        // Stata/SPSS/SAS files into ImpactEval tables (needs ReadStat).
        .library(name: "ImpactEvalStatisticalFiles", targets: ["StatisticalFiles"]),
        // What `impact` runs: configs, the method registry, outputs and manifests.
        .library(name: "ImpactRun", targets: ["ImpactRun"]),
        .executable(name: "impact", targets: ["impact"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2")
    ],
    targets: [
        .systemLibrary(
            name: "_CLAPACK",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapack-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "_CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "_CReadStat", providers: [.apt(["libreadstat-dev"])]),
        .systemLibrary(name: "_CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .target(name: "LinearAlgebra", dependencies: ["_CLAPACK"]),
        .target(name: "Distributions"),
        .target(name: "EstimationCore", dependencies: ["LinearAlgebra", "Distributions"]),
        .target(name: "Tabular", dependencies: ["LinearAlgebra", "EstimationCore", "_CZlib"]),
        .target(name: "StatisticalFiles", dependencies: ["Tabular", "_CReadStat"]),
        .target(name: "Regression", dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular"]),
        .target(name: "Matching", dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression"]),
        .target(name: "StaggeredDiD", dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression"]),
        .target(name: "SyntheticControlMethods", dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression"]),
        .target(
            name: "DoseResponse",
            dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression", "Matching", "StaggeredDiD"]),
        .target(name: "EconomicEvaluation", dependencies: ["LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression"]),
        .target(name: "Plotting"),
        .target(name: "Reporting", dependencies: ["EstimationCore", "Tabular"]),
        .target(
            name: "ImpactRun",
            dependencies: [
                "LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "StatisticalFiles", "Regression", "Matching",
                "SyntheticControlMethods", "StaggeredDiD", "DoseResponse", "EconomicEvaluation", "Plotting", "Reporting",
                "_CCrypto",
                .product(name: "Yams", package: "Yams")
            ]),
        .target(
            name: "ImpactEval",
            dependencies: [
                "LinearAlgebra", "Distributions", "EstimationCore", "Tabular", "Regression", "Matching", "SyntheticControlMethods",
                "StaggeredDiD", "DoseResponse", "EconomicEvaluation", "Plotting", "Reporting"
            ]),
        .executableTarget(
            name: "impact",
            dependencies: [
                "ImpactRun",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        .executableTarget(
            name: "impact-bench",
            dependencies: [
                "LinearAlgebra", "EstimationCore", "Tabular", "Regression", "Matching", "StaggeredDiD", "SyntheticControlMethods", "DoseResponse",
                "EconomicEvaluation", "ImpactRun"
            ],
            path: "Benchmarks/impact-bench"
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "Tabular", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DistributionsTests", dependencies: ["Distributions"], exclude: ["Fixtures"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "StatisticalFiles", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RegressionTests", dependencies: ["Regression", "EstimationCore", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "MatchingTests", dependencies: ["Matching", "EstimationCore", "Regression", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "SyntheticControlTests", dependencies: ["SyntheticControlMethods", "EstimationCore", "Tabular", "LinearAlgebra", "TestSupport"],
            exclude: ["Fixtures"]),
        // `impact` too: the command-line tests run the built executable, which must be this build's.
        .testTarget(name: "ImpactRunTests", dependencies: ["ImpactRun", "Reporting", "Tabular", "TestSupport", "impact"], exclude: ["Fixtures"]),
        .testTarget(name: "EstimationCoreTests", dependencies: ["EstimationCore"]),
        .testTarget(
            name: "EconomicEvaluationTests", dependencies: ["EconomicEvaluation", "Regression", "EstimationCore", "Tabular", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "StaggeredDiDTests", dependencies: ["StaggeredDiD", "Regression", "EstimationCore", "Tabular", "LinearAlgebra", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "DoseResponseTests",
            dependencies: ["DoseResponse", "Matching", "StaggeredDiD", "EstimationCore", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        // The public API as a user sees it: `import ImpactEval`, no @testable.
        .testTarget(name: "PublicAPITests", dependencies: ["ImpactEval", "ImpactRun", "TestSupport"])
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
