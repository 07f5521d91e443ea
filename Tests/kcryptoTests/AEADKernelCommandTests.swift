import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto enc|dec --engine kernel` with AEAD ciphers in the VM: the same bytes as `--engine software`, a tag
/// mismatch with no output, and the kernel's one-request limit in the message. On 7.3 with `af_alg_restrict=1`
/// a refused name gives the one-line policy error instead (asserted, never skipped).
@Suite(.requiresAFALG)
struct AFALGAEADCommandTests {
    /// ccm(aes) runs everywhere (root may bind it on 7.3 too); gcm(aes) only shows the 7.3 refusal. Each kcrypto
    /// process costs about 3 s in the VM, so the library suite carries the broad differential and this one the CLI.
    static let cases: [(algorithm: String, key: String, iv: String, aad: String)] = [
        ("ccm(aes)", "000102030405060708090a0b0c0d0e0f", "03" + String(repeating: "11", count: 12) + "000000", "0102030405"),
        ("gcm(aes)", "000102030405060708090a0b0c0d0e0f", "cafebabefacedbaddecaf888", "feedface"),
    ]

    @Test func kernelMatchesSoftware() throws {
        let scratch = try Scratch()
        for c in Self.cases {
            let base = ["-c", c.algorithm, "--key", c.key, "--iv", c.iv, "--aad", c.aad]
            if AFALGCommandTests.expectedHasStatus(c.algorithm, type: .aead) == 3 {
                try scratch.write("r", randomBytes(64, seed: 3))
                let out = try KcryptoProcess.run(["enc"] + base + ["--engine", "kernel", "-i", scratch.path("r"), "-o", scratch.path("rc")])
                #expect(out.status == 1 && out.stderr.contains("af_alg_restrict=1") && out.stderr.contains(c.algorithm), "\(out.stderr)")
                #expect(!FileManager.default.fileExists(atPath: scratch.path("rc")))
                continue
            }
            if c.algorithm != "ccm(aes)" { continue }
            for size in [70_000] {
                try scratch.write("p", randomBytes(size, seed: UInt64(size)))
                for engine in ["kernel", "software"] {
                    let out = try KcryptoProcess.run(["enc"] + base + ["--engine", engine, "-i", scratch.path("p"), "-o", scratch.path("c-\(engine)")])
                    #expect(out.status == 0, "\(c.algorithm) \(engine): \(out.stderr)")
                }
                #expect(try scratch.read("c-kernel") == scratch.read("c-software"), "\(c.algorithm) size \(size)")
                let dec = try KcryptoProcess.run(["dec"] + base + ["--engine", "kernel", "-i", scratch.path("c-software"), "-o", scratch.path("d")])
                let plain = try scratch.read("p"), opened = try scratch.read("d")
                #expect(dec.status == 0 && opened == plain, "\(c.algorithm): \(dec.stderr)")
                var bad = try scratch.read("c-kernel")
                bad[bad.count - 1] ^= 1
                try EncDecErrorTests.expectFailure(["dec"] + base + ["--engine", "kernel"], input: bad,
                                                   message: "kcrypto: authentication failed")
            }
            // One byte over the kernel's request limit (the socket buffers): refused with the limit named.
            let limit = KernelAEADLimit.bytes
            try EncDecErrorTests.expectFailure(["enc"] + base + ["--engine", "kernel"], input: randomBytes(limit, seed: 5),
                                               message: "exceeds the limit of \(limit) bytes per request")
        }
    }
}

/// The kernel engine's AEAD request limit as the library reports it.
enum KernelAEADLimit {
    static var bytes: Int {
        ((try? AEADTransform("ccm(aes)", engine: .kernel))?.maximumRequestSize) ?? 0
    }
}
