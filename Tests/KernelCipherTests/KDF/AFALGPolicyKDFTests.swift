import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// The three KDFs under `af_alg_restrict` (7.3+), per level and privilege: their PRF (an HMAC or CMAC of the hash
/// family) is bound like any hash, so level 1 refuses it to unprivileged processes (hmac(sha1…sha512) and cmac(aes)
/// are privileged-only on the allowlist) and level 2 to everyone. `.kernel` then throws the policy error naming the
/// MAC; `.automatic` derives on the software engine, saying why, and gives the same bytes. Named `AFALGPolicy…` so
/// the policy runs (7.3 as uid 65534, at levels 0 and 2) execute it as well as every full kernel run.
@Suite(.requiresKernelRunExpectations)
struct AFALGPolicyKDFTests {
    let policy = AFALGPolicy.current

    /// Whether this process may bind a privileged-only MAC under the current policy.
    var refused: Bool { policy.restrictLevel == 2 || (policy.restrictLevel == 1 && !policy.isPrivileged) }

    /// RFC 7914 §11's first PBKDF2-HMAC-SHA256 case (c = 1, dkLen = 64), whatever engine runs it.
    @Test func pbkdf2KernelRefusedOrRunsAndAutomaticAgrees() throws {
        let expected = Hex.decode("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        do {
            let kernel = try PBKDF2KeyDerivation(prf: "hmac(sha256)", engine: .kernel)
            #expect(!refused, "hmac(sha256) bound for PBKDF2 on the kernel engine under \(policy)")
            let key = try kernel.deriveKey(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1,
                                           count: 64)
            #expect(key.withUnsafeBytes { Array($0) } == expected)
        } catch {
            guard case .refusedByPolicy(let refusal) = error else {
                Issue.record("expected a policy refusal under \(policy), got: \(error)"); return
            }
            #expect(refused, "refused under \(policy): \(error)")
            #expect(refusal.algorithm == "hmac(sha256)" && refusal.policy == policy)
        }
        let automatic = try PBKDF2KeyDerivation(prf: "hmac(sha256)")
        #expect(automatic.selection.engine == (refused ? .software : .kernel), "\(automatic.selection)")
        if refused { #expect(automatic.selection.reason.contains("af_alg_restrict=\(policy.restrictLevel ?? -1)")) }
        let key = try automatic.deriveKey(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1,
                                          count: 64)
        #expect(key.withUnsafeBytes { Array($0) } == expected)
    }

    /// HKDF (RFC 5869 A.1) and SP 800-108 counter mode over cmac(aes): `.automatic` gives the software engine's
    /// bytes on whichever engine the policy leaves it, and `.kernel` is refused exactly where the policy says.
    @Test func hkdfAndSP800108FollowThePolicy() throws {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let salt = Hex.decode("000102030405060708090a0b0c")
        let info = Hex.decode("f0f1f2f3f4f5f6f7f8f9")
        let okm = Hex.decode("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        let hkdf = try HKDFKeyDerivation(prf: "hmac(sha256)")
        #expect(hkdf.selection.engine == (refused ? .software : .kernel), "\(hkdf.selection)")
        let derived = try hkdf.deriveKey(inputKey: ikm, salt: salt, info: info, count: okm.count)
        #expect(derived.withUnsafeBytes { Array($0) } == okm)

        let master = randomBytes(16, seed: 108)
        let fixed = randomBytes(60, seed: 801)
        let software = try SP800108KeyDerivation(mode: .counter, prf: "cmac(aes)", engine: .software)
        let reference = try software.deriveKey(from: master, fixedInput: fixed, count: 40)
        let automatic = try SP800108KeyDerivation(mode: .counter, prf: "cmac(aes)")
        #expect(automatic.selection.engine == (refused ? .software : .kernel), "\(automatic.selection)")
        #expect(try automatic.deriveKey(from: master, fixedInput: fixed, count: 40) == reference)
        do {
            _ = try SP800108KeyDerivation(mode: .counter, prf: "cmac(aes)", engine: .kernel)
            #expect(!refused, "cmac(aes) bound on the kernel engine under \(policy)")
        } catch {
            guard case .refusedByPolicy(let refusal) = error else {
                Issue.record("expected a policy refusal under \(policy), got: \(error)"); return
            }
            #expect(refused && refusal.algorithm == "cmac(aes)", "\(error)")
        }
    }
}
