import Foundation
import _CCrypto

/// SHA-256 fingerprints (FIPS 180-4) of the inputs and outputs that manifests record.
///
/// From the system's OpenSSL `libcrypto` (Debian's `libssl-dev`), through its EVP interface, which uses
/// the processor's SHA instructions where it has them (about 2 GB/s on this project's machines). The
/// digests are checked on the FIPS 180-4 vectors.
public enum Fingerprint {
    /// The lower-case hex SHA-256 digest of `data`.
    public static func sha256(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { bytes in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only when the library cannot allocate its context: nothing to hash with.
        precondition(ok == 1 && length == 32, "OpenSSL's SHA-256 failed")
        return hex(digest)
    }

    /// The lower-case hex SHA-256 digest of `text` encoded as UTF-8.
    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }

    static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
