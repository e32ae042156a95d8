import Foundation

/// A dense matrix of `Double` stored in column-major order.
///
/// `Matrix` is a value type: its elements live in a copy-on-write array, so
/// copies are cheap until one of them is mutated. Element `(i, j)` is stored
/// at offset `i + j * rows`, the layout BLAS and LAPACK expect, so a matrix is
/// passed to them without copying or transposing.
///
/// ```swift
/// var x = Matrix(rows: 2, columns: 2, rowMajor: [1, 2,
///                                                 3, 4])
/// x[1, 0] = 5
/// let g = x.gram()          // XᵀX via BLAS dsyrk
/// ```
public struct Matrix: Sendable, Hashable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// Storage: the elements in column-major order.
    @usableFromInline internal var storage: [Double]

    /// Elements in column-major order (`rows * columns` of them).
    @inlinable public var elements: [Double] { storage }

    /// A `rows x columns` matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix that adopts `elements`, given in column-major order.
    public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(
            elements.count == rows * columns,
            "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// A matrix from elements listed row by row (convenient for literals in tests).
    public init(rows: Int, columns: Int, rowMajor values: [Double]) {
        precondition(
            values.count == rows * columns,
            "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(values.count)")
        var e = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { e[i + j * rows] = values[i * columns + j] }
        }
        self.init(rows: rows, columns: columns, columnMajor: e)
    }

    /// A matrix whose columns are the given arrays, which must all have the same length.
    public init(columns: [[Double]]) {
        let n = columns.first?.count ?? 0
        var e = [Double]()
        e.reserveCapacity(n * columns.count)
        for c in columns {
            precondition(c.count == n, "All columns must have the same length")
            e.append(contentsOf: c)
        }
        self.init(rows: n, columns: columns.count, columnMajor: e)
    }

    /// A single-column matrix holding `vector`.
    public init(column vector: [Double]) {
        self.init(rows: vector.count, columns: 1, columnMajor: vector)
    }

    /// The `n x n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal and zeros elsewhere.
    public init(diagonal: [Double]) {
        let n = diagonal.count
        self.init(rows: n, columns: n)
        for i in 0..<n { storage[i + i * n] = diagonal[i] }
    }

    /// The element in row `i`, column `j`.
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range")
            return storage[i + j * rows]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix index (\(i), \(j)) out of range")
            storage[i + j * rows] = newValue
        }
    }

    /// True when the matrix has as many rows as columns.
    public var isSquare: Bool { rows == columns }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Column \(j) out of range")
        return Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    /// Replaces column `j`.
    public mutating func setColumn(_ j: Int, to values: [Double]) {
        precondition(values.count == rows, "Column needs \(rows) values")
        storage.replaceSubrange((j * rows)..<((j + 1) * rows), with: values)
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { elements[i + $0 * rows] }
    }

    /// The main diagonal.
    public var diagonal: [Double] {
        (0..<Swift.min(rows, columns)).map { elements[$0 + $0 * rows] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        elements.withUnsafeBufferPointer { src in
            t.storage.withUnsafeMutableBufferPointer { dst in
                for j in 0..<columns {
                    for i in 0..<rows { dst[j + i * columns] = src[i + j * rows] }
                }
            }
        }
        return t
    }

    /// The columns at `indices`, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var e = [Double]()
        e.reserveCapacity(rows * indices.count)
        for j in indices { e.append(contentsOf: elements[(j * rows)..<((j + 1) * rows)]) }
        return Matrix(rows: rows, columns: indices.count, columnMajor: e)
    }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: indices.count, columns: columns)
        for j in 0..<columns {
            for (r, i) in indices.enumerated() { m.storage[r + j * indices.count] = elements[i + j * rows] }
        }
        return m
    }

    /// Calls `body` with the column-major elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable access to the column-major elements (copying first if shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// True when every element is finite (no NaN or infinity).
    public var isFinite: Bool { elements.allSatisfy { $0.isFinite } }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var lines: [String] = []
        for i in 0..<Swift.min(rows, 12) {
            let r = (0..<Swift.min(columns, 8)).map { j in
                let v = self[i, j]
                return String(format: "%12.6g", v)
            }.joined(separator: " ")
            lines.append(r + (columns > 8 ? " ..." : ""))
        }
        if rows > 12 { lines.append("... (\(rows) rows)") }
        return "Matrix \(rows)x\(columns)\n" + lines.joined(separator: "\n")
    }
}
