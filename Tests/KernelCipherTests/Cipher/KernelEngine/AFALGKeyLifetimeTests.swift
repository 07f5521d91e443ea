import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Re-keying a kernel transform while two threads encrypt: every output is under the old or the new key.
@Suite("AF_ALG kernel engine: key lifetime under re-keying", .requiresAFALG, .serialized)
struct AFALGKeyLifetimeTests {
    @Test func rekeyWhileEncrypting() throws {
        try requireAFALG()
        let outcome = try RekeyConformance.rekeyRace(.kernel, rounds: min(RekeyConformance.rounds, 50_000))
        print("REKEY kernel: \(outcome)")
    }
}
