import Foundation

/// Asks the kernel to back large buffers with 2 MB pages (Linux transparent huge pages in `madvise`
/// mode), so that filling a column of a million numbers takes a few page faults instead of thousands.
/// Only a hint: where it is not supported nothing changes.
enum HugePages {
    static let size = 2 << 20

    /// Advises the whole 2 MB pages inside `array`'s reserved storage.
    static func advise<Element>(_ array: inout [Element]) {
        let capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            advise(UnsafeMutableBufferPointer(start: buffer.baseAddress, count: capacity))
        }
    }

    /// Advises the whole 2 MB pages inside `buffer`.
    static func advise<Element>(_ buffer: UnsafeMutableBufferPointer<Element>) {
        #if os(Linux)
            let bytes = buffer.count * MemoryLayout<Element>.stride
            guard bytes >= 2 * size, let base = buffer.baseAddress else { return }
            let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
            let stop = (Int(bitPattern: base) + bytes) & ~(size - 1)
            if stop > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), stop - start, MADV_HUGEPAGE) }
        #endif
    }
}
