import Testing
@testable import KernelCipher

@Suite("Software engine: key lifetime under re-keying")
struct SoftwareKeyLifetimeTests {
    /// Issue 10 item 1: no request may run under a key that is being wiped (an all-zero key) or half-replaced.
    @Test func rekeyWhileEncrypting() throws {
        let outcome = try RekeyConformance.rekeyRace(.software)
        print("REKEY software: \(outcome)")
    }
}
