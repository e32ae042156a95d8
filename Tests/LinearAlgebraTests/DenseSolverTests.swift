import Foundation
import TestSupport
import Testing

@testable import LinearAlgebra

/// A deterministic matrix with entries in (−1, 1) from a 64-bit linear congruential generator
/// (Knuth's MMIX constants), plus `diagonalShift` on the diagonal of a square one.
private func pseudoRandomMatrix(rows: Int, columns: Int, seed: UInt64, diagonalShift: Double = 0) -> Matrix {
    var state = seed
    var m = Matrix(rows: rows, columns: columns)
    for j in 0..<columns {
        for i in 0..<rows {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            m[i, j] = Double(state >> 11) / Double(1 << 53) * 2 - 1 + (i == j ? diagonalShift : 0)
        }
    }
    return m
}

/// The largest |xᵢ − yᵢ| relative to the largest |yᵢ|.
private func normwiseError(_ x: [Double], _ y: [Double]) -> Double {
    maxAbsoluteDifference(x, y) / max(y.map(abs).max() ?? 0, .leastNormalMagnitude)
}

/// The dense inner-loop solver against the LAPACK routines behind `Matrix`: below
/// `DenseSolver.unblockedLimit` columns it runs its own unblocked kernels (the same algorithms as
/// `dgetf2`, `dgeqr2`, `dpotf2`), above it LAPACK, so sizes either side of the limit are checked.
@Suite("Dense solver kernels against LAPACK")
struct DenseSolverTests {
    static let sizes = [1, 2, 8, 25, DenseSolver.unblockedLimit - 1, DenseSolver.unblockedLimit, DenseSolver.unblockedLimit + 1]

    @Test("LU solve of XᵀX on the NSW covariates and of random systems either side of the limit")
    func luSolve() throws {
        let (x, y) = try NumpyReference.design()
        var systems = [(x.gram(), x.multiplied(by: y, transposingSelf: true))]
        for (index, n) in Self.sizes.enumerated() {
            let a = pseudoRandomMatrix(rows: n, columns: n, seed: UInt64(100 + index))
            systems.append((a, a.multiplied(by: [Double](repeating: 1, count: n))))
        }
        for (a, b) in systems {
            let n = a.rows
            let expected = try a.solve(b)
            var factors = a.elements, solution = b
            var pivots = [Int32](repeating: 0, count: n)
            let ok = DenseSolver.solveInPlace(&factors, &solution, n: n, pivots: &pivots)
            #expect(ok)
            // Both solve a system whose condition number (up to 1e9 for XᵀX) bounds the forward error.
            #expect(normwiseError(solution, expected) < 1e-6, "n = \(n)")
            // The residual is at rounding level relative to ‖A‖‖x‖ whatever the conditioning.
            let residual = zip(a.multiplied(by: solution), b).map { $0 - $1 }
            let scale = (a.elements.map(abs).max() ?? 1) * (solution.map(abs).max() ?? 1) * Double(n)
            #expect((residual.map(abs).max() ?? 0) <= 1e-13 * scale, "n = \(n)")
        }
    }

    @Test("LU solve reports an exactly singular matrix, as dgesv's positive info")
    func luSingular() {
        for n in [2, 5, DenseSolver.unblockedLimit + 3] {
            var a = pseudoRandomMatrix(rows: n, columns: n, seed: 7)
            for j in 0..<n { a[n / 2, j] = 0 }
            var factors = a.elements, b = [Double](repeating: 1, count: n)
            var pivots = [Int32](repeating: 0, count: n)
            #expect(!DenseSolver.solveInPlace(&factors, &b, n: n, pivots: &pivots), "n = \(n)")
        }
    }

