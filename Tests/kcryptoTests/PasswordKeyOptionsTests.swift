import Foundation
import KernelCipherTestSupport
import Testing

/// `enc`/`dec`/`dgst` with a password in kcapi-enc's raw format (software engine on the host): the key is
/// PBKDF2 over the password's bytes exactly as read (a newline included), 32 bytes, checked against `openssl kdf`
/// and `openssl enc -K`/`openssl dgst`; the defaults kcapi-enc picks are printed and repeat the run; bad
/// combinations are refused. AFALGPasswordCompatibilityTests compare with kcapi-enc/kcapi-dgst themselves.
@Suite struct PasswordKeyOptionsTests {
    static let openssl = KDFCommandTests.openssl

    /// PBKDF2-HMAC-`digest` as `openssl kdf` derives it: 32 bytes.
    static func referenceKey(_ password: [UInt8], salt: [UInt8], iterations: Int, digest: String = "SHA256") throws -> String {
        let run = try KcryptoProcess.spawn(openssl, ["kdf", "-keylen", "32", "-kdfopt", "digest:\(digest)",
                                                     "-kdfopt", "hexpass:\(Hex.encode(password))",
                                                     "-kdfopt", "hexsalt:\(Hex.encode(salt))",
                                                     "-kdfopt", "iter:\(iterations)", "PBKDF2"])
        try #require(run.status == 0, "\(run.stderr)")
        return run.stdout.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    @Test("enc/dec --passwd-file: PBKDF2 over the file's bytes (newline kept), 32-byte key; equals openssl enc -K")
    func keyDerivation() throws {
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = randomBytes(777, seed: 0x6b6361)
        let input = dir.appendingPathComponent("in")
        try Data(plain).write(to: input)
        let iv = "000102030405060708090a0b0c0d0e0f", salt: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x01]
        var outputs: [[UInt8]] = []
        for (index, password) in [Array("secret".utf8), Array("secret\n".utf8), Array("pässwörd with spaces".utf8)].enumerated() {
            let pass = dir.appendingPathComponent("pw\(index)"), out = dir.appendingPathComponent("out\(index)")
            try Data(password).write(to: pass)
            let run = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--engine", "software", "--passwd-file", pass.path,
                                              "--salt", Hex.encode(salt), "--pbkdf-iter", "1000", "--iv", iv,
                                              "-i", input.path, "-o", out.path])
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
            let key = try Self.referenceKey(password, salt: salt, iterations: 1000)
            let reference = try KcryptoProcess.spawn(Self.openssl, ["enc", "-aes-256-ctr", "-K", key, "-iv", iv, "-in", input.path])
            #expect(try OpenSSLEncFormatTests.read(out) == reference.stdoutBytes, "password \(index)")
            outputs.append(try OpenSSLEncFormatTests.read(out))
            // dec with the same options (the descriptor form) gives the input back.
            let back = dir.appendingPathComponent("back\(index)")
            let dec = try KcryptoProcess.run(["dec", "-c", "ctr(aes)", "--engine", "software", "--passwd-fd", "3",
                                              "--salt", Hex.encode(salt), "--pbkdf-iter", "1000", "--iv", iv,
                                              "-i", out.path, "-o", back.path], files: [3: pass.path])
            #expect(dec.status == 0, "\(dec.stderr)")
            #expect(try OpenSSLEncFormatTests.read(back) == plain)
        }
        #expect(outputs[0] != outputs[1], "the trailing newline is part of the password, as kcapi-enc reads it")
    }

    @Test("dgst 'hmac(sha512)' --passwd: the key is PBKDF2 (--pbkdf-mac) over the password; equals openssl dgst -mac")
    func digestKey() throws {
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        try Data(randomBytes(300, seed: 0x64677374)).write(to: input)
        let run = try KcryptoProcess.run(["dgst", "-c", "hmac(sha512)", "--engine", "software", "--passwd", "pw",
                                          "--pbkdf-mac", "hmac(sha1)", "--salt", "00", "--pbkdf-iter", "7", input.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("--passwd is visible"))
        let key = try Self.referenceKey(Array("pw".utf8), salt: [0], iterations: 7, digest: "SHA1")
        let reference = try KcryptoProcess.spawn(Self.openssl, ["dgst", "-sha512", "-mac", "HMAC", "-macopt", "hexkey:\(key)",
                                                                "-r", input.path])
        let hex = reference.stdout.split(separator: " ").first.map(String.init) ?? "?"
        #expect(run.stdout == "\(hex)  \(input.path)\n", "\(run.stdout) vs \(reference.stdout)")
    }

    @Test("no --salt / --pbkdf-iter: kcapi-enc's defaults (32 random bytes; timed, ≥ 65536) printed; they repeat the run")
    func printedDefaults() throws {
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = randomBytes(100, seed: 0x646566)
        let input = dir.appendingPathComponent("in"), out = dir.appendingPathComponent("out")
        let back = dir.appendingPathComponent("back"), pass = dir.appendingPathComponent("pw")
        try Data(plain).write(to: input)
        try Data("p".utf8).write(to: pass)
        let iv = String(repeating: "ab", count: 16)
        let run = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--engine", "software", "--passwd-file", pass.path,
                                          "--iv", iv, "-i", input.path, "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        let iterations = try #require(lines.first { $0.hasPrefix("kcrypto: PBKDF2 iterations used: ") }?.split(separator: " ").last)
        let salt = try #require(lines.first { $0.hasPrefix("kcrypto: PBKDF2 salt used: ") }?.split(separator: " ").last)
        #expect(Int(iterations).map { $0 >= 65536 && $0 & ($0 - 1) == 0 } == true, "\(iterations)")
        #expect(salt.count == 64)
        let dec = try KcryptoProcess.run(["dec", "-c", "cbc(aes)", "--engine", "software", "--passwd-file", pass.path,
                                          "--iv", iv, "--salt", String(salt), "--pbkdf-iter", String(iterations),
                                          "-i", out.path, "-o", back.path])
        #expect(dec.status == 0 && dec.stderr.isEmpty, "\(dec.stderr)")
        #expect(try OpenSSLEncFormatTests.read(back) == plain)
    }

    @Test("refused: dec without the salt, empty or over-long passwords, a key beside a password, stray PBKDF2 options")
    func refusals() throws {
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in"), empty = dir.appendingPathComponent("empty")
        let long = dir.appendingPathComponent("long"), ok = dir.appendingPathComponent("ok")
        let out = dir.appendingPathComponent("out")
        try Data(randomBytes(32, seed: 1)).write(to: input)
        try Data().write(to: empty)
        try Data(repeating: 0x61, count: 128).write(to: long)
        try Data(repeating: 0x61, count: 127).write(to: ok)
        let iv = ["--iv", String(repeating: "0", count: 32)]
        let common = ["-c", "cbc(aes)", "--engine", "software", "-i", input.path, "-o", out.path] + iv
        let cases: [([String], Int32, String)] = [
            (["dec", "--passwd-file", ok.path, "--pbkdf-iter", "5"] + common, 64, "needs the --salt and --pbkdf-iter"),
            (["enc", "--passwd-file", empty.path, "--salt", "00", "--pbkdf-iter", "5"] + common, 1, "is empty"),
            (["enc", "--passwd-file", long.path, "--salt", "00", "--pbkdf-iter", "5"] + common, 1, "longer than 127 bytes"),
            (["enc", "--passwd-file", ok.path, "--key", String(repeating: "0", count: 64)] + common, 64, "not both"),
            (["enc", "--passwd-file", ok.path, "--passwd-fd", "0"] + common, 64, "only one of"),
            (["enc", "--salt", "00", "--key", String(repeating: "0", count: 64)] + common, 64, "need a password"),
            (["enc", "--passwd-file", ok.path, "--pbkdf-iter", "0"] + common, 64, "--pbkdf-iter 0"),
            (["enc", "--passwd-file", ok.path, "--salt", "xy", "--pbkdf-iter", "5"] + common, 1, "--salt: not valid hex"),
            (["dgst", "-c", "sha256", "--passwd-file", ok.path, input.path], 64, "sha256 is not keyed; remove --passwd"),
        ]
        for (arguments, status, message) in cases {
            let run = try KcryptoProcess.run(arguments)
            #expect(run.status == status && run.diagnostics.contains(message), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains(String(repeating: "a", count: 20)), "password bytes in a message")
        }
        let shared = try KcryptoProcess.run(["enc", "--passwd-file", "-", "--salt", "00", "--pbkdf-iter", "5",
                                             "-c", "cbc(aes)", "--engine", "software"] + iv, stdin: ok.path)
        #expect(shared.status == 64 && shared.stderr.contains("would both read stdin"), "\(shared.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // 127 bytes is the longest password kcapi-enc reads whole.
        let longest = try KcryptoProcess.run(["enc", "--passwd-file", ok.path, "--salt", "00", "--pbkdf-iter", "5"] + common)
        #expect(longest.status == 0, "\(longest.stderr)")
    }
}
