import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `--key-serial` / `--key-desc` option rules, checked before any engine is chosen (host and VM).
@Suite struct KeyringKeyOptionTests {
    static let iv = String(repeating: "00", count: 16)

    @Test(arguments: [["--key-serial", "5", "--key", String(repeating: "00", count: 16)],
                      ["--key-desc", "logon:a:b", "--key-file", "/dev/null"],
                      ["--key-serial", "5", "--key-desc", "logon:a:b"]])
    func keyringOptionsExcludeTheOthers(keys: [String]) throws {
        let out = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--iv", Self.iv] + keys)
        #expect(out.status == 64)
        #expect(out.stderr.contains("give only one of --key, --keyfd, --key-file, --key-serial and --key-desc"), "\(out.stderr)")
    }

    @Test func softwareEngineCannotUseAKeyringKey() throws {
        let out = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--iv", Self.iv, "--engine", "software",
                                          "--key-desc", "logon:a:b"])
        #expect(out.status == 64)
        #expect(out.stderr.hasPrefix("kcrypto: --key-serial and --key-desc keep the key in the kernel; --engine software "
            + "cannot use it\nUsage: kcrypto enc "), "\(out.stderr)")
    }

    /// The doctor row says what `KernelKeySupport.probe()` finds here (in the VM: yes on ≥ 6.2, "no: needs Linux 6.2"
    /// on 6.1, asserted by AFALGKernelKeyTests.supportProbeMatchesTheRelease; on a host without AF_ALG: unknown).
    @Test func doctorReportsKeyringSupport() throws {
        let out = try KcryptoProcess.run(["doctor"])
        let row = "keyring keys        : (ALG_SET_KEY_BY_KEY_SERIAL) " + KernelKeySupport.probe().description
        #expect(out.stdout.contains(row), "\(out.stdout)")
    }
}

/// `kcrypto enc/dec --key-desc / --key-serial` with keys added by `keyctl padd … @s` inside `keyctl new_session`
/// (keyutils, installed by the test set-up), against `--key-file` with the same key: the same bytes on ≥ 6.2, the
/// one-line "needs Linux 6.2" refusal before. `cbc(aes)` binds for root under `af_alg_restrict=1`.
@Suite(.requiresAFALG, .serialized)
struct AFALGKeyringKeyCommandTests {
    static let supported = KernelKeySupport.probe() == .supported
    static let iv = "000102030405060708090a0b0c0d0e0f"

    /// Runs `keyctl new_session; keyctl padd TYPE DESC @s < raw` and then kcrypto with `--key-desc TYPE:DESC`
    /// (`serial: false`) or `--key-serial <the serial padd printed>`, in one shell so the session is shared.
    static func runWithKeyctl(type: String, description: String, raw: String, serial: Bool,
                              _ arguments: [String]) throws -> KcryptoProcess.Output {
        let option = serial ? "--key-serial \"$id\"" : "--key-desc \"$1:$2\""
        let script = "keyctl new_session >/dev/null && id=$(keyctl padd \"$1\" \"$2\" @s < \"$3\") && "
            + "shift 3 && exec \"$0\" \"$@\" \(option.replacingOccurrences(of: "$1:$2", with: "\(type):\(description)"))"
        return try KcryptoProcess.spawn("/bin/sh", ["-c", script, KcryptoProcess.executableURL.path, type, description,
                                                     raw] + arguments)
    }

