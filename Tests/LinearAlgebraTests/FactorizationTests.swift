import Foundation
import Tabular
import TestSupport
import Testing

@testable import LinearAlgebra

/// numpy reference values on the NSW 445 covariate matrix (see `Tests/Fixtures/Generators/linear_algebra_numpy.py`).
struct NumpyReference: Decodable {
    let columns: [String]
    let singularValues: [Double]
    let gramEigenvalues: [Double]
    let leastSquares: [Double]
    let gramLogDeterminant: Double
    let gramInverseDiagonal: [Double]

    static let value: NumpyReference = try! JSONDecoder().decode(
        NumpyReference.self, from: Data(contentsOf: TestData.fixture("LinearAlgebraTests", "linear_algebra_numpy.json")))

    /// The design and outcome the reference was computed on.
    static func design() throws -> (Matrix, [Double]) {
        let t = try CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
        var cols = [[Double](repeating: 1, count: t.rowCount)]
        for name in value.columns.dropFirst() { cols.append(try t.numeric(name)) }
        return (Matrix(columns: cols), try t.numeric("re78"))
    }
}

@Suite("Factorisations against numpy on NSW covariates")
struct FactorizationReferenceTests {
    @Test("SVD singular values")
    func svd() throws {
        let (x, _) = try NumpyReference.design()
        let s = try x.svd()
        #expect(maxRelativeError(s.singularValues, NumpyReference.value.singularValues) < 1e-12)
        // U diag(s) Vᵀ reconstructs X.
        let rebuilt = s.u.scalingColumns(by: s.singularValues).multiplied(by: s.vt)
        #expect(zip(rebuilt.elements, x.elements).allSatisfy { abs($0 - $1) < 1e-9 * 600 })
    }

    @Test("symmetric eigenvalues of XᵀX, ascending, with orthonormal vectors")
    func eigen() throws {
        let (x, _) = try NumpyReference.design()
        let e = try x.gram().symmetricEigen()
        #expect(maxRelativeError(e.values, NumpyReference.value.gramEigenvalues) < 1e-9)
        let vtv = e.vectors.gram()
        #expect(zip(vtv.elements, Matrix.identity(9).elements).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("least squares by SVD, QR and streaming QR agree with numpy")
    func leastSquares() throws {
        let (x, y) = try NumpyReference.design()
        let expected = NumpyReference.value.leastSquares
        #expect(maxRelativeError(try x.leastSquares(y).solution, expected) < 1e-9)
        #expect(maxRelativeError(try x.qr().solve(y), expected) < 1e-9)
        for blockRows in [10, 64, 1000] {
            let r = try x.streamingQRFactor(appending: y, blockRows: blockRows)
            let k = x.columns
            var rk = Matrix(rows: k, columns: k)
            for j in 0..<k { for i in 0...j { rk[i, j] = r[i, j] } }
            let b = try rk.solvingUpperTriangular(Matrix(column: (0..<k).map { r[$0, k] })).elements
            #expect(maxRelativeError(b, expected) < 1e-9, "block rows \(blockRows)")
        }
    }

    @Test("Cholesky: log-determinant and inverse of XᵀX")
    func cholesky() throws {
        let (x, _) = try NumpyReference.design()
        let c = try x.gram().cholesky()
        #expect(relativeError(c.logDeterminant, NumpyReference.value.gramLogDeterminant) < 1e-12)
        #expect(maxRelativeError(try c.inverse().diagonal, NumpyReference.value.gramInverseDiagonal) < 1e-9)
        // LU inverse agrees.
        #expect(maxRelativeError(try x.gram().inverse().diagonal, NumpyReference.value.gramInverseDiagonal) < 1e-9)
    }

    @Test("blocked products equal the direct ones")
    func blocked() throws {
        let (x, y) = try NumpyReference.design()
        let s = y.map { abs($0) + 0.5 }
        let direct = x.scalingRows(by: s).gram()
        let streamed = x.gram(rowScale: s)
        #expect(maxRelativeError(streamed.elements, direct.elements, floor: 1e-8) < 1e-12)
        let m = try x.streamingQRFactor().upperTriangularInverse()
        let lev = x.rowSumsOfSquares(multipliedBy: m)
        #expect(abs(lev.reduce(0, +) - 9) < 1e-9) // trace of the hat matrix = k
        #expect(maxRelativeError(lev, x.multiplied(by: m).rowSumsOfSquares()) < 1e-12)
    }
}

@Suite("LAPACK errors are typed")
struct LAPACKErrorTests {
    @Test("Cholesky of an indefinite matrix names the failing minor")
    func notPositiveDefinite() {
        let a = Matrix(rows: 2, columns: 2, rowMajor: [1, 2, 2, 1])
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minorOrder: 2)) { try a.cholesky() }
    }

    @Test("solving with a singular matrix reports the zero pivot")
    func singular() {
        let a = Matrix(rows: 2, columns: 2, rowMajor: [1, 2, 2, 4])
        #expect(throws: LinearAlgebraError.singular(pivot: 2)) { try a.solve([1, 1]) }
    }

    @Test("NaN input is refused before LAPACK sees it")
    func nonFinite() {
        let a = Matrix(rows: 2, columns: 2, rowMajor: [1, .nan, 0, 1])
        #expect(throws: LinearAlgebraError.nonFiniteInput(operation: "svd")) { try a.svd() }
    }

    @Test("shape errors are reported, not trapped")
    func shapes() {
        let a = Matrix(rows: 2, columns: 3)
        #expect(throws: LinearAlgebraError.self) { try a.cholesky() }
        #expect(throws: LinearAlgebraError.self) { try a.qr() }
    }
}

@Suite("Matrix value semantics")
struct MatrixValueTests {
    @Test("copies are independent (copy-on-write)")
    func copyOnWrite() {
        var a = Matrix(rows: 2, columns: 2, rowMajor: [1, 2, 3, 4])
        let b = a
        a[0, 1] = 9
        #expect(b[0, 1] == 2 && a[0, 1] == 9)
        #expect(a.transposed[1, 0] == 9)
        #expect(Matrix(rows: 2, columns: 2, rowMajor: [1, 2, 3, 4]).elements == [1, 3, 2, 4]) // column-major
    }

    @Test("products by BLAS")
    func products() {
        let a = Matrix(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 2, rowMajor: [7, 8, 9, 10, 11, 12])
        #expect((a * b) == Matrix(rows: 2, columns: 2, rowMajor: [58, 64, 139, 154]))
        #expect(a.multiplied(by: [1, 1, 1]) == [6, 15])
        #expect(a.multiplied(by: [1, 1], transposingSelf: true) == [5, 7, 9])
        #expect(a.gram() == a.multiplied(by: a, transposingSelf: true))
        #expect(BLASLibrary.path.contains("blas"))
    }
}
