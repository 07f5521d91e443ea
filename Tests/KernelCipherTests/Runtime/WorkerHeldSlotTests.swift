import Foundation
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Software-engine workers keep their slot (a keyed EVP context) between requests while they stay busy
/// (`SlotPool.execute(_:held:_:)`): a slot made under an older key must never serve a request after a re-key.
@Suite(.timeLimit(.minutes(1))) struct WorkerHeldSlotTests {
    /// Chains of callback requests pause inside their completions (their workers still holding slots keyed with the
    /// old key), the transform is re-keyed, and the chains resume: every request after the re-key encrypts with the
    /// new key, byte for byte, on every worker.
    @Test(arguments: [2, 4])
    func reKeyWhileWorkersHoldSlots(chains: Int) throws {
        let keys = (0..<4).map { [UInt8](repeating: UInt8(0x10 + $0), count: 16) }
        let iv = [UInt8](repeating: 7, count: 16), data = [UInt8](repeating: 0xA5, count: 64)
        let expected = try keys.map { try Conformance.makeTransform("cbc(aes)", .software, key: $0).encrypt(data, iv: iv) }
        let tfm = try Conformance.makeTransform("cbc(aes)", .software, key: keys[0],
                                                options: .init(maxInFlight: chains))
        defer { tfm.release() }
        /// The key index requests use from now on; `paused` chains wait in their completion until it moves.
        let phase = ConditionLock((key: 0, paused: 0)), ended = ConditionLock(0)
        let wrong = LockedValue<[String]>([]), rounds = 40
        @Sendable func submit(_ key: Int, _ link: Int) {
            let request = CipherRequest(transform: tfm, input: data, iv: iv, context: key) { request, result in
                if (try? result.get()) != expected[request.context] {
                    wrong.withLock { $0.append("key \(request.context) link \(link): \(result)") }
                }
                if link == rounds {
                    ended.withLock { $0 += 1 }
                    ended.broadcast()
                    return
                }
                var next = request.context
                if link % 10 == 9 && next < keys.count - 1 {
                    // Pause on this worker (still holding its slot) until the main thread has re-keyed.
                    phase.withLock { $0.paused += 1 }
                    phase.broadcast()
                    next = phase.withLock(waitingUntil: { $0.key > request.context }) { $0.key }
                }
                submit(next, link + 1)
            }
            do { try request.encrypt() } catch { wrong.withLock { $0.append("submit: \(error)") } }
        }
        for _ in 0..<chains { submit(0, 0) }
        for key in 1..<keys.count {
            phase.withLock(waitingUntil: { $0.paused == chains }) { $0.paused = 0 }
            try tfm.setKey(keys[key])
            phase.withLock { $0.key = key }
            phase.broadcast()
        }
        ended.withLock(waitingUntil: { $0 == chains }) { _ in }
        let failures = wrong.withLock { $0 }
        #expect(failures.isEmpty, "\(failures.count) wrong results, first: \(failures.first.map { String($0.prefix(80)) } ?? "")")
    }
}
