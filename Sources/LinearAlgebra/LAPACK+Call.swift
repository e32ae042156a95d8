import _CLAPACK

/// LAPACKE's integer type (`lapack_int`, a macro the importer does not see).
typealias LAPACKInt = Int32

/// The internal layer every LAPACK call goes through: it converts sizes to
/// LAPACK's integer type and turns `info` codes into typed errors.
enum LAPACK {
    /// `n` as a LAPACK integer, or `.tooLarge`.
    static func int(_ n: Int, _ operation: String) throws(LinearAlgebraError) -> LAPACKInt {
        guard n <= Int(LAPACKInt.max) else { throw .tooLarge(operation: operation, size: n) }
        return LAPACKInt(n)
    }

    /// Checks the `info` a LAPACKE routine returned.
    ///
    /// - Parameters:
    ///   - routine: the routine's name, used in messages.
    ///   - info: LAPACKE's return value.
    ///   - positive: what a positive `info` means for this routine.
    static func check(
        _ routine: String, _ info: LAPACKInt, positive: (Int) -> LinearAlgebraError
    ) throws(LinearAlgebraError) {
        if info < 0 { throw .illegalArgument(routine: routine, position: -Int(info)) }
        if info > 0 { throw positive(Int(info)) }
    }
}

/// BLAS row/column flags, named.
enum BLAS {
    static let colMajor = CblasColMajor
    static func trans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }
}
