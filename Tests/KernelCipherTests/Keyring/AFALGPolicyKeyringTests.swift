import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Keyring keys under the AF_ALG policy, in every kernel run including 7.3 as uid 65534 (where only `AFALGPolicy`
/// suites run): `xts(aes)`, which every process may bind at `af_alg_restrict=1`, keyed from a `logon` key this
/// unprivileged process added, gives the raw key's bytes; `cbc(aes)`, privileged-only there, is refused by policy
/// before any key is looked at.
@Suite("AF_ALG policy: keyring keys", .requiresAFALG, .serialized)
struct AFALGPolicyKeyringTests {
    @Test func xtsFromALogonKeyForEveryProcess() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let bytes = randomBytes(64)
        let key = try ring.add("logon", "xts", payload: bytes)
        let tfm = try Transform("xts(aes)", engine: .kernel)
        defer { tfm.release() }
        guard try AFALGKernelKeyTests.key(tfm, key) else { return }
        let reference = try Transform("xts(aes)", engine: .software)
        defer { reference.release() }
        try reference.setKey(bytes)
        let plaintext = randomBytes(4096), tweak = randomBytes(16)
        #expect(try tfm.encrypt(plaintext, iv: tweak) == (try reference.encrypt(plaintext, iv: tweak)))
    }

    @Test func privilegedOnlyAlgorithmIsRefusedBeforeTheKey() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("logon", "cbc", payload: randomBytes(16))
        if KernelExpectation.refusedByPolicy("cbc(aes)", .kernel, allocate: { name throws(KernelCipherError) in
            _ = try Transform(name, kernelKey: key)
        }) { return }
        // Not refused here (no policy, or privileged): the key is used.
        let tfm = try Transform("cbc(aes)", engine: .kernel)
        defer { tfm.release() }
        _ = try AFALGKernelKeyTests.key(tfm, key)
    }
}
