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
}
