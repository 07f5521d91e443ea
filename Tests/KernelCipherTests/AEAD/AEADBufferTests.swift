import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The caller-buffer forms `encrypt(_:into:iv:associatedData:)` / `decrypt(_:into:…)`: same bytes as the
/// allocating forms, typed errors for a short buffer, and zeroed output when the tag does not verify.
@Suite struct AEADBufferTests {
    static let algorithms = ["gcm(aes)", "ccm(aes)", "rfc7539(chacha20,poly1305)", "rfc4106(gcm(aes))"]

    static func keyed(_ name: String) throws -> (AEADTransform, iv: [UInt8], ad: [UInt8]) {
        let tfm = try AEADTransform(name, engine: .software)
        var generator = SeededGenerator(state: 7)
        try tfm.setKey(randomBytes(tfm.keySizes!.last!, using: &generator))
        var iv = randomBytes(tfm.ivSize, using: &generator)
        if name == "ccm(aes)" { iv[0] = 3 }
        let ad = name.hasPrefix("rfc4106") ? randomBytes(8, using: &generator) : randomBytes(13, using: &generator)
        return (tfm, iv, ad)
    }

    @Test(arguments: algorithms, [0, 1, 16, 1000])
    func sameBytesAsTheAllocatingForms(name: String, length: Int) throws {
        let (tfm, iv, ad) = try Self.keyed(name)
        defer { tfm.release() }
        var generator = SeededGenerator(state: UInt64(length))
        let plaintext = randomBytes(length, using: &generator)
        let expected = try tfm.encrypt(plaintext, iv: iv, associatedData: ad)
        var sealed = [UInt8](repeating: 0xEE, count: length + tfm.tagSize + 5)
        let n = try plaintext.withUnsafeBytes { p in
            try iv.withUnsafeBytes { iv in
                try ad.withUnsafeBytes { ad in
                    try sealed.withUnsafeMutableBytes { try tfm.encrypt(p, into: $0, iv: iv, associatedData: ad) }
                }
            }
        }
        #expect(n == expected.count && Array(sealed[..<n]) == expected && sealed[n...].allSatisfy { $0 == 0xEE })
        var opened = [UInt8](repeating: 0xEE, count: length)
        let m = try expected.withUnsafeBytes { c in
            try iv.withUnsafeBytes { iv in
                try ad.withUnsafeBytes { ad in
                    try opened.withUnsafeMutableBytes { try tfm.decrypt(c, into: $0, iv: iv, associatedData: ad) }
                }
            }
        }
        #expect(m == length && opened == plaintext)
    }

    @Test(arguments: algorithms)
    func tamperedTagZeroesTheOutput(name: String) throws {
        let (tfm, iv, ad) = try Self.keyed(name)
        defer { tfm.release() }
        var sealed = try tfm.encrypt([UInt8](repeating: 0x41, count: 64), iv: iv, associatedData: ad)
        sealed[sealed.count - 1] ^= 1
        var opened = [UInt8](repeating: 0xEE, count: 64)
        #expect(throws: KernelCipherError.authenticationFailed) {
            _ = try sealed.withUnsafeBytes { c in
                try iv.withUnsafeBytes { iv in
                    try ad.withUnsafeBytes { ad in
                        try opened.withUnsafeMutableBytes { try tfm.decrypt(c, into: $0, iv: iv, associatedData: ad) }
                    }
                }
            }
        }
        #expect(opened.allSatisfy { $0 == 0 })
    }

    @Test func shortOutputIsATypedError() throws {
        let (tfm, iv, ad) = try Self.keyed("gcm(aes)")
        defer { tfm.release() }
        var output = [UInt8](repeating: 0, count: 16 + tfm.tagSize - 1)
        #expect(throws: KernelCipherError.outputTooSmall(length: 31, needed: 32)) {
            _ = try [UInt8](repeating: 1, count: 16).withUnsafeBytes { p in
                try iv.withUnsafeBytes { iv in
                    try ad.withUnsafeBytes { ad in
                        try output.withUnsafeMutableBytes { try tfm.encrypt(p, into: $0, iv: iv, associatedData: ad) }
                    }
                }
            }
        }
    }
}
