import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Keyring keys on the AEAD and MAC families (`AEADTransform.setKey(_:)`, `HashTransform.setKey(_:)` with a
/// `KernelKey`): ≥ 6.2 the bytes equal those of the same key given as bytes (software engine), < 6.2 the typed
/// "needs Linux 6.2" refusal. `ccm(aes)` and `hmac(sha256)` bind for root under `af_alg_restrict=1` (7.3); a refusal
/// by policy, should the allowlist change, is asserted as such.
@Suite("AF_ALG keyring keys on AEAD and MAC transforms", .requiresAFALG, .serialized)
struct AFALGKernelKeyFamiliesTests {
    /// Runs `body` unless the level-1 allowlist refuses `name` as `type` (then asserts the refusal).
    static func unlessRefused(
        _ name: String, _ type: AFALGSocketType, allocate: @escaping (String) throws(KernelCipherError) -> Void,
        _ body: () throws -> Void
    ) throws {
        if KernelExpectation.refusedByPolicy(name, .kernel, type: type, allocate: allocate) { return }
        try body()
    }

    /// Asserts the "needs Linux 6.2" refusal `body` must give below 6.2.
    static func expectUnsupported(_ body: () throws(KernelCipherError) -> Void) {
        let error = kernelKeyError(body)
        guard case .unsupportedKernel? = error else {
            Issue.record("expected unsupportedKernel below 6.2, got \(String(describing: error))"); return
        }
    }

    @Test(arguments: ["user", "logon"])
    func aeadSealsAsWithTheRawKey(type: String) throws {
        try requireAFALG()
        try Self.unlessRefused("ccm(aes)", .aead, allocate: { (name) throws(KernelCipherError) in
            _ = try AEADTransform(name, engine: .kernel)
        }) {
            let ring = try TestKeyring()
            let bytes = randomBytes(16)
            let key = try ring.add(type, "aead", payload: bytes)
            let tfm = try AEADTransform("ccm(aes)", engine: .kernel)
            defer { tfm.release() }
            guard AFALGKernelKeyTests.supported else {
                Self.expectUnsupported { () throws(KernelCipherError) in try tfm.setKey(key) }
                return
            }
            try tfm.setKey(key)
            #expect(tfm.keyStorage == nil)
            let reference = try AEADTransform("ccm(aes)", engine: .software)
            defer { reference.release() }
            try reference.setKey(bytes)
            var iv = randomBytes(16)
            iv[0] = 3  // L − 1: a 4-byte length field
            let plaintext = randomBytes(1000), aad = randomBytes(20)
            let sealed = try tfm.encrypt(plaintext, iv: iv, associatedData: aad)
            #expect(sealed == (try reference.encrypt(plaintext, iv: iv, associatedData: aad)))
            #expect(try tfm.decrypt(sealed, iv: iv, associatedData: aad) == plaintext)
        }
    }

    @Test func aeadConvenienceInitializerByDescription() throws {
        try requireAFALG()
        try Self.unlessRefused("ccm(aes)", .aead, allocate: { (name) throws(KernelCipherError) in
            _ = try AEADTransform(name, engine: .kernel)
        }) {
            let ring = try TestKeyring()
            let bytes = randomBytes(32)
            _ = try ring.add("logon", "seal", payload: bytes)
            let key = try KernelKey.lookup("logon:\(ring.description(of: "seal"))")
            guard AFALGKernelKeyTests.supported else {
                Self.expectUnsupported { () throws(KernelCipherError) in
                    _ = try AEADTransform("ccm(aes)", tagSize: 8, kernelKey: key)
                }
                return
            }
            let tfm = try AEADTransform("ccm(aes)", tagSize: 8, kernelKey: key)
            defer { tfm.release() }
            #expect(tfm.engine == .kernel && tfm.tagSize == 8)
            // A wrong-length keyring key is the algorithm's refusal, not a crash or a silent key.
            let short = try ring.add("user", "short", payload: randomBytes(15))
            guard case .rejectedByAlgorithm? = kernelKeyError({ () throws(KernelCipherError) in try tfm.setKey(short) })
            else { Issue.record("a 15-byte key was not rejected by ccm(aes)"); return }
        }
    }

    @Test(arguments: ["user", "logon"])
    func hmacAsWithTheRawKey(type: String) throws {
        try requireAFALG()
        try Self.unlessRefused("hmac(sha256)", .hash, allocate: { (name) throws(KernelCipherError) in
            _ = try HashTransform(name, engine: .kernel)
        }) {
            let ring = try TestKeyring()
            let bytes = randomBytes(40)
            let key = try ring.add(type, "mac", payload: bytes)
            let mac = try HashTransform("hmac(sha256)", engine: .kernel)
            defer { mac.release() }
            guard AFALGKernelKeyTests.supported else {
                Self.expectUnsupported { () throws(KernelCipherError) in try mac.setKey(key) }
                return
            }
            try mac.setKey(key)
            let reference = try HashTransform("hmac(sha256)", engine: .software)
            defer { reference.release() }
            try reference.setKey(bytes)
            let message = randomBytes(70_000)
            let expected = try reference.digest(message)
            #expect(try mac.digest(message) == expected)
            var context = try mac.makeContext()
            try context.update(data: message[..<1234])
            try context.update(data: message[1234...])
            #expect(try context.finalize() == expected)
            #expect(try HashTransform("hmac(sha256)", kernelKey: key).digest(message) == expected)
        }
    }
}
