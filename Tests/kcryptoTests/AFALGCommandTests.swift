import Foundation
import KernelCipher
import Testing

/// `has`/`doctor` against a kernel with AF_ALG (runs in the QEMU VM runner; skipped elsewhere).
@Suite(.enabled(if: AFALGAvailability.current.isAvailable
                    || ProcessInfo.processInfo.environment["KCAPI_REQUIRE_AF_ALG"] == "1",
                Comment(rawValue: AFALGAvailability.current.description)))
struct AFALGCommandTests {
    @Test func templateInstantiatedThroughBind() throws {
        // rfc3686(ctr(aes)) is rarely listed before first use; bind instantiates it.
        let out = try KcryptoProcess.run(["has", "rfc3686(ctr(aes))", "--type", "skcipher", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try out.json()
        #expect(json["available"] as? Bool == true)
        #expect(["af-alg-bind", "proc-crypto"].contains(json["source"] as? String ?? ""))
        // After a successful bind the kernel lists it.
        let listed = try KcryptoProcess.run(["show", "rfc3686(ctr(aes))"])
        #expect(listed.status == 0)
    }

    @Test func unknownAlgorithmFailsWithENOENTForEveryType() throws {
        let out = try KcryptoProcess.run(["has", "no-such-alg(xyz)"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("bind(skcipher) ENOENT, bind(aead) ENOENT, bind(hash) ENOENT, bind(rng) ENOENT"))
    }

    @Test(arguments: [("cbc(aes)", "skcipher"), ("gcm(aes)", "aead"), ("hmac(sha256)", "hash"), ("stdrng", "rng")])
    func commonAlgorithmsAvailable(name: String, type: String) throws {
        let out = try KcryptoProcess.run(["has", name, "--type", type])
        #expect(out.status == 0, "\(out.stderr)")
    }

    @Test func doctorReportsAFALGAvailable() throws {
        let out = try KcryptoProcess.run(["doctor", "--format", "json"])
        let json = try out.json()
        #expect((json["afALG"] as? [String: Any])?["succeeded"] as? Bool == true)
        let text = try KcryptoProcess.run(["doctor"])
        #expect(text.stdout.contains("verdict             : kernel path usable"))
    }
}
