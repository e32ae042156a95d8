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

/// `|a − b| / max(|b|, floor)`.
public func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-300) -> Double {
    abs(a - b) / max(abs(b), floor)
}

/// The largest elementwise relative error between two arrays of equal length (infinite if lengths differ).
public func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { relativeError($0, $1, floor: floor) }.max() ?? 0
}

/// The largest elementwise absolute difference between two arrays of equal length (infinite if lengths differ).
public func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
