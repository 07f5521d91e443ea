import Foundation
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Re-keying while requests run, shared by the software suite (host) and the AFALG suite (VM).
enum RekeyConformance {
    /// What one run of `rekeyRace` saw.
    struct Outcome: CustomStringConvertible {
        var encrypted = 0, underA = 0, underB = 0, wrong = 0, failed = 0
        var rekeys = 0, rekeysRefused = 0
        /// The first few problems, recorded as issues once the threads are joined (Issue.record needs the test's task).
        var notes: [String] = []
        var description: String {
            "\(encrypted) outputs: \(underA) under A, \(underB) under B, \(wrong) under neither, \(failed) failed; "
                + "\(rekeys) re-keys, \(rekeysRefused) refused with EBUSY"
        }
    }

    /// Rounds per encrypting thread; `KCAPI_REKEY_ROUNDS` raises it to reproduce rare interleavings.
    static var rounds: Int { ProcessInfo.processInfo.environment["KCAPI_REKEY_ROUNDS"].flatMap(Int.init) ?? 100_000 }

    /// Two threads encrypt one 16-byte block (`cbc(aes)`) while a third alternates `setKey(A)` / `setKey(B)`.
    /// Every output must be the ciphertext under A or under B: anything else (e.g. under an all-zero key)
    /// means a request ran with key bytes that were being wiped or replaced. The kernel may refuse a re-key
    /// with EBUSY while op sockets exist; that is counted, not failed.
    static func rekeyRace(_ engine: EnginePreference, rounds: Int = rounds) throws -> Outcome {
        let keyA = (0..<16).map { UInt8($0 &* 7 &+ 1) }, keyB = (0..<16).map { UInt8(0xF0 ^ $0) }
        let plain = [UInt8](repeating: 0x3C, count: 16), iv = [UInt8](repeating: 0x11, count: 16)
        let expectedA = try Conformance.makeTransform("cbc(aes)", .software, key: keyA).encrypt(plain, iv: iv)
        let expectedB = try Conformance.makeTransform("cbc(aes)", .software, key: keyB).encrypt(plain, iv: iv)
        let underZero = try Conformance.makeTransform("cbc(aes)", .software, key: [UInt8](repeating: 0, count: 16))
            .encrypt(plain, iv: iv)
        let tfm = try Conformance.makeTransform("cbc(aes)", engine, key: keyA)
        defer { tfm.release() }

        let outcome = LockedValue(Outcome())
        let running = Atomic<Int>(2)
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                var local = Outcome()
                for _ in 0..<rounds {
                    local.encrypted += 1
                    do {
                        let out = try tfm.encrypt(plain, iv: iv)
                        if out == expectedA { local.underA += 1 } else if out == expectedB { local.underB += 1 } else {
                            local.wrong += 1
                            if local.wrong <= 3 {
                                local.notes.append("output under neither key\(out == underZero ? " (all-zero key)" : "")")
                            }
                        }
                    } catch {
                        local.failed += 1
                        if local.failed <= 3 { local.notes.append("encrypt failed during re-keying: \(error)") }
                    }
                }
                outcome.withLock {
                    $0.encrypted += local.encrypted; $0.underA += local.underA; $0.underB += local.underB
                    $0.wrong += local.wrong; $0.failed += local.failed; $0.notes += local.notes
                }
                running.subtract(1, ordering: .releasing)
                group.leave()
            }
        }
        group.enter()
        Thread.detachNewThread {
            var rekeys = 0, refused = 0, useA = false, note: String?
            while running.load(ordering: .acquiring) > 0 {
                do throws(KernelCipherError) {
                    try tfm.setKey(useA ? keyA : keyB)
                    rekeys += 1
                    useA.toggle()
                } catch .kernel(_, let errno) where errno == .busy && engine == .kernel {
                    refused += 1
                } catch {
                    note = "setKey failed: \(error)"
                    break
                }
            }
            outcome.withLock { $0.rekeys = rekeys; $0.rekeysRefused = refused; if let note { $0.notes.append(note) } }
            group.leave()
        }
        group.wait()
        let result = outcome.withLock { $0 }
        for note in result.notes { Issue.record(Comment(rawValue: note)) }
        #expect(result.wrong == 0, "\(result)")
        #expect(result.failed == 0, "\(result)")
        #expect(result.encrypted == 2 * rounds)
        #expect(result.rekeys > 0, "the re-keying thread must have run alongside the encryptions")
        return result
    }
}
