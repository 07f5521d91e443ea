#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import Testing
@testable import KernelCipher

/// The job's exactly-once state machine under races: whatever wins (a worker starting it, a release or a
/// cancellation abandoning it, an awaiting task installing its completion), the completion runs exactly once.
@Suite struct JobTests {
    /// What a completion saw: deliveries per job and which outcome.
    final class Tally: @unchecked Sendable {
        let calls: UnsafeMutableBufferPointer<Atomic<Int>>
        let successes = Atomic<Int>(0)
        init(_ count: Int) {
            calls = .allocate(capacity: count)
            for i in 0..<count { (calls.baseAddress! + i).initialize(to: Atomic(0)) }
        }
        deinit { calls.deallocate() }
        func record(_ index: Int, _ result: Result<Int, KernelCipherError>) {
            calls[index].add(1, ordering: .relaxed)
            if case .success = result { successes.add(1, ordering: .relaxed) }
        }
        var allOnce: Bool { (0..<calls.count).allSatisfy { calls[$0].load(ordering: .relaxed) == 1 } }
    }

    /// Runs `first` and `second` on two threads at once for every index.
    private func race(_ count: Int, _ first: @escaping @Sendable (Int) -> Void, _ second: @escaping @Sendable (Int) -> Void) {
        let a = startThread { for i in 0..<count { first(i) } }
        let b = startThread { for i in 0..<count { second(i) } }
        pthread_join(a, nil)
        pthread_join(b, nil)
    }

    @Test func startRacingAbandonDeliversOnce() {
        let count = 20_000
        let tally = Tally(count)
        let jobs = (0..<count).map { i in Job<Int, Int>(i) { tally.record(i, $0) } }
        for job in jobs { #expect(job.markQueued()) }
        let started = Atomic<Int>(0)
        race(count, { i in
            if jobs[i].start() { started.add(1, ordering: .relaxed); jobs[i].finish(.success(i)) }
        }, { i in
            jobs[count - 1 - i].abandon(.transformReleased)
        })
        #expect(tally.allOnce)
        #expect(tally.successes.load(ordering: .relaxed) == started.load(ordering: .relaxed))
        // A finished job neither starts nor delivers again.
        #expect(!jobs[0].start())
        jobs[0].abandon(.cancelled)
        #expect(tally.calls[0].load(ordering: .relaxed) == 1)
    }

    @Test func installRacingAbandonDeliversOnce() {
        let count = 20_000
        let tally = Tally(count)
        let jobs = (0..<count).map { Job<Int, Int>($0, completion: nil) }
        let installed = Atomic<Int>(0)
        race(count, { i in
            if jobs[i].install({ tally.record(i, $0) }) { installed.add(1, ordering: .relaxed) }
        }, { i in
            jobs[count - 1 - i].abandon(.cancelled)
        })
        // Installed or not, each completion ran once, with .cancelled (nothing ran the job).
        #expect(tally.allOnce)
        #expect(tally.successes.load(ordering: .relaxed) == 0)
        #expect(installed.load(ordering: .relaxed) <= count)
    }

    /// A callback request's job calls the request's own completion with the request (no capturing closure).
    @Test func requestJobDeliversToItsRequest() {
        struct Probe: CompletingRequest {
            let tag: Int
            let seen: @Sendable (Int, Result<[UInt8], KernelCipherError>) -> Void
            func complete(_ result: Result<[UInt8], KernelCipherError>) { seen(tag, result) }
        }
        let got = Mutex<[Int]>([])
        let job = RequestJob(7, request: Probe(tag: 42) { tag, result in
            got.withLock { $0.append(tag) }
            #expect((try? result.get()) == [1, 2])
        })
        #expect(job.start())
        job.finish(.success([1, 2]))
        job.abandon(.cancelled)
        #expect(got.withLock { $0 } == [42])
    }
}
