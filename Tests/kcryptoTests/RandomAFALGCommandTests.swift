#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto rng --engine kernel` in the VM: Linux < 7.2 serves stdrng and the DRBGs, 7.2+ only
/// jitterentropy_rng, and af_alg_restrict=1 (7.3) no rng at all (a policy refusal, exit 1).
@Suite(.requiresAFALG)
struct AFALGRandomCommandTests {
    @Test func kernelEngineWritesExactlyNBytes() throws {
        let modern = Self.kernelVersion >= (7, 2)
        let name = modern ? "jitterentropy_rng" : "drbg_nopr_hmac_sha256"
        let out = try KcryptoProcess.run(["rng", "-n", "300", "-c", name, "--engine", "kernel"])
        if AFALGPolicy.current.restrictLevel == 1 {  // the level-1 allowlist has no rng
            #expect(out.status == 1 && out.stdout.isEmpty)
            #expect(out.stderr.contains("af_alg_restrict"), "stderr: \(out.stderr)")
            return
        }
        #expect(out.status == 0, "stderr: \(out.stderr)")
        #expect(out.stdoutBytes.count == 300)
        let stdrng = try KcryptoProcess.run(["rng", "-n", "16", "--hex", "--engine", "kernel"])
        if modern {
            #expect(stdrng.status == 1 && stdrng.stderr.contains("algorithm 'stdrng' not found (kernel engine)"))
        } else {
            #expect(stdrng.status == 0 && stdrng.stdout.count == 33)
        }
    }

    /// `(major, minor)` of `uname -r`.
    static var kernelVersion: (Int, Int) {
        var fields = utsname()
        uname(&fields)
        let release = withUnsafeBytes(of: &fields.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }
}
