import Foundation
import KernelCipher
import Testing
@testable import kcrypto

@Suite struct HasCommandTests {
    @Test func listedNameExitsZero() throws {
        let path = try Fixtures.write(Fixtures.mixed)
        let out = try KcryptoProcess.run(["has", "cbc(aes)", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
        #expect(out.stdout == "cbc(aes): listed in \(path): driver cbc-aes-aesni (type skcipher, priority 400, AF_ALG type skcipher)\n")
    }

    @Test func typeMustMatch() throws {
        let path = try Fixtures.write(Fixtures.mixed)
        #expect(try KcryptoProcess.run(["has", "aes", "--type", "cipher", "--proc-file", path]).status == 0)
        let out = try KcryptoProcess.run(["has", "aes", "--type", "skcipher", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("listed in \(path) only as type cipher, not skcipher"))
    }

    @Test func internalOnlyIsNotAvailable() throws {
        let path = try Fixtures.write(Fixtures.mixed)
        let out = try KcryptoProcess.run(["has", "__cbc(aes)", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("only as internal"))
    }

    @Test func unlistedNameSaysWhatWasTried() throws {
        let path = try Fixtures.write(Fixtures.mixed)
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
        let path = try Fixtures.write(Fixtures.mixed)
        let out = try KcryptoProcess.run(["has", "rsa", "--type", "akcipher", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("type akcipher is not bindable through AF_ALG, so bind was not tried"))
    }

    // Decision logic with a simulated AF_ALG kernel (the real one is exercised by AFALGCommandTests in the VM).

    @Test func bindFallbackTriesEachTypeUntilOneBinds() {
        let proc = ProcCrypto(parsing: Fixtures.mixed)
        var calls: [String] = []
        let answer = Kcrypto.Has.check(name: "sha3-256", type: nil, proc: proc, procPath: "P",
                                       availability: .available) { type, name in
            calls.append("\(type):\(name)")
            return type == .hash ? .success(()) : .failure(.noSuchEntry)
        }
        #expect(calls == ["skcipher:sha3-256", "aead:sha3-256", "hash:sha3-256"])
        #expect(answer.available)
        #expect(answer.source == "af-alg-bind")
        #expect(answer.socketType == .hash)
        #expect(answer.tried == ["P: 0 matching entries", "AF_ALG bind(skcipher): ENOENT",
                                 "AF_ALG bind(aead): ENOENT", "AF_ALG bind(hash): ok"])
        #expect(answer.message.contains("not listed in P, but AF_ALG bind(hash, \"sha3-256\") succeeded"))
    }

    @Test func bindFallbackHonoursType() {
        let proc = ProcCrypto(parsing: Fixtures.mixed)
        var calls: [AFALGSocketType] = []
        let answer = Kcrypto.Has.check(name: "rfc3686(ctr(aes))", type: TypeFilter(argument: "skcipher"), proc: proc,
                                       procPath: "P", availability: .available) { type, _ in
            calls.append(type)
            return .failure(.noSuchEntry)
        }
        #expect(calls == [.skcipher])
        #expect(!answer.available)
        #expect(answer.message == "rfc3686(ctr(aes)): not listed in P; AF_ALG bind(skcipher) ENOENT")
    }

    @Test func listedEntryNeedsNoBind() {
        let proc = ProcCrypto(parsing: Fixtures.mixed)
        let answer = Kcrypto.Has.check(name: "gcm(aes)", type: nil, proc: proc, procPath: "P",
                                       availability: .available) { _, _ in
            Issue.record("bind must not be tried for a listed algorithm")
            return .failure(.noSuchEntry)
        }
        #expect(answer.available && answer.source == "proc-crypto" && answer.driver == "generic-gcm-aesni")
    }

    @Test func noBindWithoutAFALG() {
        let proc = ProcCrypto(parsing: Fixtures.mixed)
        let answer = Kcrypto.Has.check(name: "sha256", type: nil, proc: proc, procPath: "P",
                                       availability: .unavailable(.addressFamilyNotSupported)) { _, _ in
            Issue.record("bind must not be tried without AF_ALG")
            return .success(())
        }
        #expect(!answer.available)
        #expect(answer.message.hasPrefix("sha256: not listed in P; AF_ALG bind not tried: AF_ALG unavailable: socket(AF_ALG) failed with EAFNOSUPPORT"))
    }
}
