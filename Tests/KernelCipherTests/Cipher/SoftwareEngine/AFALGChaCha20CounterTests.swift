import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The kernel's chacha20 against the software engine and the RFC 7539 reference where the 32-bit block counter
/// wraps inside one request (the kernel wraps to 0 and keeps the nonce).
@Suite("AF_ALG differential: chacha20 counter wrap", .requiresAFALG, .serialized)
struct AFALGChaCha20CounterTests {
    @Test(arguments: [UInt32(0xffff_ffff), 0xffff_fffe])
    func kernelMatchesSoftwareAcrossTheWrap(counter: UInt32) throws {
        try requireAFALG()
        // 7.3 at af_alg_restrict=1 refuses chacha20 to every process: that refusal is the asserted outcome there.
        if KernelExpectation.refusedByPolicy("chacha20", .kernel) { return }
        let key = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) }
        let nonce = (0..<12).map { UInt8(0xA0 + $0) }
        let iv = ChaCha20Reference.iv(counter: counter, nonce: nonce)
        let kernel = try Conformance.makeTransform("chacha20", .kernel, key: key)
        let software = try Conformance.makeTransform("chacha20", .software, key: key)
        var differ: [Int] = [], notReference: [Int] = []
        for length in 1...300 {
            let plain = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ length) }
            let k = try kernel.encrypt(plain, iv: iv)
            if k != (try software.encrypt(plain, iv: iv)) { differ.append(length) }
            if k != ChaCha20Reference.crypt(key: key, iv: iv, plain) { notReference.append(length) }
            #expect(try kernel.decrypt(k, iv: iv) == plain)
        }
        #expect(differ.isEmpty, "kernel != software for \(differ.count) of 300 lengths, first \(differ.first ?? 0)")
        #expect(notReference.isEmpty, "kernel != reference for \(notReference.count) lengths, first \(notReference.first ?? 0)")
        print("AFALG-CHACHA counter \(String(counter, radix: 16)): lengths 1…300, kernel == software == reference (driver \(kernel.driver))")
    }
}
