import Foundation
import KernelCipherTestSupport
import Testing
@testable import kcrypto

/// `kcrypto enc` / `dec`: round trips, streaming across requests, agreement with `openssl enc`, key sources.
@Suite struct EncDecCommandTests {
    static let sizes = [0, 1, 15, 16, 17, (1 << 20) + 7]

    @Test(arguments: CipherCase.all)
    func roundTripAllSizes(c: CipherCase) throws {
        let scratch = try Scratch()
        for size in Self.sizes where size >= c.minimum {
            let plain = randomBytes(size, seed: UInt64(size))
            try scratch.write("p", plain)
            let cipher = try runCipher("enc", c, in: scratch, input: "p", output: "c")
            #expect(cipher.count == c.ciphertextLength(size), "size \(size)")
            if size >= 16 { #expect(cipher.prefix(16) != plain.prefix(16)) }
            let back = try runCipher("dec", c, in: scratch, input: "c", output: "d")
            #expect(back == plain, "size \(size)")
        }
    }

    /// Many small requests (IV carried by kcrypto) give the same bytes as one request, both ways, including
    /// an input that ends exactly on a chunk boundary.
    @Test(arguments: CipherCase.streamable)
    func streamedEqualsOneShot(c: CipherCase) throws {
        let scratch = try Scratch()
        for (size, chunk) in [(16 * 1024 + 7, 64), (3 * 4096, 4096), ((1 << 20) + 7, 4096)] {
            try scratch.write("p", randomBytes(size, seed: 7))
            let whole = try runCipher("enc", c, in: scratch, input: "p", output: "c1", extra: ["--chunk-size", "\(4 << 20)"])
            let streamed = try runCipher("enc", c, in: scratch, input: "p", output: "c2", extra: ["--chunk-size", "\(chunk)"])
            #expect(streamed == whole, "enc size \(size) chunk \(chunk)")
            let plainWhole = try runCipher("dec", c, in: scratch, input: "c1", output: "d1", extra: ["--chunk-size", "\(4 << 20)"])
            let plainStreamed = try runCipher("dec", c, in: scratch, input: "c1", output: "d2", extra: ["--chunk-size", "\(chunk)"])
            let plain = try scratch.read("p")
            #expect(plainStreamed == plainWhole && plainWhole == plain, "dec size \(size) chunk \(chunk)")
        }
    }

    @Test func counterCarriesAcrossAllBytesOfTheIV() throws {
        // 16 KiB from an IV one block short of wrapping: every request after the first starts past the carry.
        let c = CipherCase(algorithm: "ctr(aes)", key: CipherCase.key16, iv: String(repeating: "ff", count: 15) + "fe")
        let scratch = try Scratch()
        try scratch.write("p", randomBytes(16 * 1024, seed: 3))
        let whole = try runCipher("enc", c, in: scratch, input: "p", output: "c1")
        let streamed = try runCipher("enc", c, in: scratch, input: "p", output: "c2", extra: ["--chunk-size", "64"])
        #expect(streamed == whole)
    }

    @Test func stdinToStdoutMatchesFiles() throws {
        let scratch = try Scratch()
        let input = try scratch.write("p", randomBytes(100_003, seed: 11))
        let viaFiles = try runCipher("enc", .cbc128, in: scratch, input: "p", output: "c")
        let piped = try KcryptoProcess.run(["enc"] + CipherCase.cbc128.arguments, stdin: input)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdoutBytes == viaFiles)
        let back = try KcryptoProcess.run(["dec"] + CipherCase.cbc128.arguments, stdin: scratch.path("c"))
        let plain = try scratch.read("p")
        #expect(back.stdoutBytes == plain)
    }

    @Test func keyFileAndKeyFDMatchKeyOption() throws {
        let scratch = try Scratch()
        try scratch.write("p", randomBytes(1000, seed: 5))
        let expected = try runCipher("enc", .cbc256, in: scratch, input: "p", output: "c")
        let keyFile = try scratch.write("key.hex", Array((CipherCase.key32.uppercased() + " \t\n\n").utf8))
        let fileKey = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--key-file", keyFile, "--iv", CipherCase.iv16,
                                              "-i", scratch.path("p")])
        #expect(fileKey.status == 0, "\(fileKey.stderr)")
        #expect(fileKey.stdoutBytes == expected)
        let fdKey = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--keyfd", "3", "--iv", CipherCase.iv16,
                                            "-i", scratch.path("p")], files: [3: keyFile])
        #expect(fdKey.status == 0, "\(fdKey.stderr)")
        #expect(fdKey.stdoutBytes == expected)
    }

    @Test func outputReplacesExistingFileOnlyOnSuccess() throws {
        let scratch = try Scratch()
        try scratch.write("p", randomBytes(40, seed: 1))
        try scratch.write("c", Array("old".utf8))
        _ = try runCipher("enc", .cbc128, in: scratch, input: "p", output: "c")
        let (written, entries) = (try scratch.read("c"), try scratch.entries())
        #expect(written.count == 48)
        #expect(entries == ["c", "p"])
    }
}

/// Byte-for-byte agreement with `openssl enc` for the modes it offers under the same layouts.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"))
struct EncDecOpenSSLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var cipher: CipherCase
        var openssl: String
        var noPad = false
        var testDescription: String { "\(cipher.algorithm) = openssl \(openssl)\(noPad ? " -nopad" : "")" }
    }

    static let cases = [
        Case(cipher: .cbc128, openssl: "-aes-128-cbc"),
        Case(cipher: .cbc128, openssl: "-aes-128-cbc", noPad: true),
        Case(cipher: .ctr256, openssl: "-aes-256-ctr"),
        Case(cipher: .ecb128, openssl: "-aes-128-ecb"),
        Case(cipher: .chacha20, openssl: "-chacha20"),
    ]

    @Test(arguments: cases)
    func matchesOpenSSL(c: Case) throws {
        let scratch = try Scratch()
        let sizes = c.noPad ? [0, 16, (1 << 20) + 16] : [0, 17, (1 << 20) + 7]
        let padding = c.noPad ? ["--padding", "none"] : []
        for size in sizes {
            try scratch.write("p", randomBytes(size, seed: 42 + UInt64(size)))
            let ours = try runCipher("enc", c.cipher, in: scratch, input: "p", output: "ours", extra: padding)
            let args = [c.openssl, "-K", c.cipher.key] + (c.cipher.iv.map { ["-iv", $0] } ?? [])
                + (c.noPad ? ["-nopad"] : []) + ["-in", scratch.path("p"), "-out", scratch.path("theirs")]
            let openssl = try KcryptoProcess.spawn("/usr/bin/openssl", ["enc"] + args)
            try #require(openssl.status == 0, "\(openssl.stderr)")
            let theirs = try scratch.read("theirs")
            #expect(ours == theirs, "size \(size)")
            let back = try runCipher("dec", c.cipher, in: scratch, input: "theirs", output: "d", extra: padding)
            let plain = try scratch.read("p")
            #expect(back == plain, "size \(size)")
        }
    }
}
