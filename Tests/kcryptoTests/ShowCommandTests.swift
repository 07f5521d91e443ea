import Foundation
import KernelCipherTestSupport
import Testing

@Suite struct ShowCommandTests {
    @Test func textShowsEveryFieldOfEveryDriver() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["show", "cbc(aes)", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stdout.hasPrefix("cbc(aes): 2 drivers"))
        #expect(out.stdout.contains("# cbc-aes-aesni  [selected for skcipher]  [AF_ALG: skcipher]"))
        #expect(out.stdout.contains("# cbc(ecb(aes-fixed-time))  [AF_ALG: skcipher]"))
        #expect(out.stdout.contains("walksize    : 16"))
        #expect(out.stdout.contains("min keysize : 16"))
        let fieldLines = out.stdout.split(separator: "\n").filter { $0.contains(" : ") }
        #expect(fieldLines.count == 16 + 14)
    }

    @Test func jsonKeepsFieldsInFileOrder() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["show", "gcm(aes)", "--format", "json", "--proc-file", path])
        #expect(out.status == 0)
        let json = try out.json()
        #expect(json["name"] as? String == "gcm(aes)")
        let driver = try #require((json["drivers"] as? [[String: Any]])?.first)
        #expect(driver["selected"] as? Bool == true)
        #expect(driver["socketType"] as? String == "aead")
        let fields = try #require(driver["fields"] as? [[String: String]])
        #expect(fields.map { $0["key"] ?? "" } == ["name", "driver", "module", "priority", "refcnt", "selftest",
                                                    "internal", "type", "async", "blocksize", "ivsize",
                                                    "maxauthsize", "geniv"])
        #expect(fields.last?["value"] == "<none>")
    }

    @Test func showsInternalAndByDriverName() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["show", "__cbc-aes-aesni", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stdout.contains("internal    : yes"))
        #expect(out.stdout.contains("[not bindable") == false)
    }

    @Test func unknownNameExitsOneWithOneLine() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["show", "xts(aes)", "--proc-file", path])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("kcrypto: 'xts(aes)' is not listed in \(path)"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }
}
