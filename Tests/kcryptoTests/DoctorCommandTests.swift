import Foundation
import KernelCipher
import Testing

@Suite struct DoctorCommandTests {
    @Test func textReportsEveryFact() throws {
        let out = try KcryptoProcess.run(["doctor"])
        #expect(out.status == 0)
        let keys = out.stdout.split(separator: "\n").map { $0.split(separator: ":", maxSplits: 1)[0]
            .trimmingCharacters(in: .whitespaces) }
        for key in ["kernel", "AF_ALG socket", "af_alg_restrict", "module support", "af_alg", "algif_skcipher",
                    "algif_aead", "algif_hash", "algif_rng", "crypto_user", "crypto_user netlink", "/proc/crypto",
                    "libkcapi", "OpenSSL", "AIO accepted", "AIO asynchronous", "automatic engine", "verdict"] {
            #expect(keys.contains(key), "missing \(key)")
        }
        let aio = AFALGAvailability.current.isAvailable ? "AIO accepted        : " : "AIO accepted        : no (io_submit not accepted"
        #expect(out.stdout.contains(aio))
        let engine = AFALGAvailability.current.isAvailable ? "kernel" : "software"
        #expect(out.stdout.contains("  cbc(aes)          : \(engine) ("))
        #expect(out.stdout.contains("libkcapi            : libkcapi 1."))
        let afalg = AFALGAvailability.current.isAvailable ? "AF_ALG socket       : yes" : "AF_ALG socket       : no: AF_ALG unavailable"
        #expect(out.stdout.contains(afalg))
    }

    @Test func jsonMatchesLibraryModel() throws {
        let out = try KcryptoProcess.run(["doctor", "--format", "json"])
        #expect(out.status == 0)
        let json = try out.json()
        let expected = Diagnostics.collect()
        #expect(json["kernelRelease"] as? String == expected.kernelRelease)
        #expect((json["afALG"] as? [String: Any])?["succeeded"] as? Bool == AFALGAvailability.current.isAvailable)
        #expect(json["libkcapiVersion"] as? String == expected.libkcapiVersion)
        #expect(json["openSSLVersion"] as? String == expected.openSSLVersion)
        #expect((json["modules"] as? [[String: Any]])?.count == 6)
        // Every engine fact is present; AIO is refused where AF_ALG is missing, and then its asynchrony is null.
        let engine = try #require(json["engine"] as? [String: Any])
        #expect(engine["aioAccepted"] is Bool)
        if !AFALGAvailability.current.isAvailable { #expect(engine["aioAccepted"] as? Bool == false) }
        #expect(engine["aioDetail"] is String)
        if !AFALGAvailability.current.isAvailable { #expect(engine["aioCompletesAsynchronously"] is NSNull) }
        let decoded = try JSONDecoder().decode(Diagnostics.self, from: Data(out.stdout.utf8))
        let choices = try #require(decoded.engine.automaticChoices)
        #expect(choices.map(\.algorithm) == Diagnostics.standardAlgorithms)
        let cbc = try #require(choices.first { $0.algorithm == "cbc(aes)" })
        #expect(cbc.engine == (AFALGAvailability.current.isAvailable ? "kernel" : "software"))
    }

    @Test func unreadableProcFileIsReportedInline() throws {
        let out = try KcryptoProcess.run(["doctor", "--proc-file", "/nonexistent/crypto"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("/proc/crypto        : unreadable: /nonexistent/crypto: ENOENT"))
    }
}
