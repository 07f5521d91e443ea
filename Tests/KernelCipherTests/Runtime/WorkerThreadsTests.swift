#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Jobs that completions keep on their own worker (`WorkerContext.keep`): counted once in flight, and never held up
/// behind another job while a worker idles (an idle worker steals them). Blocking waits here have their own timeouts:
/// Swift Testing's `.timeLimit` does not end a test blocked on a condition variable.
@Suite(.timeLimit(.minutes(1))) struct WorkerThreadsTests {
    /// A kept job that waits behind a job its worker started later, which blocks until the kept job has run: the other
    /// worker, once idle, steals it. (Without stealing, the blocked job waits for ever: the prototype of per-worker
    /// queues hung this way.)
    @Test func keptJobBehindABlockedJobIsStolen() throws {
        let gate = Flag(), gateRunning = Flag(), blockerRunning = Flag(), lastLinkDone = Flag()
        let ranInTime = Atomic<Bool>(false)
        let queue = WorkerQueue<Int, Int>(maxInFlight: 2, backlogLimit: 4) { job in
            switch job.work {
            case Work.gate:
                gateRunning.set()
                _ = gate.wait(seconds: 30)
            case Work.blocker:
                blockerRunning.set()
                ranInTime.store(lastLinkDone.wait(seconds: 20), ordering: .relaxed)
            default: break
            }
            job.finish(.success(job.work))
        }
        let box = WorkerQueueTests.QueueBox(queue)
        // One worker blocks in the gate job, so the other is never idle until the gate opens.
        try queue.submit(Job(Work.gate, completion: nil), mayBacklog: false)
        #expect(gateRunning.wait(seconds: 20))
        // On the other worker: link 0's completion keeps link 1 and queues the blocker in the shared queue; link 1's
        // completion keeps link 2 (no worker idle); the worker then takes the blocker (it alternates), with link 2
        // kept behind it.
        let submitErrors = Atomic<Int>(0)
        @Sendable func submit(_ job: Job<Int, Int>) {
            do { try box.queue.submit(job, mayBacklog: true) } catch { submitErrors.add(1, ordering: .relaxed) }
        }
        let chain = Job<Int, Int>(0) { _ in
            submit(Job(1) { _ in submit(Job(2) { _ in lastLinkDone.set() }) })
            submit(Job(Work.blocker, completion: nil))
        }
        try queue.submit(chain, mayBacklog: true)
        #expect(blockerRunning.wait(seconds: 20))
        gate.set()  // the gate's worker goes idle: it must steal link 2
        #expect(lastLinkDone.wait(seconds: 25))
        queue.release()
        let inTime = ranInTime.load(ordering: .relaxed), errors = submitErrors.load(ordering: .relaxed)
        #expect(inTime, "the kept job waited behind the blocked one while a worker idled")
        #expect(errors == 0)
    }

    /// As many chains as workers, whose completions all wait for one another at every tenth link (a barrier only
    /// all chains running at once can pass): however the chains settle on workers, none waits behind another's
    /// blocked completion for good.
    @Test(arguments: [2, 3, 4])
    func chainsMeetingInTheirCompletionsNeverWaitBehindEachOther(chains: Int) {
        let rounds = 30, links = 10 * rounds
        let barrier = ConditionLock((arrived: 0, generation: 0)), ended = ConditionLock(0)
        let timedOut = Atomic<Int>(0)
        let queue = WorkerQueue<Int, Int>(maxInFlight: chains, backlogLimit: 4) { job in job.finish(.success(job.work)) }
        let box = WorkerQueueTests.QueueBox(queue)
        @Sendable func link(_ n: Int) {
            let job = Job<Int, Int>(n) { _ in
                if n == links {
                    ended.withLock { $0 += 1 }
                    ended.broadcast()
                    return
                }
                if n % 10 == 9 && !meet(barrier, parties: chains, seconds: 10) { timedOut.add(1, ordering: .relaxed) }
                link(n + 1)
            }
            do { try box.queue.submit(job, mayBacklog: true) } catch {
                // Only after a timeout, when the test releases the queue under chains still running.
                #expect(error == .transformReleased)
            }
        }
        for _ in 0..<chains { link(0) }
        let deadline = Flag.deadline(seconds: 45)
        while ended.withLock({ $0 }) < chains && timedOut.load(ordering: .relaxed) == 0 && Flag.now() < deadline {
            usleep(2_000)
        }
        let timeouts = timedOut.load(ordering: .relaxed)
        #expect(timeouts == 0, "a chain waited behind another chain's blocked completion")
        if timedOut.load(ordering: .relaxed) == 0 { ended.withLock(waitingUntil: { $0 == chains }) { _ in } }
        queue.release()
    }

    /// A job a completion kept counts once in flight, and the worker running it counts as busy: with two in flight
    /// allowed and a kept job blocked, one more job is accepted without `.mayBacklog` and runs on another worker
    /// meanwhile; one more is refused with `.busy`.
    @Test func keptJobCountsOnceAndLeavesRoomForAnother() throws {
        let gate = Flag(), keptRunning = Flag(), otherRan = Flag()
        let queue = WorkerQueue<Int, Int>(maxInFlight: 2, backlogLimit: 0) { job in
            switch job.work {
            case 1:
                keptRunning.set()
                _ = gate.wait(seconds: 30)
            case 2:
                otherRan.set()
                _ = gate.wait(seconds: 30)
            default: break
            }
            job.finish(.success(job.work))
        }
        let box = WorkerQueueTests.QueueBox(queue)
        let finished = Atomic<Int>(0)
        try queue.submit(Job(0) { _ in
            finished.add(1, ordering: .relaxed)
            #expect(throws: Never.self) {  // kept on this worker: nothing waits
                try box.queue.submit(Job(1) { _ in finished.add(1, ordering: .relaxed) }, mayBacklog: true)
            }
        }, mayBacklog: false)
        #expect(keptRunning.wait(seconds: 20))
        try queue.submit(Job(2) { _ in finished.add(1, ordering: .relaxed) }, mayBacklog: false)
        // It runs while the kept job is blocked: the blocked worker does not count as one that will take it.
        #expect(otherRan.wait(seconds: 20))
        #expect(throws: KernelCipherError.busy) {
            // The kept job and job 2, both blocked, are in flight.
            try queue.submit(Job(3, completion: nil), mayBacklog: false)
        }
        gate.set()
        queue.release()
        let count = finished.load(ordering: .relaxed)
        #expect(count == 3)
    }

    private enum Work {
        static let gate = -1, blocker = -2
    }
}

/// Waits at a reusable barrier of `parties` threads, for at most `seconds`; false if the others did not all come.
private func meet(_ barrier: ConditionLock<(arrived: Int, generation: Int)>, parties: Int, seconds: Double) -> Bool {
    let generation = barrier.withLock { state -> Int in
        state.arrived += 1
        if state.arrived == parties {
            state.arrived = 0
            state.generation += 1
            return -1
        }
        return state.generation
    }
    if generation < 0 { barrier.broadcast(); return true }
    let deadline = Flag.deadline(seconds: seconds)
    while Flag.now() < deadline {
        if barrier.withLock({ $0.generation }) != generation { return true }
        usleep(500)
    }
    return false
}

/// A one-way flag a thread waits for with a timeout (polling: `ConditionLock` has no timed wait).
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }

    /// True once set; false if `seconds` passed first.
    func wait(seconds: Double) -> Bool {
        let deadline = Self.deadline(seconds: seconds)
        while !value.load(ordering: .acquiring) {
            if Self.now() >= deadline { return false }
            usleep(200)
        }
        return true
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func deadline(seconds: Double) -> Double { now() + seconds }
}
