// swift-tools-version:6.1
//
// ImpactEval: statistics for impact evaluation.
//
// The module graph, bottom to top:
//
//   _CLAPACK          system library: OpenBLAS CBLAS + LAPACKE headers (internal)
//   LinearAlgebra     Matrix type, BLAS products, LAPACK factorisations, typed errors
//   Distributions     normal, Student t, chi-square, F: CDFs and quantiles
//   Tabular           columnar tables, CSV reader, panels
//   Regression        OLS/WLS, GLM, robust and cluster-robust variance
//   Plotting          SVG charts
//   ImpactRun         YAML configs, strict validation, runs, outputs and manifests
//   impact            the command-line tool (parses, calls ImpactRun, writes)
//
import PackageDescription

let package = Package(
    name: "ImpactEval",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ImpactEval", targets: [
            "LinearAlgebra", "Distributions", "Tabular", "Regression", "Matching", "SyntheticControl", "Plotting", "ImpactRun",
        ]),
        .executable(name: "impact", targets: ["impact"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "_CLAPACK",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapack-dev", "liblapacke-dev"])]
        ),
        .target(name: "LinearAlgebra", dependencies: ["_CLAPACK"]),
        .target(name: "Distributions"),
        .target(name: "Tabular", dependencies: ["LinearAlgebra"]),
        .target(name: "Regression", dependencies: ["LinearAlgebra", "Distributions", "Tabular"]),
        .target(name: "Matching", dependencies: ["LinearAlgebra", "Distributions", "Tabular", "Regression"]),
        .target(name: "SyntheticControl", dependencies: ["LinearAlgebra", "Distributions", "Tabular"]),
        .target(name: "Plotting"),
        .target(name: "ImpactRun", dependencies: [
            "LinearAlgebra", "Distributions", "Tabular", "Regression", "Matching", "SyntheticControl", "Plotting",
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "impact", dependencies: [
            "ImpactRun",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(
            name: "impact-bench",
            dependencies: ["LinearAlgebra", "Tabular", "Regression", "Matching", "SyntheticControl"],
            path: "Benchmarks/impact-bench"
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "Tabular", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DistributionsTests", dependencies: ["Distributions"], exclude: ["Fixtures"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "RegressionTests", dependencies: ["Regression", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "Regression", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SyntheticControlTests", dependencies: ["SyntheticControl", "Tabular", "LinearAlgebra", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ImpactRunTests", dependencies: ["ImpactRun", "Tabular", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
