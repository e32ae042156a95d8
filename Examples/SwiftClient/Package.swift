// swift-tools-version:6.1
//
// A Swift package that uses ImpactEval as a library, the way another project would: it depends only on
// the `ImpactEval` product (no config layer, no YAML, no ReadStat) and runs three analyses on data
// bundled with ImpactEval. `Scripts/check_swift_client.sh` runs it and `impact run client.yaml` and
// checks that both print the same numbers.
import PackageDescription

let package = Package(
    name: "SwiftClient",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "ImpactEval", path: "../..")],
    targets: [
        .executableTarget(name: "SwiftClient", dependencies: [.product(name: "ImpactEval", package: "ImpactEval")])
    ]
)
