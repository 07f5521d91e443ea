#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// The worker threads hand jobs over without a wake-up per job: no job may be lost at the edge between a worker
/// spinning, going to sleep and being signalled, whoever submits (outside threads, or completions on the workers).
@Suite struct WorkerQueueTests {
    /// Submitters that pause now and then (so workers go idle, spin, and fall asleep) and completions that
    /// resubmit: every job completes exactly once and release joins every worker.
    @Test(arguments: [1, 2, 4, 8])
    func noJobIsLostAcrossSpinAndSleep(maxInFlight: Int) {
        let perThread = 3_000, submitters = 3, resubmits = 2
        let total = perThread * submitters * (1 + resubmits)
        let done = ConditionLock(0)
        let ran = Atomic<Int>(0)
        let queue = WorkerQueue<Int, Int>(maxInFlight: maxInFlight, backlogLimit: 16) { job in
            ran.add(1, ordering: .relaxed)
            job.finish(.success(job.work))
        }
        let box = QueueBox(queue)
        @Sendable func submit(_ generation: Int) {
            let job = Job<Int, Int>(generation) { result in
                #expect((try? result.get()) == generation)
                if generation < resubmits { submit(generation + 1) }  // from the worker, as a chained request does
                done.withLock { $0 += 1 }
                done.broadcast()
            }
            #expect(throws: Never.self) { try box.queue.submit(job, mayBacklog: true) }
        }
        let threads = (0..<submitters).map { t in
            startThread {
                for i in 0..<perThread {
                    submit(0)
                    if (i + t) % 97 == 0 { usleep(300) }  // longer than the spin: workers go to sleep
                }
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        done.withLock(waitingUntil: { $0 == total }) { _ in }
        #expect(ran.load(ordering: .relaxed) == total)
        queue.release()
        #expect(throws: KernelCipherError.transformReleased) { try queue.submit(Job(0, completion: nil), mayBacklog: true) }
    }

    /// Without `.mayBacklog`, a job beyond `maxInFlight` running or waiting is refused with `.busy`.
    @Test func busyWithoutBacklog() throws {
        let gate = ConditionLock(false)
        let queue = WorkerQueue<Int, Int>(maxInFlight: 2, backlogLimit: 0) { job in
            gate.withLock(waitingUntil: { $0 }) { _ in }
            job.finish(.success(job.work))
        }
        let finished = Atomic<Int>(0)
        for n in 0..<2 {
            try queue.submit(Job(n) { _ in finished.add(1, ordering: .relaxed) }, mayBacklog: false)
        }
        #expect(throws: KernelCipherError.busy) { try queue.submit(Job(9, completion: nil), mayBacklog: false) }
        gate.withLock { $0 = true }
        gate.broadcast()
        queue.release()
        #expect(finished.load(ordering: .relaxed) == 2)
    }

    final class QueueBox: Sendable {
        let queue: WorkerQueue<Int, Int>
        init(_ queue: WorkerQueue<Int, Int>) { self.queue = queue }
    }
}

/// More chains of requests (each completion submitting the next) than workers: the shared queue is not starved, and
/// release fails what waits.
@Suite(.timeLimit(.minutes(1))) struct WorkerChainTests {
    /// More chains than workers, resubmitting from their completions without end, while an outside thread submits
    /// jobs and waits for each: the outside jobs all complete, and every chain link completes exactly once.
    @Test func chainsDoNotStarveTheSharedQueue() {
        let chains = 16, outside = 2_000
        let stop = Atomic<Bool>(false), links = Atomic<Int>(0), ended = ConditionLock(0), outsideDone = ConditionLock(0)
        let queue = WorkerQueue<Int, Int>(maxInFlight: 2, backlogLimit: 4) { job in job.finish(.success(job.work)) }
        let box = WorkerQueueTests.QueueBox(queue)
        @Sendable func link(_ n: Int) {
            let job = Job<Int, Int>(n) { result in
                #expect((try? result.get()) == n)
                links.add(1, ordering: .relaxed)
                if stop.load(ordering: .relaxed) {
                    ended.withLock { $0 += 1 }
                    ended.broadcast()
                } else {
                    link(n + 1)
                }
            }
            #expect(throws: Never.self) { try box.queue.submit(job, mayBacklog: true) }
        }
        for _ in 0..<chains { link(0) }
        for i in 0..<outside {
            let job = Job<Int, Int>(i) { _ in
                outsideDone.withLock { $0 += 1 }
                outsideDone.broadcast()
            }
            #expect(throws: Never.self) { try queue.submit(job, mayBacklog: true) }
            // One at a time, while the chains run: a starved shared queue hangs here (`.timeLimit` does not end a
            // blocked synchronous test; the CI run's own limit does).
            outsideDone.withLock(waitingUntil: { $0 == i + 1 }) { _ in }
        }
        stop.store(true, ordering: .relaxed)
        ended.withLock(waitingUntil: { $0 == chains }) { _ in }
        #expect(links.load(ordering: .relaxed) > 0)
        queue.release()
    }

    /// Release while chains run on every worker: each accepted job completes exactly once, with its result or
    /// `.transformReleased`, by the time release returns.
    @Test(arguments: [1, 2, 3])
    func releaseFailsWaitingChainJobs(maxInFlight: Int) {
        let accepted = Atomic<Int>(0), completed = Atomic<Int>(0), released = Atomic<Int>(0)
        let queue = WorkerQueue<Int, Int>(maxInFlight: maxInFlight, backlogLimit: 4) { job in job.finish(.success(1)) }
        let box = WorkerQueueTests.QueueBox(queue)
        @Sendable func link() {
            let job = Job<Int, Int>(0) { result in
                completed.add(1, ordering: .relaxed)
                switch result {
                case .success: link()
                case .failure(let error):
                    #expect(error == .transformReleased)
                    released.add(1, ordering: .relaxed)
                }
            }
            do {
                try box.queue.submit(job, mayBacklog: true)
                accepted.add(1, ordering: .relaxed)
            } catch {
                #expect(error == .transformReleased)
            }
        }
        for _ in 0..<12 { link() }
        usleep(20_000)
        queue.release()
        #expect(completed.load(ordering: .relaxed) == accepted.load(ordering: .relaxed))
        #expect(released.load(ordering: .relaxed) >= 1, "jobs waiting at release are failed, not dropped")
    }
}
