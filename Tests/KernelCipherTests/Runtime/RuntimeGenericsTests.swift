import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// The runtime knows no cipher: a family with its own slot, work and output plugs into the slot pool, the worker
/// queue and the dispatcher as they are (what the AEAD/hash/RNG families will do).
@Suite struct RuntimeGenericsTests {
    /// A stand-in slot: counts what ran on it.
    final class Counter: @unchecked Sendable { var runs = 0 }

    @Test func anotherFamilyRunsOnTheRuntime() throws {
        let made = Atomic<Int>(0)
        let pool = SlotPool<Counter>(keepIdle: 2) { () throws(KernelCipherError) in
            made.add(1, ordering: .relaxed)
            return Counter()
        }
        let dispatcher = RequestDispatcher<Int, String>(mode: .threads) {
            WorkerQueue<Int, String>(maxInFlight: 2, backlogLimit: 8) { job in
                do throws(KernelCipherError) {
                    let pooled = try pool.checkout()
                    defer { pool.checkin(pooled) }
                    let runs = pooled.use { counter in counter.runs += 1; return counter.runs }
                    job.finish(.success("\(job.work * 2)#\(runs)"))
                } catch {
                    job.finish(.failure(error))
                }
            }
        }
        let results = LockedValue<[Int: String]>([:])
        let done = ConditionLock(0)
        for n in 0..<20 {
            let job = Job<Int, String>(n) { result in
                results.withLock { $0[n] = try? result.get() }
                done.withLock { $0 += 1 }
                done.broadcast()
            }
            try dispatcher.submit(job, mayBacklog: true)
        }
        done.withLock(waitingUntil: { $0 == 20 }) { _ in }
        dispatcher.release()
        let doubled = results.withLock { $0 }.mapValues { $0.split(separator: "#").first.map(String.init) }
        #expect(doubled == Dictionary(uniqueKeysWithValues: (0..<20).map { ($0, "\($0 * 2)") }))
        #expect((1...2).contains(made.load(ordering: .relaxed)), "slots are reused across jobs")

        // A failing use marks the slot broken: the pool frees it instead of reusing it.
        let pooled = try pool.checkout()
        #expect(throws: KernelCipherError.busy) {
            try pooled.use { (_) throws(KernelCipherError) in throw .busy }
        }
        #expect(pooled.isBroken)
        pool.checkin(pooled)
        let others = try (0..<3).map { _ in try pool.checkout() }
        #expect(!others.contains { $0 === pooled })
    }
}
