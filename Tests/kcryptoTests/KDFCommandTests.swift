import Foundation
import KernelCipherTestSupport
import Testing

/// `kcrypto kdf` (software engine on the host): PBKDF2 and HKDF byte for byte with the system's `openssl kdf` over
/// generated inputs, the three SP 800-108 modes against the known answers, password sources, and usage errors
/// (exit 64 with the subcommand's usage, no password or key in any message).
@Suite struct KDFCommandTests {
    static let openssl = "/usr/bin/openssl"

    /// A temporary file holding `bytes`; removed by the caller.
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kdf-\(UUID().uuidString)").path
        try #require(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
        return path
    }

    @Test("pbkdf2 --raw equals openssl kdf … PBKDF2 -binary over generated passwords, salts, counts, lengths")
    func pbkdf2MatchesOpenSSL() throws {
        var generator = SeededGenerator(state: 0x70626b)
        for index in 0..<10 {
            let digest = ["sha1", "sha256", "sha512", "sha384"][index % 4]
            var password = randomBytes(Int(generator.next() % 40), using: &generator)
            if password.last == 0x0a { password[password.count - 1] = 0x41 }  // a final LF is dropped (tested below)
            let salt = randomBytes(Int(generator.next() % 24), using: &generator)
            let iterations = Int(generator.next() % 1500) + 1, length = Int(generator.next() % 100) + 1
            let path = try Self.file(password)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let ours = try KcryptoProcess.run(["kdf", "pbkdf2", "--engine", "software", "--prf", "hmac(\(digest))",
                                               "--salt", Hex.encode(salt), "--iter", "\(iterations)", "-n", "\(length)",
                                               "--passwd-file", path, "--raw"])
            var arguments = ["kdf", "-binary", "-keylen", "\(length)", "-kdfopt", "digest:\(digest.uppercased())",
                             "-kdfopt", "iter:\(iterations)", "-kdfopt", "hexsalt:\(Hex.encode(salt))"]
            // `hexpass:` with no digits is refused by openssl's parser; the empty password is `pass:`.
            arguments += ["-kdfopt", password.isEmpty ? "pass:" : "hexpass:\(Hex.encode(password))", "PBKDF2"]
            let reference = try KcryptoProcess.spawn(Self.openssl, arguments)
            try #require(reference.status == 0, "openssl: \(reference.stderr)")
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stdoutBytes == reference.stdoutBytes, "case \(index): \(digest) c=\(iterations) dkLen=\(length)")
            #expect(ours.stdoutBytes.count == length)
        }
    }

    @Test("hkdf equals openssl kdf … HKDF over generated keys, salts, infos; hex output is the --raw bytes")
    func hkdfMatchesOpenSSL() throws {
        var generator = SeededGenerator(state: 0x686b)
        for index in 0..<6 {
            let digest = ["sha256", "sha1", "sha512"][index % 3]
            let key = randomBytes(Int(generator.next() % 60) + 1, using: &generator)
            let salt = randomBytes(Int(generator.next() % 30) + 1, using: &generator)
            let info = randomBytes(Int(generator.next() % 30) + 1, using: &generator)
            let length = Int(generator.next() % 200) + 1
            let keyPath = try Self.file(Array(Hex.encode(key).utf8))
            defer { try? FileManager.default.removeItem(atPath: keyPath) }
            let common = ["kdf", "hkdf", "--engine", "software", "--prf", "hmac(\(digest))", "--key-file", keyPath,
                          "--salt", Hex.encode(salt), "--info", Hex.encode(info), "-n", "\(length)"]
            let raw = try KcryptoProcess.run(common + ["--raw"])
            let hex = try KcryptoProcess.run(common)
            let reference = try KcryptoProcess.spawn(Self.openssl, [
                "kdf", "-binary", "-keylen", "\(length)", "-kdfopt", "digest:\(digest.uppercased())",
                "-kdfopt", "hexkey:\(Hex.encode(key))", "-kdfopt", "hexsalt:\(Hex.encode(salt))",
                "-kdfopt", "hexinfo:\(Hex.encode(info))", "HKDF"])
            try #require(reference.status == 0, "openssl: \(reference.stderr)")
            #expect(raw.stdoutBytes == reference.stdoutBytes, "case \(index)")
            #expect(hex.stdout == Hex.encode(reference.stdoutBytes) + "\n")
        }
    }

    @Test("hkdf halves and sp800-108 modes give the known answers (RFC 5869 A.1, libkcapi, NIST CMAC)")
    func knownAnswers() throws {
        let ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
        let prk = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        let okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        let keyPath = try Self.file(Array(ikm.utf8)), prkPath = try Self.file(Array(prk.utf8))
        defer { [keyPath, prkPath].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let extract = try KcryptoProcess.run(["kdf", "hkdf", "--engine", "software", "--key-file", keyPath,
                                              "--salt", "000102030405060708090a0b0c", "--extract-only", "-n", "32"])
        #expect(extract.stdout == prk + "\n", "\(extract.stderr)")
        let expand = try KcryptoProcess.run(["kdf", "hkdf", "--engine", "software", "--key-file", prkPath,
                                             "--info", "f0f1f2f3f4f5f6f7f8f9", "--expand-only", "-n", "42"])
        #expect(expand.stdout == okm + "\n", "\(expand.stderr)")
        let cases: [(mode: String, prf: String, key: String, fixed: String, iv: String?, out: String)] = [
            ("feedback", "hmac(sha256)", "93f698e842eed75394d629d957e2e89c6e741f810b623c8b901e38376d068e7b",
             "53b89c18690e2057a1d167822e636de50be0018532c431f7f5e37f77139220d5e042599ebe266af5767ee18cd2c5c19a1f0f80",
             "9f575d9059d3e0c0803f08112f8a806de3c3471912cdf42b095388b14b33508e",
             "bd1476f43a4e315747cf5918e0ea5bc0d98769457477c3ab18b742def0e079a933b756365afb5541f253fee43c6fd788a44041038509e9eeb68f7d65ffbb5f95"),
            ("double-pipeline", "hmac(sha256)", "02d36fa021c20ddbdee469f0579468bae5cb13b548b6c61cdf9d3ec419111de2",
             "85abe38bf265fbdc6445ae5c71159f1548c73b7d526a623104904a0f8792070b3df9902b9669490425a385eadb0f9c76e46f0f", nil,
             "d69f74f518c9f64f90a0beebab69f689b73b5c13eb0f860a95cad7d9814f8c506eb7b179a5c5b4466a9ec154c3bf1c13efd6ec0d82b02c29af2c690299edc453"),
            ("counter", "cmac(aes)", "c10b152e8c97b77e18704e0f0bd38305",
             "98cd4cbbbebe15d17dc86e6dbad800a2dcbd64f7c7ad0e78e9cf94ffdba89d03e97eadf6c4f7b806caf52aa38f09d0eb71d71f497bcc6906b48d36c4",
             nil, "26faf61908ad9ee881b8305c221db53f"),
        ]
        for c in cases {
            let keyFile = try Self.file(Array(c.key.utf8))
            defer { try? FileManager.default.removeItem(atPath: keyFile) }
            var arguments = ["kdf", "sp800-108", "--engine", "software", "--mode", c.mode, "--prf", c.prf,
                             "--key-file", keyFile, "--fixed-input", c.fixed, "-n", "\(c.out.count / 2)"]
            if let iv = c.iv { arguments += ["--iv", iv] }
            let result = try KcryptoProcess.run(arguments)
            #expect(result.status == 0 && result.stdout == c.out + "\n", "\(c.mode): \(result.stderr)")
        }
    }

    @Test("the password from --passwd-fd, from stdin, and with its final newline dropped")
    func passwordSources() throws {
        let expected = "4b007901b765489abead49d926f721d065a429c1\n"  // RFC 6070: "password", "salt", 4096
        let plain = try Self.file(Array("password".utf8)), lf = try Self.file(Array("password\n".utf8))
        let crlf = try Self.file(Array("password\r\n".utf8)), twice = try Self.file(Array("password\n\n".utf8))
        defer { [plain, lf, crlf, twice].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let base = ["kdf", "pbkdf2", "--engine", "software", "--prf", "hmac(sha1)", "--salt", "73616c74", "--iter", "4096",
                    "-n", "20"]
        #expect(try KcryptoProcess.run(base + ["--passwd-fd", "3"], files: [3: lf]).stdout == expected)
        #expect(try KcryptoProcess.run(base + ["--passwd-file", "-"], stdin: plain).stdout == expected)
        #expect(try KcryptoProcess.run(base + ["--passwd-file", crlf]).stdout == expected)
        // Only one newline goes: "password\n" is another password.
        let other = try KcryptoProcess.run(base + ["--passwd-file", twice])
        #expect(other.status == 0 && other.stdout != expected)
    }

    @Test("usage errors exit 64 with the subcommand's usage; library refusals exit 1; no secret in any message",
          arguments: [
            (["pbkdf2", "--salt", "00", "--iter", "1", "-n", "16"], "a password is required"),
            (["pbkdf2", "--salt", "00", "--iter", "0", "-n", "16", "--passwd-file", "@PW"], "--iter 0"),
            (["pbkdf2", "--salt", "00", "--iter", "1", "-n", "0", "--passwd-file", "@PW"], "-n 0"),
            (["pbkdf2", "--salt", "00", "--iter", "1", "-n", "4", "--passwd-file", "@PW", "--passwd-fd", "0"], "only one of"),
            (["hkdf", "-n", "8", "--key-serial", "7"], "--expand-only"),
            (["hkdf", "-n", "8", "--key-file", "@PW", "--extract-only", "--expand-only"], "only one of"),
            (["hkdf", "-n", "8", "--key-file", "@PW", "--extract-only", "--info", "00"], "--info"),
            (["hkdf", "-n", "8"], "a key is required"),
            (["sp800-108", "--mode", "counter", "--fixed-input", "00", "--iv", "00", "-n", "8", "--key-file", "@PW"],
             "feedback mode only"),
          ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let secret = try Self.file(Array("68756e746572325365637265744b6579".utf8))  // valid hex, as a key file too
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let result = try KcryptoProcess.run(["kdf"] + arguments.map { $0 == "@PW" ? secret : $0 } + ["--engine", "software"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: kcrypto kdf \(arguments[0])"), "\(result.stderr)")
        #expect(result.stderr.contains("See 'kcrypto kdf \(arguments[0]) --help'"), "\(result.stderr)")
        #expect(!result.stderr.contains("68756e74"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a length beyond HKDF's 255·HashLen and an unkeyed PRF are the library's typed errors (exit 1)")
    func libraryErrors() throws {
        let key = try Self.file(Array("68756e746572325365637265744b6579".utf8))
        defer { try? FileManager.default.removeItem(atPath: key) }
        let long = try KcryptoProcess.run(["kdf", "hkdf", "--engine", "software", "--key-file", key, "-n", "8161"])
        #expect(long.status == 1)
        #expect(long.stderr == "kcrypto: invalid derived key length 8161 bytes; allowed: 1 to 8160\n")
        let unkeyed = try KcryptoProcess.run(["kdf", "sp800-108", "--engine", "software", "--mode", "counter", "--prf",
                                              "sha256", "--key-file", key, "--fixed-input", "00", "-n", "8"])
        #expect(unkeyed.status == 1)
        #expect(unkeyed.stderr.contains("unkeyed hash"), "\(unkeyed.stderr)")
        #expect(!unkeyed.stderr.contains("68756e74") && !long.stderr.contains("68756e74"))
    }
}
