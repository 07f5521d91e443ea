import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto enc|dec` with AEAD ciphers on the software engine: ciphertext ‖ tag out, plaintext only after the tag
/// verified, typed one-line errors, and no output file on any failure.
@Suite struct AEADCommandTests {
    static let key = "000102030405060708090a0b0c0d0e0f"
    static let iv12 = "cafebabefacedbaddecaf888"

    /// The library's software engine, for the expected bytes.
    static func seal(_ algorithm: String, key: String, iv: String, aad: [UInt8], tag: Int?, _ pt: [UInt8]) throws -> [UInt8] {
        let tfm = try AEADTransform(algorithm, tagSize: tag, engine: .software)
        try tfm.setKey(Hex.decode(key))
        return try tfm.encrypt(pt, iv: Hex.decode(iv), associatedData: aad)
    }

    @Test(arguments: [0, 1, 17, 100_000])
    func gcmRoundTripMatchesTheLibrary(size: Int) throws {
        let scratch = try Scratch()
        let pt = randomBytes(size, seed: UInt64(size))
        let aad = randomBytes(size % 40, seed: 99)
        try scratch.write("p", pt)
        try scratch.write("aad", aad)
        let base = ["-c", "gcm(aes)", "--key", Self.key, "--iv", Self.iv12, "--engine", "software", "--tag-len", "12"]
        let enc = try KcryptoProcess.run(["enc"] + base + ["--aad-file", scratch.path("aad"), "-i", scratch.path("p"), "-o", scratch.path("c")])
        #expect(enc.status == 0, "\(enc.stderr)")
        #expect(try scratch.read("c") == Self.seal("gcm(aes)", key: Self.key, iv: Self.iv12, aad: aad, tag: 12, pt))
        let dec = try KcryptoProcess.run(["dec"] + base + ["--aad", Hex.encode(aad), "-i", scratch.path("c"), "-o", scratch.path("d")])
        #expect(dec.status == 0, "\(dec.stderr)")
        #expect(try scratch.read("d") == pt)
    }

    /// RFC 8439 §2.8.2 through the command line, to stdout.
    @Test func chachaPolyRFC8439() throws {
        let scratch = try Scratch()
        let pt = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        try scratch.write("p", pt)
        let out = try KcryptoProcess.run([
            "enc", "-c", "rfc7539(chacha20,poly1305)", "--engine", "software",
            "--key", "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "--iv", "070000004041424344454647",
            "--aad", "50515253c0c1c2c3c4c5c6c7", "-i", scratch.path("p")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(Hex.encode(out.stdoutBytes).hasPrefix("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"))
        #expect(Hex.encode(out.stdoutBytes).hasSuffix("1ae10b594f09e26a7e902ecbd0600691"))
        #expect(out.stdoutBytes.count == pt.count + 16)
    }

    /// A flipped bit: exit 1, exactly "kcrypto: authentication failed", nothing on stdout, no output file.
    @Test func tagMismatch() throws {
        let scratch = try Scratch()
        var sealed = try Self.seal("gcm(aes)", key: Self.key, iv: Self.iv12, aad: [], tag: nil, randomBytes(50, seed: 1))
        sealed[3] ^= 1
        try EncDecErrorTests.expectFailure(
            ["dec", "-c", "gcm(aes)", "--engine", "software", "--key", Self.key, "--iv", Self.iv12],
            input: sealed, message: "kcrypto: authentication failed", scratch: scratch)
        let out = try KcryptoProcess.run(["dec", "-c", "gcm(aes)", "--engine", "software", "--key", Self.key,
                                          "--iv", Self.iv12, "-i", scratch.path("in")])
        #expect(out.status == 1 && out.stdoutBytes.isEmpty)
        #expect(out.diagnostics == "kcrypto: authentication failed\n")
    }

    @Test func usageErrors() throws {
        let k = Self.key, iv16 = "000102030405060708090a0b0c0d0e0f"
        let cases: [([String], String, Int32)] = [
            (["enc", "-c", "cbc(aes)", "--key", k, "--iv", iv16, "--aad", "01"],
             "--aad, --aad-file and --tag-len apply to AEAD ciphers (e.g. 'gcm(aes)'); cbc(aes) is not one", 64),
            (["enc", "-c", "ctr(aes)", "--key", k, "--iv", iv16, "--tag-len", "16"], "ctr(aes) is not one", 64),
            // Said first, not under "no engine offers gcm(aes): kernel engine: …" (issue 19, item 8).
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k, "--iv", Self.iv12, "--tag-len", "5"],
             "kcrypto: --tag-len 5: invalid tag length; allowed: 4, 8, 12, 13, 14, 15, 16 bytes", 64),
            (["enc", "-c", "gcm(aes)", "--key", k, "--iv", Self.iv12, "--tag-len", "3"],
             "kcrypto: --tag-len 3: invalid tag length; allowed: 4, 8, 12, 13, 14, 15, 16 bytes", 64),
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k, "--iv", Self.iv12, "--aad", "01", "--aad-file", "/dev/null"],
             "give only one of --aad and --aad-file", 64),
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k, "--iv", "00"],
             "--iv has 1 bytes; gcm(aes) needs 12 (24 hex digits)", 1),
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k], "gcm(aes) needs --iv with 12 bytes", 64),
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k, "--iv", Self.iv12, "--padding", "pkcs7"],
             "--padding does not apply to AEAD ciphers", 64),
            (["enc", "-c", "gcm(aes)", "--engine", "software", "--key", k, "--iv", Self.iv12, "--aad", "0g"],
             "--aad: not valid hex", 1),
            (["enc", "-c", "rfc4106(gcm(aes))", "--engine", "software", "--key", k + "01020304", "--iv", "0001020304050607",
              "--aad", "01"], "invalid associated data length 1 bytes; allowed: 8, 12", 1),
        ]
        for (arguments, message, status) in cases {
            try EncDecErrorTests.expectFailure(arguments, message: message, status: status)
        }
    }

    /// More than one request carries: refused with the limit in the message (ccm with L = 2: 65535 bytes).
    @Test func inputTooLarge() throws {
        try EncDecErrorTests.expectFailure(
            ["enc", "-c", "ccm(aes)", "--engine", "software", "--key", Self.key, "--iv", "01" + String(repeating: "00", count: 15)],
            input: randomBytes(65536, seed: 4),
            message: "input too large for one ccm(aes) request on the software engine: input length 65536 exceeds the limit of 65535 bytes")
    }
}

/// `kcrypto speed` measures AEAD ciphers in the skcipher CSV columns (encrypt, empty AAD).
@Suite struct AEADSpeedTests {
    @Test func csvRows() throws {
        let out = try KcryptoProcess.run([
            "speed", "-c", "gcm(aes)", "-c", "rfc7539(chacha20,poly1305)", "-c", "cbc(aes)", "--engine", "software",
            "--sizes", "64", "--inflight", "1,4", "--seconds", "0.05", "--repeat", "1", "--format", "csv"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        #expect(lines.first == "impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver,allocs_per_msg")
        for (algorithm, driver) in [("gcm(aes)", "openssl:aes-128-gcm"), ("\"rfc7539(chacha20,poly1305)\"", "openssl:chacha20-poly1305")] {
            let rows = lines.filter { $0.hasPrefix("swift,software,\(algorithm),64,") }
            #expect(rows.count == 2, "\(algorithm): \(out.stdout)")
            for row in rows {
                #expect(row.hasSuffix(",\(driver),"))
                let messages = Int(row.replacingOccurrences(of: algorithm, with: "x").split(separator: ",")[5]) ?? 0
                #expect(messages > 0 && header.count == 15)
            }
        }
        #expect(lines.contains { $0.hasPrefix("swift,software,cbc(aes),64,") })
    }
}
