import Foundation
import TestSupport
import Testing

/// The numeric comparison helpers every suite relies on must not let a NaN or a short array pass.
@Suite("Test support: comparison helpers")
struct TestSupportTests {
    @Test("a NaN anywhere, or arrays of different lengths, give an infinite error")
    func nanAndLength() {
        let base = [1.0, 2, 3]
        for k in base.indices {
            var bad = base
            bad[k] = .nan
            #expect(maxRelativeError(bad, base) == .infinity && maxRelativeError(base, bad) == .infinity, "NaN at \(k)")
            #expect(maxAbsoluteDifference(bad, base) == .infinity && maxAbsoluteDifference(base, bad) == .infinity, "NaN at \(k)")
        }
        #expect(maxRelativeError([1, 2], base) == .infinity && maxAbsoluteDifference(base, [1, 2]) == .infinity)
        #expect(relativeError(.nan, 1) == .infinity && relativeError(1, .nan) == .infinity)
    }

    @Test("equal arrays (infinities included) give 0; the largest error is found wherever it stands")
    func values() {
        #expect(maxRelativeError([1, .infinity], [1, .infinity]) == 0 && maxAbsoluteDifference([-.infinity], [-.infinity]) == 0)
        #expect(maxAbsoluteDifference([1, 2, 3.5], [1, 2, 3]) == 0.5 && maxRelativeError([1, 2.2, 3], [1, 2, 3]) > 0.099)
        #expect(maxAbsoluteDifference([.infinity], [1]) == .infinity)
    }
}
