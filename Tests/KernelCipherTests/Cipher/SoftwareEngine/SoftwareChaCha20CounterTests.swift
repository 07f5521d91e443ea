import Testing
@testable import KernelCipher

@Suite("Software engine: chacha20 block counter wraps as in the kernel")
struct SoftwareChaCha20CounterTests {
    static let key = (0..<32).map { UInt8($0) }
    static let nonce: [UInt8] = [0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0]

    /// The reference block function against RFC 7539 §2.3.2 (counter 1).
    @Test func referenceMatchesRFC7539() {
        let block = ChaCha20Reference.block(key: Self.key, counter: 1, nonce: Self.nonce)
        let expected: [UInt8] = [
            0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
            0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
            0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
            0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
        ]
        #expect(block == expected)
    }

    /// One request across the 32-bit counter wrap equals independent single-block computations with the
    /// counter wrapped to 0 and the nonce unchanged (the kernel's chacha20; OpenSSL alone carries into the nonce).
    @Test(arguments: [UInt32(0xffff_ffff), 0xffff_fffe, 0xffff_fff0, 0, 1])
    func oneRequestAcrossTheWrap(counter: UInt32) throws {
        let tfm = try Conformance.makeTransform("chacha20", .software, key: Self.key)
        let iv = ChaCha20Reference.iv(counter: counter, nonce: Self.nonce)
        var encryptMismatches: [Int] = [], decryptMismatches: [Int] = []
        for length in 1...300 {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) }
            let expected = ChaCha20Reference.crypt(key: Self.key, iv: iv, plain)
            if try tfm.encrypt(plain, iv: iv) != expected { encryptMismatches.append(length) }
            if try tfm.decrypt(expected, iv: iv) != plain { decryptMismatches.append(length) }
        }
        #expect(encryptMismatches.isEmpty, "encrypt: \(encryptMismatches.count) of 300 lengths differ, first \(encryptMismatches.first ?? 0)")
        #expect(decryptMismatches.isEmpty, "decrypt: \(decryptMismatches.count) of 300 lengths differ, first \(decryptMismatches.first ?? 0)")
    }

    /// Caller buffers, in place, across the wrap: the split keeps the output where the input was.
    @Test func inPlaceAcrossTheWrap() throws {
        let tfm = try Conformance.makeTransform("chacha20", .software, key: Self.key)
        let iv = ChaCha20Reference.iv(counter: 0xffff_ffff, nonce: Self.nonce)
        let plain = (0..<200).map { UInt8(truncatingIfNeeded: $0) }
        var buffer = plain
        _ = try buffer.withUnsafeMutableBytes { bytes in
            try iv.withUnsafeBytes { try tfm.encrypt(UnsafeRawBufferPointer(bytes), into: bytes, iv: $0) }
        }
        #expect(buffer == ChaCha20Reference.crypt(key: Self.key, iv: iv, plain))
    }
}
