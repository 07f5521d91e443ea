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

    @Test("enc: kcapi-enc --passwdfd/-p [--salt] --pbkdfiter [--pbkdfmac] equals kcrypto enc with the same options; the salt kcapi-enc picks and prints repeats its run in kcrypto")
    func encryptionMatches() throws {
        try requireAFALG()
        guard let apps = Self.apps(), Self.served("ctr(aes)", "cbc(aes)", "hmac(sha1)") else { return }
        let dir = try OpenSSLEncFormatTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SeededGenerator(state: 0x6b636170)
        let iv = Hex.encode(randomBytes(16, using: &generator))
        let plain = [randomBytes(1000, using: &generator), randomBytes(64, using: &generator)]
        let inputs = try plain.indices.map { index in
            let url = dir.appendingPathComponent("in\(index)")
            try Data(plain[index]).write(to: url)
            return url.path
        }
        let pass = dir.appendingPathComponent("pw")
        try Data("correct horse\n".utf8).write(to: pass)

        // ctr(aes), the password from a descriptor with its newline, no --salt: kcapi-enc picks and prints one. It
        // draws the salt from AF_ALG's `stdrng`, which no longer binds from 7.2 on (ENOENT): there kcapi-enc cannot
        // pick a salt at all (asserted), and the comparison runs with a salt given to both.
        var salt = Hex.encode(randomBytes(32, using: &generator))
        let picks = kernelVersion() < (7, 2)
        let picked = try KcryptoProcess.spawn(apps.enc, ["-c", "ctr(aes)", "--passwdfd", "3", "--pbkdfiter", "50",
                                                         "--iv", iv, "-i", inputs[0]] + (picks ? [] : ["--salt", salt]),
                                              files: [3: pass.path])
        if picks {
            try #require(picked.status == 0, "kcapi-enc: \(picked.stderr)")
            let saltLine = try #require(picked.stderr.split(separator: "\n").first { $0.contains("PBKDF2 salt used: ") })
            salt = try #require(saltLine.split(separator: " ").last.map(String.init))
            #expect(salt.count == 64, "kcapi-enc's salt: \(saltLine)")
        } else {
            try #require(picked.status == 0, "kcapi-enc with --salt: \(picked.stderr)")
            let unsalted = try KcryptoProcess.spawn(apps.enc, ["-c", "ctr(aes)", "--passwdfd", "3", "--pbkdfiter", "50",
                                                               "--iv", iv, "-i", inputs[0]], files: [3: pass.path])
            #expect(unsalted.status != 0 && unsalted.stderr.contains("bind failed"),
                    "kcapi-enc picking a salt on \(kernelVersion()): exit \(unsalted.status), \(unsalted.stderr)")
        }
        let repeated = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--passwd-fd", "3", "--salt", salt,
                                               "--pbkdf-iter", "50", "--iv", iv, "-i", inputs[0], "--engine", "kernel"],
                                              files: [3: pass.path])
        #expect(repeated.status == 0 && repeated.stderr.isEmpty, "\(repeated.stderr)")
        #expect(repeated.stdoutBytes == picked.stdoutBytes && picked.stdoutBytes.count == 1000, "ctr(aes)")

        // cbc(aes) on whole blocks (kcapi-enc adds no padding: kcrypto --padding none), -p, hmac(sha1).
        let salt2 = Hex.encode(randomBytes(Int(generator.next() % 31) + 1, using: &generator))
        let reference = try KcryptoProcess.spawn(apps.enc, ["-c", "cbc(aes)", "-p", "battery staple", "--salt", salt2,
                                                            "--pbkdfiter", "70", "--pbkdfmac", "hmac(sha1)",
                                                            "--iv", iv, "-i", inputs[1]])
        try #require(reference.status == 0, "kcapi-enc: \(reference.stderr)")
        let run = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--passwd", "battery staple", "--salt", salt2,
                                          "--pbkdf-iter", "70", "--pbkdf-mac", "hmac(sha1)", "--iv", iv, "-i", inputs[1],
                                          "--padding", "none", "--engine", "kernel"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("--passwd is visible"), "the command-line warning, as kcapi-enc gives one")
        #expect(run.stdoutBytes == reference.stdoutBytes && reference.stdoutBytes.count == 64, "cbc(aes)")
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
