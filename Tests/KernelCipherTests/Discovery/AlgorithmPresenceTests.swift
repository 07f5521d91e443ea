import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `AlgorithmPresence.check` (`kcrypto has`) with a simulated AF_ALG kernel: the real one is exercised by
/// AFALGCommandTests and AFALGPolicyCommandTests in the VM.
@Suite struct AlgorithmPresenceTests {
    static let unprivileged = AFALGPolicy(restrictLevel: 1, isPrivileged: false)

    @Test func bindFallbackTriesEachTypeUntilOneBinds() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [String] = []
        let answer = AlgorithmPresence.check("sha3-256", type: nil, procCrypto: proc, procPath: "P",
                                             availability: .available, policy: Self.unprivileged) { type, name in
            calls.append("\(type):\(name)")
            return type == .hash ? .usable : .notFound
        }
        #expect(calls == ["skcipher:sha3-256", "aead:sha3-256", "hash:sha3-256"])
        #expect(answer.isAvailable)
        #expect(answer.source == .afAlgBind)
        #expect(answer.socketType == .hash)
        #expect(answer.tried == ["P: 0 matching entries", "AF_ALG bind(skcipher): not bindable",
                                 "AF_ALG bind(aead): not bindable", "AF_ALG bind(hash): yes"])
        #expect(answer.message == "sha3-256: usable through AF_ALG here: bind(hash, \"sha3-256\") succeeded (not listed in P)")
    }

    @Test func bindFallbackHonoursType() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [AFALGSocketType] = []
        let answer = AlgorithmPresence.check("rfc3686(ctr(aes))", type: "skcipher", procCrypto: proc,
                                             procPath: "P", availability: .available, policy: Self.unprivileged) { type, _ in
            calls.append(type)
            return .notFound
        }
        #expect(calls == [.skcipher])
        #expect(!answer.isAvailable && answer.refusal == nil)
        #expect(answer.message == "rfc3686(ctr(aes)): not listed in P; AF_ALG bind(skcipher) ENOENT")
    }

    /// Listed is not enough: the answer is whether this process can bind it, as the type it is listed under.
    @Test func listedEntryIsProbedForThisProcess() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [AFALGSocketType] = []
        let answer = AlgorithmPresence.check("gcm(aes)", type: nil, procCrypto: proc, procPath: "P",
                                             availability: .available, policy: Self.unprivileged) { type, _ in
            calls.append(type)
            return .usable
        }
        #expect(calls == [.aead])
        #expect(answer.isAvailable && answer.source == .afAlgBind && answer.driver == "generic-gcm-aesni")
    }

    /// Listed but refused by af_alg_restrict: a distinct answer (exit 3) naming the policy and the way out.
    @Test func listedButRefusedByPolicy() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let refusal = AFALGRefusal(algorithm: "cbc(aes)", type: .skcipher, policy: Self.unprivileged,
                                   allowedIfPrivileged: true)
        let answer = AlgorithmPresence.check("cbc(aes)", type: nil, procCrypto: proc, procPath: "P",
                                             availability: .available, policy: Self.unprivileged) { _, _ in
            .refusedByPolicy(refusal)
        }
        #expect(!answer.isAvailable)
        #expect(answer.refusal == refusal)
        #expect(answer.message.hasPrefix("cbc(aes): listed in P: driver cbc-aes-aesni (type skcipher, priority 400), but refused here: AF_ALG policy af_alg_restrict=1"))
        #expect(answer.tried.last == "AF_ALG bind(skcipher): refused by policy")
    }

    /// af_alg_restrict=2 makes socket() fail: that is the policy too, not "no AF_ALG".
    @Test func disabledByPolicyIsARefusal() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let disabled = AFALGPolicy(restrictLevel: 2, isPrivileged: true)
        let answer = AlgorithmPresence.check("xts(aes)", type: "skcipher", procCrypto: proc,
                                             procPath: "P", availability: .unavailable(.addressFamilyNotSupported),
                                       policy: disabled) { type, name in
            .refusedByPolicy(AFALGRefusal(algorithm: name, type: type, policy: disabled, allowedIfPrivileged: false))
        }
        #expect(!answer.isAvailable)
        #expect(answer.refusal?.description.contains("af_alg_restrict=2") == true)
    }

    @Test func noBindWithoutAFALG() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let answer = AlgorithmPresence.check("sha256", type: nil, procCrypto: proc, procPath: "P",
                                             availability: .unavailable(.addressFamilyNotSupported),
                                       policy: AFALGPolicy(restrictLevel: nil, isPrivileged: true)) { _, _ in
            Issue.record("bind must not be tried without AF_ALG")
            return .usable
        }
        #expect(!answer.isAvailable)
        #expect(answer.message.hasPrefix("sha256: not listed in P; AF_ALG bind not tried: AF_ALG unavailable: socket(AF_ALG) failed with EAFNOSUPPORT"))
    }

    /// Where AF_ALG cannot be created (this host), a listed name still answers from the listing.
    @Test func listedWithoutAFALGAnswersFromTheListing() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let answer = AlgorithmPresence.check("gcm(aes)", type: nil, procCrypto: proc, procPath: "P",
                                             availability: .unavailable(.addressFamilyNotSupported),
                                       policy: AFALGPolicy(restrictLevel: nil, isPrivileged: true)) { _, _ in
            Issue.record("bind must not be tried without AF_ALG")
            return .usable
        }
        #expect(answer.isAvailable && answer.source == .procCrypto)
    }
}
