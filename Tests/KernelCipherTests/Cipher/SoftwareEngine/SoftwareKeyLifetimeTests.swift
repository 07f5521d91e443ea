import Dispatch
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

@Suite("Software engine: re-key racing release")
struct SoftwareRekeyReleaseTests {
    /// A `setKey` that passes its released check just before `release()` runs must not leave the new key in the
    /// engine: release promises every key copy is dropped (and then zeroized), not kept until the transform is freed.
    @Test func setKeyRacingReleaseLeavesNoKey() throws {
        var leftBehind = 0
        for round in 0..<20000 {
            let tfm = try CipherTransform("cbc(aes)", engine: .software)
            let key = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 16)
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                if i == 0 { _ = try? tfm.setKey(key) } else { tfm.release() }
            }
            if let engine = tfm.cipherEngine as? SoftwareCipherEngine, engine.hasKey { leftBehind += 1 }
        }
        #expect(leftBehind == 0, "\(leftBehind) of 20000 released transforms still held a key")
    }
}
