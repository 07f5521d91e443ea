import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `CipherStream` on the kernel engine: the software engine's bytes across request boundaries, the split at
/// `maximumRequestSize`, padding errors, and a whole-message mode at the kernel's one-request limit. A handful of
/// cases: this runs under emulation (TCG) in CI.
@Suite("AF_ALG kernel engine: CipherStream", .requiresAFALG)
struct AFALGCipherStreamTests {
    static let cases = [
        CipherStreamConformance.Case(algorithm: "cbc(aes)", keySize: 16, padding: .pkcs7),
        .init(algorithm: "ctr(aes)", keySize: 32, padding: .none),
        .init(algorithm: "ecb(aes)", keySize: 32, padding: .pkcs7),
    ]

    @Test(arguments: cases) func matchesSoftware(c: CipherStreamConformance.Case) throws {
        try requireAFALG()
        try CipherStreamConformance.matchesSoftware(c, engine: .kernel, sizes: [0, 17, 4099], maxPiece: 700)
    }

    /// The kernel takes at most 64 KiB of chacha20 per request (it does not chain the counter across AF_ALG
    /// chunks): a 200 KiB piece runs as several requests with the counter carried. Where 7.3's level-1 allowlist
    /// refuses chacha20 (to every process), that refusal is asserted instead.
    @Test func splitsAtTheRequestLimit() throws {
        try requireAFALG()
        if KernelExpectation.refusedByPolicy("chacha20", .kernel) { return }
        let chacha = try CipherTransform("chacha20", engine: .kernel)
        defer { chacha.release() }
        #expect(chacha.maximumRequestSize == 64 << 10)
        try CipherStreamConformance.matchesSoftware(
            .init(algorithm: "chacha20", keySize: 32, padding: .none), engine: .kernel,
            sizes: [200 << 10 | 5], maxPiece: 300 << 10)
    }

    @Test func paddingErrors() throws {
        try requireAFALG()
        try CipherStreamConformance.paddingErrors(engine: .kernel)
    }

    /// xts cannot carry its tweak: the stream holds the message, runs it as one request at `finish`, and refuses
    /// past the kernel's 64 KiB.
    @Test func wholeMessageAtTheKernelLimit() throws {
        try requireAFALG()
        try CipherStreamConformance.matchesSoftware(
            .init(algorithm: "xts(aes)", keySize: 32, padding: .none), engine: .kernel, sizes: [16, 64 << 10],
            maxPiece: 5000)
        let xts = try CipherTransform("xts(aes)", engine: .kernel)
        defer { xts.release() }
        try xts.setKey(randomBytes(32, seed: 5))
        var stream = try xts.makeStream(.encrypt, iv: [UInt8](repeating: 0, count: 16), padding: .none)
        #expect(try stream.update([UInt8](repeating: 1, count: 64 << 10)).isEmpty)
        let error = CipherStreamConformance.updateError(&stream, [1])
        guard case .inputTooLarge(_, let limit, let reason) = error else {
            Issue.record("expected .inputTooLarge, got \(String(describing: error))")
            return
        }
        #expect(limit == 64 << 10)
        #expect(reason.contains("xts(aes) is processed as one request"))
    }
}