    @Test("Householder QR: the same packed factors and reflectors as dgeqrf; Q applied without forming it")
    func householderQR() throws {
        let (nsw, y) = try NumpyReference.design()
        var cases = [(nsw, y)]
        // The placebo loop's shapes: k free donors by m predictors, k > m.
        for (index, m) in Self.sizes.enumerated() {
            let k = m + 7
            let a = pseudoRandomMatrix(rows: k, columns: m, seed: UInt64(200 + index))
            cases.append((a, pseudoRandomMatrix(rows: k, columns: 1, seed: UInt64(300 + index)).elements))
        }
        for (a, b) in cases {
            let k = a.rows, m = a.columns
            let reference = try a.qr()
            var packed = a.elements
            var tau = [Double](repeating: 0, count: m)
            let count = DenseSolver.householderWorkspaceCount(rows: k, columns: m)
            var work = [Double](repeating: 0, count: count)
            #expect(DenseSolver.householderQRInPlace(&packed, rows: k, columns: m, tau: &tau, work: &work, workCount: count))
            // R column by column relative to its column's norm (NSW's columns differ by 1e4 in scale);
            // the reflectors below the diagonal and τ to the same relative accuracy.
            for j in 0..<m {
                let column = Array(packed[(j * k)..<((j + 1) * k)])
                let expected = reference.packed.column(j)
                #expect(normwiseError(column, expected) < 1e-11, "column \(j) of \(k) x \(m)")
            }
            #expect(normwiseError(tau, reference.tau) < 1e-11, "\(k) x \(m)")
            // Qᵀb as dormqr, and Q(Qᵀb) back to b.
            var qtb = b
            DenseSolver.applyHouseholderQ(&packed, rows: k, reflectors: m, tau: tau, to: &qtb, transposed: true)
            let expected = try reference.multiplyingByQTransposed(Matrix(column: b)).elements
            #expect(normwiseError(qtb, expected) < 1e-11, "\(k) x \(m)")
            var back = qtb
            DenseSolver.applyHouseholderQ(&packed, rows: k, reflectors: m, tau: tau, to: &back, transposed: false)
            #expect(normwiseError(back, b) < 1e-13, "\(k) x \(m)")
        }
    }

    @Test("Householder QR refuses a non-finite entry instead of returning NaN factors")
    func householderQRNonFinite() {
        for m in [3, DenseSolver.unblockedLimit] {
            var a = pseudoRandomMatrix(rows: m + 4, columns: m, seed: 11).elements
            a[2] = .nan
            var tau = [Double](repeating: 0, count: m)
            let count = DenseSolver.householderWorkspaceCount(rows: m + 4, columns: m)
            var work = [Double](repeating: 0, count: count)
            #expect(!DenseSolver.householderQRInPlace(&a, rows: m + 4, columns: m, tau: &tau, work: &work, workCount: count))
        }
    }

    @Test("Cholesky factor and solve as dpotrf/dpotrs; a matrix that is not positive definite is reported")
    func cholesky() throws {
        let (x, y) = try NumpyReference.design()
        var systems = [(x.gram(), x.multiplied(by: y, transposingSelf: true))]
        for (index, n) in Self.sizes.enumerated() {
            let g = pseudoRandomMatrix(rows: n + 3, columns: n, seed: UInt64(400 + index)).gram()
            systems.append((g, [Double](repeating: 1, count: n)))
        }
        for (a, b) in systems {
            let n = a.rows
            let reference = try a.cholesky()
            var u = a.elements
            #expect(DenseSolver.choleskyInPlace(&u, n: n))
            for j in 0..<n {
                let column = (0...j).map { u[$0 + j * n] }
                let expected = (0...j).map { reference.upper[$0, j] }
                #expect(normwiseError(column, expected) < 1e-12, "column \(j) of \(n)")
            }
            var solution = b
            #expect(DenseSolver.choleskySolveInPlace(&u, n: n, &solution))
            #expect(normwiseError(solution, try reference.solve(b)) < 1e-6, "n = \(n)")
        }
        for n in [3, DenseSolver.unblockedLimit, DenseSolver.unblockedLimit + 1] {
            var a = pseudoRandomMatrix(rows: n + 3, columns: n, seed: 13).gram()
            a[n - 1, n - 1] = -1
            var u = a.elements
            #expect(!DenseSolver.choleskyInPlace(&u, n: n), "n = \(n)")
        }
    }

    @Test("the norm neither overflows nor underflows at the ends of the exponent range")
    func normScaling() {
        for magnitude in [1e-200, 1e-160, 1.0, 1e160, 1e200] {
            let x = [3 * magnitude, 4 * magnitude, 0, 12 * magnitude]
            let n = x.withUnsafeBufferPointer { DenseSolver.norm($0.baseAddress!, 4) }
            #expect(abs(n / (13 * magnitude) - 1) < 4 * Double.ulpOfOne, "\(magnitude)")
        }
        let zero = [0.0, 0, 0]
        #expect(zero.withUnsafeBufferPointer { DenseSolver.norm($0.baseAddress!, 3) } == 0)
    }
}
