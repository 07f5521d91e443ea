import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto kdf` on the kernel engine (in the VMs): the same bytes as the library's software engine for each KDF,
/// and HKDF's PRK / SP 800-108's key from the keyring (`--key-desc`) equal to the same key as bytes (≥ 6.2). A PRF
/// the 7.3 allowlist refuses is skipped here (the library suite asserts the refusal). The expected bytes are
/// computed in-process: each kcrypto spawn costs seconds under TCG.
@Suite(.requiresAFALG, .serialized)
struct AFALGKDFCommandTests {
    static func binds(_ prf: String) -> Bool { HashTransform.isAvailable(prf, engine: .kernel) }

    @Test("pbkdf2, hkdf and the three sp800-108 modes: --engine kernel equals --engine software")
    func kernelEqualsSoftware() throws {
        try requireAFALG()
        guard Self.binds("hmac(sha256)") else { return }
        let passwordBytes = Array("correct horse".utf8), keyBytes = randomBytes(32, seed: 0x6b6466)
        let password = try KDFCommandTests.file(passwordBytes)
        let key = try KDFCommandTests.file(Array(Hex.encode(keyBytes).utf8))
        defer { [password, key].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let fixed: [UInt8] = Array("label".utf8) + [0] + Array("context".utf8)
        func hex(_ secret: SecretBytes) -> String { secret.withUnsafeBytes { Hex.encode($0) } + "\n" }
        var runs: [(arguments: [String], expected: String)] = [
            (["pbkdf2", "--salt", "0011223344", "--iter", "1000", "-n", "50", "--passwd-file", password],
             hex(try PBKDF2KeyDerivation(engine: .software).deriveKey(
                password: passwordBytes, salt: [0x00, 0x11, 0x22, 0x33, 0x44], iterations: 1000, count: 50))),
            (["hkdf", "--key-file", key, "--salt", "01", "--info", "02", "-n", "100"],
             hex(try HKDFKeyDerivation(engine: .software).deriveKey(inputKey: keyBytes, salt: [1], info: [2], count: 100))),
        ]
        for mode in SP800108KeyDerivation.Mode.allCases {
            let expected = try SP800108KeyDerivation(mode: mode, engine: .software)
                .deriveKey(from: keyBytes, fixedInput: fixed, count: 70)
            runs.append((["sp800-108", "--mode", mode.rawValue, "--key-file", key, "--fixed-input", Hex.encode(fixed),
                          "-n", "70"], hex(expected)))
        }
        for run in runs {
            let kernel = try KcryptoProcess.run(["kdf"] + run.arguments + ["--engine", "kernel"])
            #expect(kernel.status == 0, "\(run.arguments[0]): \(kernel.stderr)")
            #expect(kernel.stdout == run.expected, "\(run.arguments)")
        }
    }

    @Test("hkdf --expand-only and sp800-108 with the key in the keyring equal the same key as bytes")
    func keyringKeys() throws {
        try requireAFALG()
        guard Self.binds("hmac(sha256)") else { return }
        let bytes = randomBytes(32, seed: 0x707266)
        let raw = try KDFCommandTests.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let expected = [
            try HKDFKeyDerivation(engine: .software).expand(pseudorandomKey: bytes, info: [0x0a, 0x0b], count: 64),
            try SP800108KeyDerivation(mode: .counter, engine: .software).deriveKey(from: bytes, fixedInput: [0x0a, 0x0b], count: 64),
        ].map { secret in secret.withUnsafeBytes { Hex.encode($0) } + "\n" }
        for (command, expected) in zip([["hkdf", "--expand-only", "--info", "0a0b", "-n", "64"],
                                         ["sp800-108", "--mode", "counter", "--fixed-input", "0a0b", "-n", "64"]], expected) {
            let fromKeyring = try AFALGKeyringKeyCommandTests.runWithKeyctl(
                type: "logon", description: "kdf:test", raw: raw, serial: false, ["kdf"] + command)
            guard AFALGKeyringKeyCommandTests.supported else {
                #expect(fromKeyring.status == 1 && fromKeyring.stderr.contains("6.2"), "\(fromKeyring.stderr)")
                continue
            }
            #expect(fromKeyring.status == 0, "\(fromKeyring.stderr)")
            #expect(fromKeyring.stdout == expected, "\(command[0])")
        }
    }
}
