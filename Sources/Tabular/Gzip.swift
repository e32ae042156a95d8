import Foundation
import _CZlib

/// Decompression of gzip data (RFC 1952) through zlib, for `.csv.gz` files.
enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed bytes of every gzip member in `data` (concatenated members are allowed, as gunzip does).
    ///
    /// - Throws: a message naming zlib's error when the data are truncated or corrupt.
    static func decompress(_ data: Data) throws(CSVError) -> Data {
        var output = Data()
        output.reserveCapacity(data.count * 4)
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .cannotRead(source: "", reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        let failure: String? = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> String? in
            let input = raw.bindMemory(to: UInt8.self)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                }
                if status == Z_STREAM_END {
                    // Another member may follow.
                    if stream.avail_in == 0 { return nil }
                    inflateReset(&stream)
                    continue
                }
                if status != Z_OK {
                    return status == Z_BUF_ERROR ? "the compressed data end early (truncated file?)" : "corrupt gzip data (zlib error \(status))"
                }
                if stream.avail_in == 0 && stream.avail_out != 0 { return "the compressed data end early (truncated file?)" }
            }
        }
        if let failure { throw .cannotRead(source: "", reason: failure) }
        return output
    }
}
