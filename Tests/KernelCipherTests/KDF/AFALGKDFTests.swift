import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The key derivations on the kernel engine (the loops over an `algif_hash` op socket) against a small subset of
/// the known answers per KDF and mode, keyring master keys (HKDF's PRK, SP 800-108's K_I) against the same key as
/// bytes, and `.automatic` under the 7.3 allowlist (a refused PRF is asserted refused; the KDF falls back to
/// software and says why). Kept small: these run under TCG in every kernel VM.
@Suite(.requiresAFALG) struct AFALGKDFTests {
    /// True (refusal asserted) when the allowlist refuses the PRF `name` to this process.
    static func refused(_ name: String) -> Bool {
        KernelExpectation.refusedByPolicy(name, .kernel, type: .hash) { (name) throws(KernelCipherError) in
            _ = try HashTransform(name, engine: .kernel)
        }
    }

    /// PBKDF2 cases with at most 4,096 iterations (RFC 6070, RFC 7914's first, libkcapi's empty password, SHA-512).
    static let pbkdf2Subset = KDFVectors.pbkdf2(maximumIterations: 4096).filter {
        $0.source.hasPrefix("rfc") || $0.password.isEmpty || $0.prf == "hmac(sha512)"
    }
    /// The libkcapi counter/feedback/double-pipeline cases and the first NIST case of each PRF and key size.
    static let sp800108Subset: [SP800108Answer] = {
        var seen = Set<String>()
        return KDFVectors.sp800108.filter { $0.source.hasPrefix("libkcapi") || seen.insert("\($0.prf)\($0.key.count)").inserted }
    }()

    @Test("PBKDF2 known answers on the kernel engine", arguments: pbkdf2Subset)
    func pbkdf2(_ answer: PBKDF2Answer) throws {
        try requireAFALG()
        if Self.refused(answer.prf) { return }
        #expect(try KDFConformance.pbkdf2(answer, engine: .kernel) == answer.derived)
    }

    @Test("HKDF RFC 5869 A.1–A.7 on the kernel engine", arguments: KDFVectors.hkdf)
    func hkdf(_ answer: HKDFAnswer) throws {
        try requireAFALG()
        if Self.refused(answer.prf) { return }
        let result = try KDFConformance.hkdf(answer, engine: .kernel)
        #expect(result.prk == answer.prk)
        #expect(result.okm == answer.okm)
        #expect(result.expanded == answer.okm)
    }

    @Test("SP 800-108 counter, feedback, double-pipeline on the kernel engine", arguments: sp800108Subset)
    func sp800108(_ answer: SP800108Answer) throws {
        try requireAFALG()
        if Self.refused(answer.prf) { return }
        #expect(try KDFConformance.sp800108(answer, engine: .kernel) == answer.derived)
    }

    @Test(".automatic: the kernel engine when the PRF binds, else software with the kernel's reason")
    func automatic() throws {
        try requireAFALG()
        for prf in ["hmac(sha256)", "hmac(sha1)", "cmac(aes)"] {
            let kdf = try SP800108KeyDerivation(mode: .counter, prf: prf)
            if Self.refused(prf) {
                #expect(kdf.selection.engine == .software)
                #expect(kdf.selection.reason.contains("af_alg_restrict") || kdf.selection.reason.contains("policy"),
                        "\(kdf.selection.reason)")
            } else {
                #expect(kdf.selection.engine == .kernel)
            }
        }
    }

    @Test("keyring master keys: HKDF PRK and SP 800-108 K_I by serial derive what the bytes derive")
    func kernelKeys() throws {
        try requireAFALG()
        if Self.refused("hmac(sha256)") { return }
        let ring = try TestKeyring()
        let bytes = randomBytes(32)
        let key = try ring.add("logon", "kdf", payload: bytes)
        let hkdf = try HKDFKeyDerivation(engine: .kernel)
        let kbkdf = try SP800108KeyDerivation(mode: .feedback, engine: .kernel)
        let info = randomBytes(20), iv = randomBytes(32)
        guard AFALGKernelKeyTests.supported else {
            AFALGKernelKeyFamiliesTests.expectUnsupported { () throws(KernelCipherError) in
                _ = try hkdf.expand(pseudorandomKey: key, info: info, count: 40)
            }
            return
        }
        let software = try HKDFKeyDerivation(engine: .software)
        #expect(try hkdf.expand(pseudorandomKey: key, info: info, count: 100)
            == software.expand(pseudorandomKey: bytes, info: info, count: 100))
        let kbkdfSoftware = try SP800108KeyDerivation(mode: .feedback, engine: .software)
        #expect(try kbkdf.deriveKey(from: key, fixedInput: info, iv: iv, count: 70)
            == kbkdfSoftware.deriveKey(from: bytes, fixedInput: info, iv: iv, count: 70))
    }
}
