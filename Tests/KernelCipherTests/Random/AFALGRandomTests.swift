#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// The kernel random generator (algif_rng) on every kernel of the matrix. What each kernel offers (observed):
/// 6.1 and 6.12 bind `stdrng` (a DRBG), every `drbg_*`, `jitterentropy_rng` and `ansi_cprng`; 7.2 and 7.3 bind
/// only `jitterentropy_rng` (the others are "not found"); under `af_alg_restrict=1` (7.3) no rng is allowed.
@Suite(.requiresAFALG, .serialized)
struct AFALGRandomTests {
    static let drbgs = ["stdrng", "drbg_nopr_hmac_sha256", "drbg_pr_hmac_sha256", "drbg_nopr_sha256",
                        "drbg_nopr_ctr_aes128", "drbg_pr_ctr_aes256"]
    static let names = drbgs + ["jitterentropy_rng"]

    /// A kernel generator for `name`, or nil after asserting the outcome this kernel and policy must give instead.
    static func kernelGenerator(_ name: String) -> RandomTransform? {
        if name != "jitterentropy_rng" && !KernelExpectation.asyncDriversReachable {
            #expect(throws: KernelCipherError.algorithmNotFound(name, engine: .kernel)) {
                try RandomTransform(name, engine: .kernel)
            }
            return nil
        }
        if KernelExpectation.refusedByPolicy(name, .kernel, type: .rng, allocate: { name throws(KernelCipherError) in
            _ = try RandomTransform(name, engine: .kernel)
        }) { return nil }
        do {
            let rng = try RandomTransform(name, engine: .kernel)
            #expect(rng.engine == .kernel)
            return rng
        } catch {
            Issue.record("\(name): \(error)")
            return nil
        }
    }

    @Test(arguments: names)
    func generatesRightAfterCreationAtEveryLength(name: String) throws {
        guard let rng = Self.kernelGenerator(name) else { return }
        // Longer counts loop over 128-byte reads; the 1 MiB case only once (8192 reads) to keep the VM run short.
        let lengths = name == "stdrng" ? [0, 1, 127, 128, 129, 1 << 20] : [0, 1, 128, 129]
        for count in lengths {
            let bytes = try rng.generate(count: count)
            #expect(bytes.count == count, "\(name) \(count)")
            if count >= 32 { #expect(bytes.contains { $0 != 0 }, "\(name) \(count)") }
        }
        #expect(throws: KernelCipherError.inputTooShort(length: -1, minimum: 0)) { try rng.generate(count: -1) }
    }

    @Test(arguments: drbgs)
    func outputsDifferEvenWithTheSameSeed(name: String) throws {
        // 7.2+ has no DRBG through AF_ALG: each name's "not found" is asserted by the test above, once (explaining
        // an ENOENT under af_alg_restrict=1 reads the module lists, seconds per call under TCG).
        guard KernelExpectation.asyncDriversReachable else { return }
        guard let a = Self.kernelGenerator(name), let b = Self.kernelGenerator(name) else { return }
        let seed = [UInt8](repeating: 0x5a, count: 32)
        try a.seed(seed)
        try b.seed(seed)
        // The seed is the DRBG's personalization string; its entropy comes from the kernel.
        let outputs = try [a.generate(count: 32), a.generate(count: 32), b.generate(count: 32)]
        #expect(Set(outputs).count == 3)
    }

    @Test func reseedsBetweenReadsOnTheSameGenerator() throws {
        guard let rng = Self.kernelGenerator("drbg_nopr_hmac_sha256") else { return }
        for round in 0..<3 {
            #expect(try rng.generate(count: 200).count == 200)
            try rng.seed([UInt8](repeating: UInt8(round), count: round * 16))  // 0, 16, 32 bytes: any length
        }
        #expect(try rng.generate(count: 1).count == 1)
    }

    @Test func ansiCprngWantsItsSeedSize() throws {
        guard KernelExpectation.asyncDriversReachable else {
            #expect(throws: KernelCipherError.algorithmNotFound("ansi_cprng", engine: .kernel)) {
                try RandomTransform("ansi_cprng", engine: .kernel)
            }
            return
        }
        guard let rng = Self.kernelGenerator("ansi_cprng") else { return }
        #expect(rng.seedSize == 48)
        #expect(try rng.generate(count: 129).count == 129)  // seeded with 48 getrandom bytes when made
        #expect {
            try rng.seed([UInt8](repeating: 1, count: 31))  // cprng_reset: key (16) + V (16) at least
        } throws: { error in
            guard case .keyRejected(let reason) = error as? KernelCipherError else { return false }
            return reason.contains("31 bytes") && reason.contains("48")
        }
        #expect(throws: KernelCipherError.self) { try rng.seed([UInt8]()) }
        try rng.seed([UInt8](repeating: 1, count: 32))
        try rng.seed([UInt8](repeating: 1, count: 48))
        #expect(try rng.generate(count: 16).count == 16)
    }

    /// Debian's configs leave CONFIG_CRYPTO_USER_API_RNG_CAVP unset: ALG_SET_DRBG_ENTROPY is ENOPROTOOPT on every
    /// kernel of the matrix, so no known-answer test runs through the kernel.
    @Test func drbgTestEntropyIsNotOffered() throws {
        let name = KernelExpectation.asyncDriversReachable ? "drbg_nopr_hmac_sha256" : "jitterentropy_rng"
        guard let rng = Self.kernelGenerator(name) else { return }
        #expect(throws: KernelCipherError.kernel(
            operation: "setsockopt(ALG_SET_DRBG_ENTROPY)", errno: Errno(rawValue: ENOPROTOOPT)
        )) { try rng.setEntropy([UInt8](repeating: 7, count: 32)) }
        #expect(try rng.generate(count: 8).count == 8)
    }

    @Test func stdrngIsADRBGAndAutomaticExplainsItsChoice() throws {
        let automatic = try RandomTransform()
        if let rng = Self.kernelGenerator("stdrng") {
            #expect(rng.driver.hasPrefix("drbg_") && rng.seedSize == 0)
            #expect(RandomTransform.isAvailable("stdrng", engine: .kernel))
            #expect(automatic.engine == .kernel && automatic.selection.reason == "binds through AF_ALG")
        } else {
            #expect(!RandomTransform.isAvailable("stdrng", engine: .kernel))
            #expect(automatic.engine == .software && automatic.driver == "openssl:RAND_bytes")
        }
    }

    @Test func asyncAndConcurrentCallsShareOneGenerator() async throws {
        // jitterentropy_rng (all 7.2+ offers) makes a few KiB/s under TCG: smaller counts there.
        let name = KernelExpectation.asyncDriversReachable ? "stdrng" : "jitterentropy_rng"
        let step = name == "stdrng" ? 1000 : 50
        guard let rng = Self.kernelGenerator(name) else { return }
        let large = rng.asyncInlineLimit + 1  // runs on the generator's worker thread
        #expect(try await rng.generate(count: large).count == large)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 { group.addTask { try await rng.generate(count: 100 + i * step).count } }
            group.addTask { try rng.seed([UInt8]()); return -1 }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == [-1] + (0..<8).map { 100 + $0 * step })
        rng.release()
        #expect(throws: KernelCipherError.transformReleased) { try rng.generate(count: 1) }
    }
}
