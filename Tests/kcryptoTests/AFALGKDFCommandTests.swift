import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto kdf` on the kernel engine (in the VMs): the same bytes as the software engine for each KDF, and HKDF's
/// PRK / SP 800-108's key from the keyring (`--key-desc`) equal to the same key from a file (≥ 6.2). A PRF the
/// 7.3 allowlist refuses is skipped here (the library suite asserts the refusal).
@Suite(.requiresAFALG, .serialized)
struct AFALGKDFCommandTests {
    static func binds(_ prf: String) -> Bool { HashTransform.isAvailable(prf, engine: .kernel) }

    @Test("pbkdf2, hkdf and the three sp800-108 modes: --engine kernel equals --engine software")
    func kernelEqualsSoftware() throws {
        try requireAFALG()
        guard Self.binds("hmac(sha256)") else { return }
        let password = try KDFCommandTests.file(Array("correct horse".utf8))
        let key = try KDFCommandTests.file(Array(Hex.encode(randomBytes(32, seed: 0x6b6466)).utf8))
        defer { [password, key].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        var runs: [[String]] = [
            ["pbkdf2", "--salt", "0011223344", "--iter", "1000", "-n", "50", "--passwd-file", password],
            ["hkdf", "--key-file", key, "--salt", "01", "--info", "02", "-n", "100"],
        ]
        for mode in ["counter", "feedback", "double-pipeline"] {
            runs.append(["sp800-108", "--mode", mode, "--key-file", key, "--fixed-input", "6c6162656c00636f6e74657874",
                         "-n", "70"])
        }
        for run in runs {
            let kernel = try KcryptoProcess.run(["kdf"] + run + ["--engine", "kernel"])
            let software = try KcryptoProcess.run(["kdf"] + run + ["--engine", "software"])
            #expect(kernel.status == 0 && software.status == 0, "\(run[0]): \(kernel.stderr) \(software.stderr)")
            #expect(kernel.stdout == software.stdout && !kernel.stdout.isEmpty, "\(run)")
        }
    }

    @Test("hkdf --expand-only and sp800-108 with the key in the keyring equal the key from a file")
    func keyringKeys() throws {
        try requireAFALG()
        guard Self.binds("hmac(sha256)") else { return }
        let bytes = randomBytes(32, seed: 0x707266)
        let raw = try KDFCommandTests.file(bytes), hex = try KDFCommandTests.file(Array(Hex.encode(bytes).utf8))
        defer { [raw, hex].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        for command in [["hkdf", "--expand-only", "--info", "0a0b", "-n", "64"],
                        ["sp800-108", "--mode", "counter", "--fixed-input", "0a0b", "-n", "64"]] {
            let fromKeyring = try AFALGKeyringKeyCommandTests.runWithKeyctl(
                type: "logon", description: "kdf:test", raw: raw, serial: false, ["kdf"] + command)
            guard AFALGKeyringKeyCommandTests.supported else {
                #expect(fromKeyring.status == 1 && fromKeyring.stderr.contains("6.2"), "\(fromKeyring.stderr)")
                continue
            }
            let fromFile = try KcryptoProcess.run(["kdf"] + command + ["--key-file", hex, "--engine", "software"])
            #expect(fromKeyring.status == 0, "\(fromKeyring.stderr)")
            #expect(fromKeyring.stdout == fromFile.stdout && fromFile.stdout.count == 129)
        }
    }
}
