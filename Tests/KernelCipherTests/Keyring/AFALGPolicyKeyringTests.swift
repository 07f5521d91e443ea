import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Keyring keys under the AF_ALG policy, in every kernel run including 7.3 as uid 65534 (where only `AFALGPolicy`
/// suites run): `xts(aes)`, which every process may bind at `af_alg_restrict=1`, keyed from a `logon` key this
/// unprivileged process added, gives the raw key's bytes; `cbc(aes)`, privileged-only there, is refused by policy
/// before any key is looked at.
@Suite("AF_ALG policy: keyring keys", .requiresAFALG, .serialized)
struct AFALGPolicyKeyringTests {
    /// True (and asserts it) at `af_alg_restrict=2`, where AF_ALG is disabled: a keyring-keyed transform is then
    /// refused by the policy, never served by the software engine.
    static func disabledByPolicy() -> Bool {
        guard AFALGPolicy.current.restrictLevel == 2 else { return false }
        do throws(KernelCipherError) {
            _ = try CipherTransform("xts(aes)", kernelKey: KernelKey(serial: 1))
            Issue.record("a transform was keyed from a keyring key although af_alg_restrict=2")
        } catch {
            guard case .refusedByPolicy(let refusal) = error, refusal.policy.restrictLevel == 2 else {
                Issue.record("expected a refusal by af_alg_restrict=2, got \(error)"); return true
            }
        }
        return true
    }

    @Test func xtsFromALogonKeyForEveryProcess() throws {
        if Self.disabledByPolicy() { return }
        try requireAFALG()
        let ring = try TestKeyring()
        let bytes = randomBytes(64)
        let key = try ring.add("logon", "xts", payload: bytes)
        let tfm = try CipherTransform("xts(aes)", engine: .kernel)
        defer { tfm.release() }
        guard try AFALGKernelKeyTests.key(tfm, key) else { return }
        let reference = try CipherTransform("xts(aes)", engine: .software)
        defer { reference.release() }
        try reference.setKey(bytes)
        let plaintext = randomBytes(4096), tweak = randomBytes(16)
        #expect(try tfm.encrypt(plaintext, iv: tweak) == (try reference.encrypt(plaintext, iv: tweak)))
    }

    @Test func privilegedOnlyAlgorithmIsRefusedBeforeTheKey() throws {
        if Self.disabledByPolicy() { return }
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("logon", "cbc", payload: randomBytes(16))
        if KernelExpectation.refusedByPolicy("cbc(aes)", .kernel, allocate: { name throws(KernelCipherError) in
            _ = try CipherTransform(name, kernelKey: key)
        }) { return }
        // Not refused here (no policy, or privileged): the key is used.
        let tfm = try CipherTransform("cbc(aes)", engine: .kernel)
        defer { tfm.release() }
        _ = try AFALGKernelKeyTests.key(tfm, key)
    }
}
