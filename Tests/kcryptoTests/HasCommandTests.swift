import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing
@testable import kcrypto

@Suite struct HasCommandTests {
    @Test func listedNameExitsZero() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["has", "cbc(aes)", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
        let listing = "listed in \(path): driver cbc-aes-aesni (type skcipher, priority 400"
        if AFALGAvailability.current.isAvailable {  // the real kernel answers for this process
            #expect(out.stdout.hasPrefix("cbc(aes): usable through AF_ALG here"))
        } else {
            #expect(out.stdout == "cbc(aes): \(listing)); AF_ALG bind not tried: \(AFALGAvailability.current)\n")
        }
    }

    @Test func typeMustMatch() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        #expect(try KcryptoProcess.run(["has", "aes", "--type", "cipher", "--proc-file", path]).status == 0)
        let out = try KcryptoProcess.run(["has", "aes", "--type", "skcipher", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("listed in \(path) only as type cipher, not skcipher"))
    }

    @Test func internalOnlyIsNotAvailable() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["has", "__cbc(aes)", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("only as internal"))
    }

    @Test func unlistedNameSaysWhatWasTried() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["has", "no-such-alg(xyz)", "--format", "json", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stderr.split(separator: "\n").count == 1)
        let json = try out.json()
        #expect(json["available"] as? Bool == false)
        let tried = try #require(json["tried"] as? [String])
        #expect(tried.first == "\(path): 0 matching entries")
        if AFALGAvailability.current.isAvailable {
            #expect(tried.dropFirst().map { $0.hasSuffix("ENOENT") } == [true, true, true, true])
            #expect(out.stderr.contains("bind(skcipher) ENOENT, bind(aead) ENOENT, bind(hash) ENOENT, bind(rng) ENOENT"))
        } else {
            #expect(tried.last?.hasPrefix("AF_ALG bind not tried: AF_ALG unavailable") == true)
            #expect(out.stderr.contains("AF_ALG bind not tried"))
        }
    }

    @Test func unbindableTypeSkipsBind() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["has", "rsa", "--type", "akcipher", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("type akcipher is not bindable through AF_ALG, so bind was not tried"))
    }

    // Decision logic with a simulated AF_ALG kernel (the real one is exercised by AFALGCommandTests and
    // AFALGPolicyCommandTests in the VM).

    static let unprivileged = AFALGPolicy(restrictLevel: 1, isPrivileged: false)

    @Test func bindFallbackTriesEachTypeUntilOneBinds() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [String] = []
        let answer = Kcrypto.Has.check(name: "sha3-256", type: nil, proc: proc, procPath: "P",
                                       availability: .available, policy: Self.unprivileged) { type, name in
            calls.append("\(type):\(name)")
            return type == .hash ? .usable : .notFound
        }
        #expect(calls == ["skcipher:sha3-256", "aead:sha3-256", "hash:sha3-256"])
        #expect(answer.available)
        #expect(answer.source == "af-alg-bind")
        #expect(answer.socketType == .hash)
        #expect(answer.tried == ["P: 0 matching entries", "AF_ALG bind(skcipher): not bindable",
                                 "AF_ALG bind(aead): not bindable", "AF_ALG bind(hash): yes"])
        #expect(answer.message == "sha3-256: usable through AF_ALG here: bind(hash, \"sha3-256\") succeeded (not listed in P)")
    }

    @Test func bindFallbackHonoursType() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [AFALGSocketType] = []
        let answer = Kcrypto.Has.check(name: "rfc3686(ctr(aes))", type: TypeFilter(argument: "skcipher"), proc: proc,
                                       procPath: "P", availability: .available, policy: Self.unprivileged) { type, _ in
            calls.append(type)
            return .notFound
        }
        #expect(calls == [.skcipher])
        #expect(!answer.available && answer.refusedByPolicy == nil)
        #expect(answer.message == "rfc3686(ctr(aes)): not listed in P; AF_ALG bind(skcipher) ENOENT")
    }

    /// Listed is not enough: the answer is whether this process can bind it, as the type it is listed under.
    @Test func listedEntryIsProbedForThisProcess() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        var calls: [AFALGSocketType] = []
        let answer = Kcrypto.Has.check(name: "gcm(aes)", type: nil, proc: proc, procPath: "P",
                                       availability: .available, policy: Self.unprivileged) { type, _ in
            calls.append(type)
            return .usable
        }
        #expect(calls == [.aead])
        #expect(answer.available && answer.source == "af-alg-bind" && answer.driver == "generic-gcm-aesni")
    }

    /// Listed but refused by af_alg_restrict: a distinct answer (exit 3) naming the policy and the way out.
    @Test func listedButRefusedByPolicy() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let refusal = AFALGRefusal(algorithm: "cbc(aes)", type: .skcipher, policy: Self.unprivileged,
                                   allowedIfPrivileged: true)
        let answer = Kcrypto.Has.check(name: "cbc(aes)", type: nil, proc: proc, procPath: "P",
                                       availability: .available, policy: Self.unprivileged) { _, _ in
            .refusedByPolicy(refusal)
        }
        #expect(!answer.available)
        #expect(answer.refusedByPolicy == refusal.description)
        #expect(answer.message.hasPrefix("cbc(aes): listed in P: driver cbc-aes-aesni (type skcipher, priority 400), but refused here: AF_ALG policy af_alg_restrict=1"))
        #expect(answer.tried.last == "AF_ALG bind(skcipher): refused by policy")
    }

    /// af_alg_restrict=2 makes socket() fail: that is the policy too, not "no AF_ALG".
    @Test func disabledByPolicyIsARefusal() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let disabled = AFALGPolicy(restrictLevel: 2, isPrivileged: true)
        let answer = Kcrypto.Has.check(name: "xts(aes)", type: TypeFilter(argument: "skcipher"), proc: proc,
                                       procPath: "P", availability: .unavailable(.addressFamilyNotSupported),
                                       policy: disabled) { type, name in
            .refusedByPolicy(AFALGRefusal(algorithm: name, type: type, policy: disabled, allowedIfPrivileged: false))
        }
        #expect(!answer.available)
        #expect(answer.refusedByPolicy?.contains("af_alg_restrict=2") == true)
    }

    @Test func noBindWithoutAFALG() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let answer = Kcrypto.Has.check(name: "sha256", type: nil, proc: proc, procPath: "P",
                                       availability: .unavailable(.addressFamilyNotSupported),
                                       policy: AFALGPolicy(restrictLevel: nil, isPrivileged: true)) { _, _ in
            Issue.record("bind must not be tried without AF_ALG")
            return .usable
        }
        #expect(!answer.available)
        #expect(answer.message.hasPrefix("sha256: not listed in P; AF_ALG bind not tried: AF_ALG unavailable: socket(AF_ALG) failed with EAFNOSUPPORT"))
    }

    /// Where AF_ALG cannot be created (this host), a listed name still answers from the listing.
    @Test func listedWithoutAFALGAnswersFromTheListing() {
        let proc = ProcCrypto(parsing: Fixtures.procCryptoSample)
        let answer = Kcrypto.Has.check(name: "gcm(aes)", type: nil, proc: proc, procPath: "P",
                                       availability: .unavailable(.addressFamilyNotSupported),
                                       policy: AFALGPolicy(restrictLevel: nil, isPrivileged: true)) { _, _ in
            Issue.record("bind must not be tried without AF_ALG")
            return .usable
        }
        #expect(answer.available && answer.source == "proc-crypto")
    }
}