    @Test(arguments: [("logon", false), ("user", true)])
    func sameBytesAsTheKeyFile(type: String, bySerial: Bool) throws {
        try requireAFALG()
        let scratch = try Scratch()
        let key = randomBytes(32, seed: 0x6b65_7972)
        try scratch.write("kraw", key)
        try scratch.write("khex", Array(Hex.encode(key).utf8))
        try scratch.write("p", randomBytes(20_000, seed: 14))
        let description = "swift-kcapi-test:\(UInt64.random(in: 0 ... .max))"
        let common = ["-c", "cbc(aes)", "--iv", Self.iv]
        let viaKeyring = try Self.runWithKeyctl(
            type: type, description: description, raw: scratch.path("kraw"), serial: bySerial,
            ["enc"] + common + ["-i", scratch.path("p"), "-o", scratch.path("ck")])
        guard Self.supported else {
            #expect(viaKeyring.status == 1)
            #expect(viaKeyring.stderr.hasPrefix("kcrypto: keyring keys (ALG_SET_KEY_BY_KEY_SERIAL) need Linux 6.2"),
                    "\(viaKeyring.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("ck")))
            return
        }
        try #require(viaKeyring.status == 0, "\(viaKeyring.stderr)")
        let viaFile = try KcryptoProcess.run(["enc"] + common + ["--key-file", scratch.path("khex"),
                                              "-i", scratch.path("p"), "-o", scratch.path("cf")])
        try #require(viaFile.status == 0, "\(viaFile.stderr)")
        #expect(try scratch.read("ck") == (try scratch.read("cf")))
        guard type == "logon", !bySerial else { return }  // one decryption suffices (each kcrypto run is slow in TCG)
        let back = try Self.runWithKeyctl(
            type: type, description: description, raw: scratch.path("kraw"), serial: bySerial,
            ["dec"] + common + ["-i", scratch.path("ck"), "-o", scratch.path("d")])
        try #require(back.status == 0, "\(back.stderr)")
        #expect(try scratch.read("d") == (try scratch.read("p")))
    }

    /// `dgst -c 'hmac(sha256)' --key-desc logon:…` prints the MAC `--key-file` with the same key prints
    /// (`hmac(sha256)` binds for root under `af_alg_restrict=1`).
    @Test func dgstMACFromAKeyringKey() throws {
        try requireAFALG()
        let scratch = try Scratch()
        let key = randomBytes(32, seed: 0x6d61_6321)
        try scratch.write("kraw", key)
        try scratch.write("khex", Array(Hex.encode(key).utf8))
        try scratch.write("m", randomBytes(5000, seed: 15))
        let description = "swift-kcapi-test:\(UInt64.random(in: 0 ... .max))"
        let viaKeyring = try Self.runWithKeyctl(
            type: "logon", description: description, raw: scratch.path("kraw"), serial: false,
            ["dgst", "-c", "hmac(sha256)", scratch.path("m")])
        guard Self.supported else {
            #expect(viaKeyring.status == 1)
            #expect(viaKeyring.stderr.hasPrefix("kcrypto: keyring keys (ALG_SET_KEY_BY_KEY_SERIAL) need Linux 6.2"),
                    "\(viaKeyring.stderr)")
            #expect(viaKeyring.stdout.isEmpty)
            return
        }
        try #require(viaKeyring.status == 0, "\(viaKeyring.stderr)")
        let viaFile = try KcryptoProcess.run(["dgst", "-c", "hmac(sha256)", "--engine", "software",
                                              "--key-file", scratch.path("khex"), scratch.path("m")])
        try #require(viaFile.status == 0, "\(viaFile.stderr)")
        #expect(viaKeyring.stdout == viaFile.stdout && !viaFile.stdout.isEmpty)
    }

    @Test func missingDescriptionIsOneLine() throws {
        try requireAFALG()
        let scratch = try Scratch()
        try scratch.write("p", randomBytes(32, seed: 1))
        let out = try KcryptoProcess.run(["enc", "-c", "cbc(aes)", "--iv", Self.iv, "--key-desc",
                                          "logon:swift-kcapi-test:absent-\(UInt64.random(in: 0 ... .max))",
                                          "-i", scratch.path("p"), "-o", scratch.path("c")])
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("kcrypto: logon:swift-kcapi-test:absent-") && out.stderr.contains("not found"),
                "\(out.stderr)")
    }
}
