import Foundation
import KernelCipherTestSupport
import Testing
@_spi(Platform) @testable import KernelCipher

/// The four families speak one dialect (issue 20): caller-memory forms take an output of at least the size needed and
/// return the bytes written; requests of every keyed family run over caller memory; facts are public properties with
/// one key-size rule (nil: not restricted by this library).
@Suite("One API dialect across the families")
struct FamilyDialectTests {
    @Test func intoFormsReturnTheBytesWritten() throws {
        let cipher = try CipherTransform("ctr(aes)", engine: .software)
        let aead = try AEADTransform("gcm(aes)", engine: .software)
        let hash = try HashTransform("sha256", engine: .software)
        defer { cipher.release(); aead.release(); hash.release() }
        try cipher.setKey(randomBytes(16, seed: 1))
        try aead.setKey(randomBytes(16, seed: 2))
        let input = randomBytes(40, seed: 3), iv16 = randomBytes(16, seed: 4), iv12 = randomBytes(12, seed: 5)
        var output = [UInt8](repeating: 0xEE, count: 100)
        let written = try input.withUnsafeBytes { inp in
            try output.withUnsafeMutableBytes { out in
                (try cipher.encrypt(inp, into: out, iv: iv16),
                 try aead.encrypt(inp, into: out, iv: iv12.withUnsafeBytes { $0 }),
                 try hash.digest(inp, into: out))
            }
        }
        #expect(written.0 == 40 && written.1 == 56 && written.2 == 32)
        // The digest went to the start of the larger buffer; the rest is what the AEAD call left there.
        #expect(Array(output[..<32]) == (try hash.digest(input)))
        #expect(Array(output[32..<56]) == Array((try aead.encrypt(input, iv: iv12))[32..<56]))
        var small = [UInt8](repeating: 0, count: 31)
        #expect(throws: KernelCipherError.outputTooSmall(length: 31, needed: 32)) {
            _ = try input.withUnsafeBytes { inp in try small.withUnsafeMutableBytes { try hash.digest(inp, into: $0) } }
        }
    }

    @Test func aeadRequestsOverCallerMemory() throws {
        let aead = try AEADTransform("gcm(aes)", engine: .software)
        defer { aead.release() }
        try aead.setKey(randomBytes(32, seed: 6))
        let plain = randomBytes(1000, seed: 7), iv = randomBytes(12, seed: 8), ad = randomBytes(9, seed: 9)
        let expected = try aead.encrypt(plain, iv: iv, associatedData: ad)
        let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: expected.count + 7, alignment: 1)
        let opened = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count, alignment: 1)
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count, alignment: 1)
        defer { sealed.deallocate(); opened.deallocate(); input.deallocate() }
        input.copyBytes(from: plain)
        // A lock in a class (the library's LockedValue): a Mutex held in a local that escaping completions capture was
        // reported by ThreadSanitizer as a modifying access race on the captured variable.
        let results = LockedValue<[Result<[UInt8], KernelCipherError>]>([])
        func wait(for count: Int) { while results.withLock({ $0.count }) < count { sched_yield() } }
        try AEADRequest(transform: aead, input: UnsafeRawBufferPointer(input), output: sealed, iv: iv,
                        associatedData: ad, context: 0) { _, r in results.withLock { $0.append(r) } }.encrypt()
        wait(for: 1)
        #expect(Array(sealed[..<expected.count]) == expected)
        try AEADRequest(transform: aead, input: UnsafeRawBufferPointer(rebasing: sealed[..<expected.count]),
                        output: opened, iv: iv, associatedData: ad, context: 1) { _, r in
            results.withLock { $0.append(r) }
        }.decrypt()
        wait(for: 2)
        #expect(Array(opened) == plain)
        #expect(results.withLock { $0.allSatisfy { (try? $0.get()) == [] } })
        // A tag that does not verify: the completion gets .authenticationFailed and the output is zeroed.
        sealed[expected.count - 1] ^= 1
        try AEADRequest(transform: aead, input: UnsafeRawBufferPointer(rebasing: sealed[..<expected.count]),
                        output: opened, iv: iv, associatedData: ad, context: 2) { _, r in
            results.withLock { $0.append(r) }
        }.decrypt()
        wait(for: 3)
        #expect(results.withLock { $0[2] } == .failure(.authenticationFailed))
        #expect(opened.allSatisfy { $0 == 0 })
        // Too small an output is refused at submission; the completion is never called.
        #expect(throws: KernelCipherError.outputTooSmall(length: 10, needed: expected.count)) {
            try AEADRequest(transform: aead, input: UnsafeRawBufferPointer(input), output: UnsafeMutableRawBufferPointer(rebasing: sealed[..<10]),
                            iv: iv, associatedData: ad, context: 3) { _, r in results.withLock { $0.append(r) } }.encrypt()
        }
        #expect(results.withLock { $0.count } == 3)
    }

    @Test func factsArePublicWithOneKeySizeRule() throws {
        let cipher = try CipherTransform("xts(aes)", engine: .software)
        let gcm = try AEADTransform("gcm(aes)", tagSize: 12, engine: .software)
        let hmac = try HashTransform("hmac(sha256)", engine: .software)
        let cmac = try HashTransform("cmac(aes)", engine: .software)
        defer { cipher.release(); gcm.release(); hmac.release(); cmac.release() }
        #expect(cipher.keySizes == [32, 64])
        #expect(gcm.keySizes == [16, 24, 32] && gcm.properties.keySizes == gcm.keySizes)
        #expect(gcm.tagSize == 12 && gcm.properties.tagSize == 12 && gcm.tagSizes.contains(12) && gcm.tagSizes.contains(16))
        #expect(gcm.properties.ivSize == 12 && gcm.properties.maximumTagSize == 16)
        #expect(hmac.keySizes == nil && hmac.properties.isKeyed && hmac.properties.digestSize == 32)  // any length
        #expect(cmac.keySizes == [16, 24, 32])
        try gcm.setKey(randomBytes(32, seed: 1))
        #expect(gcm.properties.driver == gcm.driver && gcm.driver == "openssl:aes-256-gcm")
    }
}
