import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// kcrypto's password options against libkcapi 1.4.0's own `kcapi-enc` and `kcapi-dgst` (built by
/// `ensure_kcapi_apps` in Scripts/lib/common.sh, found through `KCAPI_APPS_DIR`) in the kernel VMs: with the same
/// arguments the output is the same bytes. Few spawns, small inputs, low iteration counts (TCG). Missing binaries
/// skip the suite, or fail it under `KCAPI_REQUIRE_AF_ALG=1`. Where kcapi-enc does not pad (whole blocks) kcrypto
/// runs with `--padding none`: kcapi-enc pads only a partial last block, which is not PKCS#7.
@Suite(.requiresAFALG, .serialized)
struct AFALGPasswordCompatibilityTests {
    /// `$KCAPI_APPS_DIR/kcapi-enc` and `kcapi-dgst`, or nil (a recorded failure when AF_ALG is required).
    static func apps() -> (enc: String, dgst: String)? {
        let directory = ProcessInfo.processInfo.environment["KCAPI_APPS_DIR"]
        if let directory {
            let enc = "\(directory)/kcapi-enc", dgst = "\(directory)/kcapi-dgst"
            if [enc, dgst].allSatisfy(FileManager.default.isExecutableFile(atPath:)) { return (enc, dgst) }
        }
        if AFALGRequirement.isRequired {
            let shown = directory ?? "(unset)"
            Issue.record(Comment(rawValue: "kcapi-enc/kcapi-dgst not found in KCAPI_APPS_DIR=\(shown): run "
                + "Scripts/lib/common.sh ensure_kcapi_apps and pass KCAPI_APPS_DIR"))
        }
        return nil
    }

    static func served(_ algorithms: String...) -> Bool {
        HashTransform.isAvailable("hmac(sha256)", engine: .kernel)
            && algorithms.allSatisfy { CipherTransform.isAvailable($0, engine: .kernel) || HashTransform.isAvailable($0, engine: .kernel) }
    }

    @Test("enc: kcapi-enc -p/--passwdfd --salt --pbkdfiter [--pbkdfmac] equals kcrypto enc with the same options")
    func encryptionMatches() throws {
        try requireAFALG()
        guard let apps = Self.apps(), Self.served("ctr(aes)", "cbc(aes)", "hmac(sha1)") else { return }
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SeededGenerator(state: 0x6b636170)
        let iv = Hex.encode(randomBytes(16, using: &generator))
        // (cipher, input size, password file bytes, --pbkdf-mac, kcrypto's extra options)
        let cases: [(String, Int, [UInt8], String?, [String])] = [
            ("ctr(aes)", 1000, Array("correct horse\n".utf8), nil, []),
            ("ctr(aes)", 17, randomBytes(40, using: &generator).map { $0 | 1 }, "hmac(sha1)", []),
            ("cbc(aes)", 64, Array("battery staple".utf8), nil, ["--padding", "none"]),
        ]
        for (index, (cipher, size, password, mac, extra)) in cases.enumerated() {
            let input = dir.appendingPathComponent("in\(index)"), pass = dir.appendingPathComponent("pw\(index)")
            try Data(randomBytes(size, using: &generator)).write(to: input)
            try Data(password).write(to: pass)
            let salt = Hex.encode(randomBytes(Int(generator.next() % 32) + 1, using: &generator))
            var theirs = ["-c", cipher, "--passwdfd", "3", "--salt", salt, "--pbkdfiter", "\(index + 50)", "--iv", iv,
                          "-i", input.path]
            var ours = ["enc", "-c", cipher, "--passwd-fd", "3", "--salt", salt, "--pbkdf-iter", "\(index + 50)",
                        "--iv", iv, "-i", input.path, "--engine", "kernel"] + extra
            if let mac { theirs += ["--pbkdfmac", mac]; ours += ["--pbkdf-mac", mac] }
            let reference = try KcryptoProcess.spawn(apps.enc, theirs, files: [3: pass.path])
            try #require(reference.status == 0, "kcapi-enc: \(reference.stderr)")
            let run = try KcryptoProcess.run(ours, files: [3: pass.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdoutBytes == reference.stdoutBytes, "case \(index): \(cipher) size \(size)")
            #expect(run.stdoutBytes.count == size)
        }
    }

    @Test("dec and a salt kcapi-enc picked: kcapi-enc prints it, kcrypto dec with it gives the input back")
    func printedSaltRepeats() throws {
        try requireAFALG()
        guard let apps = Self.apps(), Self.served("ctr(aes)") else { return }
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = randomBytes(300, seed: 0x73616c74)
        let input = dir.appendingPathComponent("in"), sealed = dir.appendingPathComponent("sealed")
        try Data(plain).write(to: input)
        let iv = String(repeating: "5a", count: 16)
        let reference = try KcryptoProcess.spawn(apps.enc, ["-c", "ctr(aes)", "-p", "pass word", "--pbkdfiter", "60",
                                                            "--iv", iv, "-i", input.path])
        try #require(reference.status == 0, "kcapi-enc: \(reference.stderr)")
        let saltLine = try #require(reference.stderr.split(separator: "\n").first { $0.contains("PBKDF2 salt used: ") })
        let salt = try #require(saltLine.split(separator: " ").last.map(String.init))
        #expect(salt.count == 64, "kcapi-enc's salt: \(saltLine)")
        try Data(reference.stdoutBytes).write(to: sealed)
        let run = try KcryptoProcess.run(["dec", "-c", "ctr(aes)", "--passwd", "pass word", "--salt", salt,
                                          "--pbkdf-iter", "60", "--iv", iv, "-i", sealed.path, "--engine", "kernel"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutBytes == plain)
        #expect(run.stderr.contains("--passwd is visible"), "the command-line warning, as kcapi-enc gives one")
    }

    @Test("dgst: kcapi-dgst --hex with a password equals kcrypto dgst's digest")
    func digestMatches() throws {
        try requireAFALG()
        guard let apps = Self.apps(), Self.served("hmac(sha256)") else { return }
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in"), pass = dir.appendingPathComponent("pw")
        try Data(randomBytes(500, seed: 0x64677374)).write(to: input)
        try Data("digest password\n".utf8).write(to: pass)
        let reference = try KcryptoProcess.spawn(apps.dgst, ["-c", "hmac(sha256)", "--passwdfd", "3", "--salt", "a1b2c3",
                                                             "--pbkdfiter", "40", "--hex", "-i", input.path],
                                                 files: [3: pass.path])
        try #require(reference.status == 0 && reference.stdout.count == 64, "kcapi-dgst: \(reference.stderr)")
        let run = try KcryptoProcess.run(["dgst", "-c", "hmac(sha256)", "--passwd-fd", "3", "--salt", "a1b2c3",
                                          "--pbkdf-iter", "40", "--engine", "kernel", input.path], files: [3: pass.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "\(reference.stdout)  \(input.path)\n")
    }
}
