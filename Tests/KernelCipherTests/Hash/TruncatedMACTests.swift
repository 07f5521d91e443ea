import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `isValidTruncatedAuthenticationCode`: RFC 4231 test case 5 (HMAC truncated to 128 bits), constant-time prefix
/// compare, and the 4-byte minimum; run on the software engine here and on the kernel engine in the VMs.
enum TruncatedMACChecks {
    /// RFC 4231 §4.6, test case 5: key 0x0c × 20, data "Test With Truncation", output truncated to 128 bits.
    static let case5: [(String, String)] = [
        ("hmac(sha224)", "0e2aea68a90c8d37c988bcdb9fca6fa8"),
        ("hmac(sha256)", "a3b6167473100ee06e0c796c2955552b"),
        ("hmac(sha384)", "3abf34c3503b2a23a46efc619baef897"),
        ("hmac(sha512)", "415fad6271580a531d4179bc891d87a6"),
    ]
    static let key = [UInt8](repeating: 0x0c, count: 20)
    static let data = Array("Test With Truncation".utf8)

    static func run(_ engine: EnginePreference, skip: (String) -> Bool = { _ in false }) throws {
        for (name, hex) in case5 where !skip(name) {
            let mac = try HashTransform(name, engine: engine)
            try mac.setKey(key)
            let tag = Hex.decode(hex)
            #expect(try mac.isValidTruncatedAuthenticationCode(tag, for: data), "\(name)")
            // The full-length compare refuses the truncated tag: that is why the truncated form exists.
            #expect(try !mac.isValidAuthenticationCode(tag, for: data), "\(name)")
            // Every bit of the tag matters, the last byte too.
            for index in [0, 7, 15] {
                var bad = tag
                bad[index] ^= 0x01
                #expect(try !mac.isValidTruncatedAuthenticationCode(bad, for: data), "\(name) byte \(index)")
            }
            #expect(try !mac.isValidTruncatedAuthenticationCode(tag, for: data + [0]), "\(name) other data")
            // The full digest and the 4-byte minimum are accepted; 3 bytes and digestSize + 1 are refused by name.
            let full = try mac.digest(data)
            #expect(try mac.isValidTruncatedAuthenticationCode(full, for: data))
            #expect(try mac.isValidTruncatedAuthenticationCode(full[..<4], for: data))
            for count in [0, 3, mac.digestSize + 1] {
                let short = [UInt8](repeating: 0, count: count)
                #expect(throws: KernelCipherError.invalidTagLength(count, allowed: Array(4...mac.digestSize))) {
                    try mac.isValidTruncatedAuthenticationCode(short, for: data)
                }
            }
        }
    }
}

@Suite("Hash: truncated MAC verification (software)")
struct TruncatedMACTests {
    @Test func rfc4231Case5Software() throws { try TruncatedMACChecks.run(.software) }
}

@Suite(.requiresAFALG) struct AFALGTruncatedMACTests {
    @Test func rfc4231Case5Kernel() throws {
        try requireAFALG()
        try TruncatedMACChecks.run(.kernel, skip: AFALGHashTests.refused)
    }
}
