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

/// The slots workers hold are counted by hand (`Unmanaged`, so running the next job costs no retain and release):
/// every slot made is freed exactly once — when it goes stale after a re-key, when a request breaks it, when its worker
/// idles or stops — and none outlives the pool. A missed release leaves one alive; a double release crashes. The same
/// for the jobs completions keep on their worker (handed over without a retain): each is freed once it ran.
@Suite(.timeLimit(.minutes(1))) struct WorkerHeldSlotOwnershipTests {
    /// A slot that counts the live instances.
    final class CountedSlot: Sendable {
        let counters: Counters
        init(_ counters: Counters) { self.counters = counters; counters.live.add(1, ordering: .relaxed) }
        deinit { counters.live.subtract(1, ordering: .relaxed) }
    }

    /// A request's work that counts the live instances (so the live jobs).
    final class CountedWork: Sendable {
        let link: Int, counters: Counters
        init(_ link: Int, _ counters: Counters) {
            self.link = link
            self.counters = counters
            counters.liveWork.add(1, ordering: .relaxed)
        }
        deinit { counters.liveWork.subtract(1, ordering: .relaxed) }
    }

    final class Counters: Sendable {
        let live = Atomic<Int>(0), made = Atomic<Int>(0), finished = Atomic<Int>(0), wrong = Atomic<Int>(0)
        let liveWork = Atomic<Int>(0)
    }

    @Test(arguments: [1, 2, 4])
    func everyHeldSlotIsFreedOnce(chains: Int) throws {
        let counters = Counters(), links = 300
        do {
            let pool = SlotPool<CountedSlot>(keepIdle: chains, workersHold: true) { () throws(KernelCipherError) in
                counters.made.add(1, ordering: .relaxed)
                return CountedSlot(counters)
            }
            let dispatcher = RequestDispatcher<CountedWork, Int>.workers(
                slots: pool, options: TransformOptions(maxInFlight: chains)
            ) { (pooled, work) throws(KernelCipherError) -> Int in
                // Every 7th request breaks its slot (the held slot must then be dropped, not reused).
                try pooled.use { (_: CountedSlot) throws(KernelCipherError) -> Int in
                    if work.link % 7 == 3 { throw .busy }
                    return work.link
                }
            }
            @Sendable func submit(_ link: Int) {
                let job = Job<CountedWork, Int>(CountedWork(link, counters)) { result in
                    if link % 7 != 3, (try? result.get()) != link { counters.wrong.add(1, ordering: .relaxed) }
                    if link % 50 == 25 { _ = pool.flush() }  // a re-key from a completion: held slots go stale
                    if link == links {
                        counters.finished.add(1, ordering: .releasing)
                    } else {
                        submit(link + 1)
                    }
                }
                do { try dispatcher.submit(job, mayBacklog: true) } catch { counters.wrong.add(1, ordering: .relaxed) }
            }
            for _ in 0..<chains { submit(0) }
            while counters.finished.load(ordering: .acquiring) < chains { usleep(1000) }
            dispatcher.release()
            _ = pool.flush(releasing: true)
        }
        #expect(counters.wrong.load(ordering: .relaxed) == 0)
        #expect(counters.made.load(ordering: .relaxed) > chains, "re-keys and broken slots made new ones")
        #expect(counters.live.load(ordering: .relaxed) == 0, "every slot freed once the pool and its workers are gone")
        #expect(counters.liveWork.load(ordering: .relaxed) == 0, "every job freed once it ran")
    }
}
