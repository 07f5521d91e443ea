import Foundation
import KernelCipherTestSupport
import Testing

/// `enc`/`dec --format openssl` (software engine on the host) against the system's `openssl enc` both ways, byte for
/// byte, over generated inputs and passwords; the legacy `EVP_BytesToKey` files behind `--legacy-kdf`; a wrong
/// password or a file without the header: a typed message, exit status 1, no output file.
@Suite struct OpenSSLEncFormatTests {
    static let openssl = KDFCommandTests.openssl
    static let ciphers = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-ctr", "aes-192-ctr", "aes-256-ctr",
                          "chacha20"]

    /// A fresh temporary directory; removed by the caller.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("osslenc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func read(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// `openssl <arguments> -S <fixed salt>`, with the `Salted__` header openssl 3 leaves out when given `-S`. A test
    /// that decrypts with a wrong key and expects the padding check to refuse needs a fixed salt: with openssl's random
    /// one, about one run in 256 the wrong key leaves valid padding (a CI run failed that way).
    static func sealWithFixedSalt(_ arguments: [String], _ input: URL, _ output: URL) throws {
        let salt: [UInt8] = [0x5a, 0x17, 0xc0, 0xff, 0xee, 0x5a, 0x17, 0xc0]
        let written = try KcryptoProcess.spawn(openssl, arguments + ["-S", salt.map { String(format: "%02x", $0) }.joined(),
                                                                     "-in", input.path, "-out", output.path])
        try #require(written.status == 0, "\(written.stderr)")
        try (Data("Salted__".utf8) + Data(salt) + Data(contentsOf: output)).write(to: output)
    }

    @Test("openssl enc -pbkdf2 files decrypt with kcrypto dec --format openssl, and kcrypto's with openssl enc -d")
    func bothWays() throws {
        var generator = SeededGenerator(state: 0x6f7373)
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sizes = [0, 1, 15, 16, 17, 1000, Int(generator.next() % 5000) + 1]
        for (index, size) in sizes.enumerated() {
            let cipher = Self.ciphers[index % Self.ciphers.count]
            let plain = randomBytes(size, using: &generator)
            // Printable password of 1…40 bytes (no newline: openssl takes the first line), one file per case.
            let password = (0..<(Int(generator.next() % 40) + 1)).map { _ in UInt8(33 + generator.next() % 94) }
            let (iterations, digest) = index % 2 == 0 ? (nil, nil) : (Int(generator.next() % 2000) + 1, "sha512")
            let input = dir.appendingPathComponent("in\(index)"), pass = dir.appendingPathComponent("pw\(index)")
            try Data(plain).write(to: input)
            try Data(password + [0x0a]).write(to: pass)
            var openssl = ["-pbkdf2", "-pass", "file:\(pass.path)"]
            var ours = ["--format", "openssl", "--engine", "software", "--passwd-file", pass.path]
            if let iterations { openssl += ["-iter", "\(iterations)"]; ours += ["--pbkdf-iter", "\(iterations)"] }
            if let digest { openssl += ["-md", digest]; ours += ["--pbkdf-mac", "hmac(\(digest))"] }

            // openssl → kcrypto
            let theirs = dir.appendingPathComponent("theirs\(index)"), back = dir.appendingPathComponent("back\(index)")
            let written = try KcryptoProcess.spawn(Self.openssl, ["enc", "-\(cipher)", "-in", input.path, "-out", theirs.path] + openssl)
            try #require(written.status == 0, "openssl enc: \(written.stderr)")
            let decrypted = try KcryptoProcess.run(["dec", "-c", cipher, "-i", theirs.path, "-o", back.path] + ours)
            #expect(decrypted.status == 0, "\(cipher) size \(size): \(decrypted.stderr)")
            #expect(try Self.read(back) == plain, "\(cipher) size \(size): openssl → kcrypto")

            // kcrypto → openssl, and with the same salt the very bytes openssl writes
            let mine = dir.appendingPathComponent("mine\(index)"), again = dir.appendingPathComponent("again\(index)")
            let salt = Array(try Self.read(theirs)[8..<16])
            let encrypted = try KcryptoProcess.run(["enc", "-c", cipher, "-i", input.path, "-o", mine.path,
                                                    "--salt", Hex.encode(salt)] + ours)
            #expect(encrypted.status == 0, "\(cipher) size \(size): \(encrypted.stderr)")
            #expect(try Self.read(mine) == Self.read(theirs), "\(cipher) size \(size): same salt, same file")
            let random = dir.appendingPathComponent("random\(index)")
            let fresh = try KcryptoProcess.run(["enc", "-c", cipher, "-i", input.path, "-o", random.path] + ours)
            #expect(fresh.status == 0 && fresh.stderr.isEmpty, "\(fresh.stderr)")
            let reread = try KcryptoProcess.spawn(Self.openssl, ["enc", "-d", "-\(cipher)", "-in", random.path, "-out", again.path] + openssl)
            #expect(reread.status == 0, "openssl enc -d: \(reread.stderr)")
            #expect(try Self.read(again) == plain, "\(cipher) size \(size): kcrypto → openssl")
        }
    }

    @Test("the password is the file's first line up to a newline or NUL, as openssl -pass file: reads it")
    func passwordLine() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = randomBytes(48, seed: 0x6c696e65)
        let input = dir.appendingPathComponent("in")
        try Data(plain).write(to: input)
        for (index, contents) in [Array("line one\nline two\n".utf8), Array("ab".utf8) + [0] + Array("cd\n".utf8),
                                  Array("tab\there\r\n".utf8)].enumerated() {
            let pass = dir.appendingPathComponent("pw\(index)"), sealed = dir.appendingPathComponent("sealed\(index)")
            let out = dir.appendingPathComponent("out\(index)")
            try Data(contents).write(to: pass)
            let written = try KcryptoProcess.spawn(Self.openssl, ["enc", "-aes-128-cbc", "-pbkdf2", "-pass", "file:\(pass.path)",
                                                                  "-in", input.path, "-out", sealed.path])
            try #require(written.status == 0, "\(written.stderr)")
            let run = try KcryptoProcess.run(["dec", "-c", "aes-128-cbc", "--format", "openssl", "--engine", "software",
                                              "--passwd-fd", "3", "-i", sealed.path, "-o", out.path], files: [3: pass.path])
            #expect(run.status == 0, "case \(index): \(run.stderr)")
            #expect(try Self.read(out) == plain, "case \(index)")
        }
    }

    @Test("--legacy-kdf reads openssl enc files written without -pbkdf2 (EVP_BytesToKey), with a warning")
    func legacyKDF() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = randomBytes(333, seed: 0x6c6567)
        let input = dir.appendingPathComponent("in"), pass = dir.appendingPathComponent("pw")
        try Data(plain).write(to: input)
        try Data("old secret\n".utf8).write(to: pass)
        for (cipher, digest) in [("aes-256-cbc", "sha256"), ("aes-128-cbc", "md5"), ("chacha20", "sha1")] {
            let old = dir.appendingPathComponent("old-\(cipher)"), out = dir.appendingPathComponent("out-\(cipher)")
            try Self.sealWithFixedSalt(["enc", "-\(cipher)", "-md", digest, "-pass", "file:\(pass.path)"], input, old)
            let common = ["dec", "-c", cipher, "--format", "openssl", "--engine", "software", "--passwd-file", pass.path,
                          "--pbkdf-mac", "hmac(\(digest))", "-i", old.path, "-o", out.path]
            let legacy = try KcryptoProcess.run(common + ["--legacy-kdf"])
            #expect(legacy.status == 0 && legacy.stderr.contains("warning: --legacy-kdf"), "\(legacy.stderr)")
            #expect(try Self.read(out) == plain, "\(cipher) -md \(digest)")
            if cipher.hasSuffix("cbc") {
                // Without the flag the PBKDF2 key is wrong: refused as a wrong password, nothing written.
                try FileManager.default.removeItem(at: out)
                let modern = try KcryptoProcess.run(common)
                #expect(modern.status == 1 && modern.stderr.contains("wrong password"), "\(modern.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out.path))
            }
        }
    }

    @Test("wrong password: exit 1, 'wrong password or corrupt file', no output file, no password in the message")
    func wrongPassword() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in"), sealed = dir.appendingPathComponent("sealed")
        let out = dir.appendingPathComponent("out")
        try Data(randomBytes(100, seed: 0x77726f)).write(to: input)
        try Self.sealWithFixedSalt(["enc", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:right horse"], input, sealed)
        // These passwords give a last block whose padding does not verify (checked: openssl enc -d fails too).
        for wrong in ["wrong horse", "right horse "] {
            let reference = try KcryptoProcess.spawn(Self.openssl, ["enc", "-d", "-aes-256-cbc", "-pbkdf2", "-pass",
                                                                    "pass:\(wrong)", "-in", sealed.path, "-out", "/dev/null"])
            #expect(reference.status != 0, "openssl accepted \(wrong)")
            let run = try KcryptoProcess.run(["dec", "-c", "aes-256-cbc", "--format", "openssl", "--engine", "software",
                                              "--passwd", wrong, "-i", sealed.path, "-o", out.path])
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("kcrypto: bad decrypt: wrong password or corrupt file"), "\(run.stderr)")
            #expect(run.stderr.contains("--passwd is visible"), "the command-line warning")
            #expect(!run.stderr.contains(wrong), "the password in a message")
            #expect(!FileManager.default.fileExists(atPath: out.path), "output left behind")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["in", "sealed"])
        }
    }

    @Test("format errors: no Salted__ header, a raw cipher name, --iv, a salt of the wrong size, no password")
    func formatErrors() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw"), pass = dir.appendingPathComponent("pw")
        let out = dir.appendingPathComponent("out")
        try Data(randomBytes(64, seed: 0x726177)).write(to: raw)
        try Data("pw".utf8).write(to: pass)
        let common = ["--format", "openssl", "--engine", "software", "-o", out.path]
        let headerless = try KcryptoProcess.run(["dec", "-c", "aes-128-cbc", "-i", raw.path, "--passwd-file", pass.path] + common)
        #expect(headerless.status == 1 && headerless.stderr.contains("is not an openssl enc file"), "\(headerless.stderr)")
        let cases: [([String], String)] = [
            (["enc", "-c", "cbc(aes)", "--passwd-file", pass.path], "openssl's cipher names"),
            (["enc", "-c", "aes-128-cbc", "--passwd-file", pass.path, "--iv", String(repeating: "0", count: 32)], "remove --iv"),
            (["enc", "-c", "aes-128-cbc", "--passwd-file", pass.path, "--salt", "0011"], "8 bytes"),
            (["dec", "-c", "aes-128-cbc", "--passwd-file", pass.path, "--salt", "0011223344556677"], "remove --salt"),
            (["enc", "-c", "aes-128-cbc", "--key", String(repeating: "0", count: 32)], "need a password"),
            (["enc", "-c", "aes-128-cbc", "--passwd-file", pass.path, "--legacy-kdf"], "only with dec"),
            (["dec", "-c", "aes-128-cbc", "--passwd-file", pass.path, "--legacy-kdf", "--pbkdf-iter", "5"], "remove --pbkdf-iter"),
        ]
        for (arguments, message) in cases {
            let run = try KcryptoProcess.run(arguments + ["-i", raw.path] + common)
            #expect(run.status == 64 && run.diagnostics.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
