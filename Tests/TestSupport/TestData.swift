import Foundation

/// Locations of the bundled data sets and test fixtures, found from this source file
/// so that tests run from any working directory of a fresh clone.
public enum TestData {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file in `Datasets/`.
    public static func dataset(_ name: String) -> URL {
        root.appendingPathComponent("Datasets").appendingPathComponent(name)
    }

    /// A file in `Tests/<Target>/Fixtures/`.
    public static func fixture(_ target: String, _ name: String) -> URL {
        root.appendingPathComponent("Tests").appendingPathComponent(target)
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// A file in `Examples/`.
    public static func example(_ name: String) -> URL {
        root.appendingPathComponent("Examples").appendingPathComponent(name)
    }

    /// A fresh, empty temporary directory.
    public static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("impacteval-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// `|a − b| / max(|b|, floor)`; infinite when either is NaN (so a comparison `< tolerance` fails).
public func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-300) -> Double {
    if a.isNaN || b.isNaN { return .infinity }
    if a == b { return 0 } // equal infinities too
    return abs(a - b) / max(abs(b), floor)
}

/// The largest elementwise relative error between two arrays: infinite if their lengths differ or a NaN
/// stands anywhere in either (`Array.max()` skips a NaN after the first element, so it is checked here).
public func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) { worst = Swift.max(worst, relativeError(x, y, floor: floor)) }
    return worst
}

/// The largest elementwise absolute difference between two arrays: infinite if their lengths differ or
/// a NaN stands anywhere in either.
public func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN { return .infinity }
        if x != y { worst = Swift.max(worst, abs(x - y)) }
    }
    return worst
}
