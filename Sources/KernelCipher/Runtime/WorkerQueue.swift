#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The thread completion mode: a bounded set of worker threads, each running one request at a time on its
/// own op slot and calling the completion itself. Requests beyond `maxInFlight` wait in a FIFO backlog
/// (the kernel's MAY_BACKLOG; past `backlogLimit` they are still accepted and reported `.backlogged`) or,
/// without `.mayBacklog`, are refused with `.busy`. The typed face of `WorkerThreads`, which does the work
/// without generics.
final class WorkerQueue<Work: Sendable, Output: Sendable>: RequestQueue, Sendable {
    private let threads: WorkerThreads

    /// `execute` runs one started job to completion on the calling worker thread.
    convenience init(maxInFlight: Int, backlogLimit: Int, execute: @escaping @Sendable (Job<Work, Output>) -> Void) {
        self.init(maxInFlight: maxInFlight, backlogLimit: backlogLimit, execute: { job, _ in execute(job) }, park: { _ in })
    }

    /// `execute` runs one started job to completion on the calling worker thread, with what that worker holds
    /// between jobs (`held`: its op slot, see `WorkerThreads`); `park` takes back what a worker held when it runs
    /// out of work or stops.
    init(
        maxInFlight: Int, backlogLimit: Int,
        execute: @escaping @Sendable (Job<Work, Output>, inout AnyObject?) -> Void,
        park: @escaping @Sendable (AnyObject) -> Void
    ) {
        threads = WorkerThreads(
            maxInFlight: maxInFlight, backlogLimit: backlogLimit,
            execute: { job, held in execute(unsafeDowncast(job, to: Job<Work, Output>.self), &held) }, park: park)
    }

    /// Queues a job (`WorkerThreads.submit`).
    @discardableResult
    func submit(_ job: Job<Work, Output>, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        try threads.submit(job, mayBacklog: mayBacklog)
    }

    /// Nothing to close: the workers' slots live in the transform's `SlotPool`, which a re-key flushes itself.
    func flushIdle() {}

    /// Fails queued jobs, joins the workers (`WorkerThreads.release`).
    func release() { threads.release() }
}

/// Worker threads over a FIFO of jobs, started on demand up to `maxInFlight`.
///
/// A worker may keep what its jobs need between them (`held`: the software engine's slot) for as long as it stays
/// busy, and hands it back (`park`) before it goes idle: requests running back to back touch no pool state another
/// worker touches. (Taking the slot from the shared pool per request put two contended atomics, and a contended pool
/// lock for the second worker, into every request: perf, ctr(aes), 2 in flight on 2 CPUs.)
///
/// Hand-offs cost no system call while requests keep coming: a worker that finds the queue empty spins briefly
/// (`sched_yield`, so it never starves a thread that has work) before it sleeps on the condition variable, and a
/// submitter signals only when more jobs wait than awake idle workers can take — never when the submitter is a
/// completion resubmitting on a busy worker. (Before, every submission signalled: perf put 9 % of a 16-byte
/// callback request in `try_to_wake_up` and the context switches after it.)
final class WorkerThreads: @unchecked Sendable {
    private struct State {
        var pending = JobFIFO()
        /// Jobs taken by a worker and not finished.
        var running = 0
        /// Threads started.
        var spawned = 0
        /// Workers blocked on the condition variable.
        var sleeping = 0
        var released = false
        var threads: [pthread_t] = []
    }

    /// How many `sched_yield` rounds an idle worker checks for work before it sleeps (≈ 30 µs on an idle core).
    private static let spinRounds = 64

    private let lock = ConditionLock(State())
    /// `pending.count`, published for spinning workers (who read it without the lock).
    private let waiting = Atomic<Int>(0)
    /// `released`, for the lock-free hand-off path.
    private let isReleased = Atomic<Bool>(false)
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let execute: @Sendable (AnyJob, inout AnyObject?) -> Void
    private let park: @Sendable (AnyObject) -> Void

    /// `execute` runs one started job to completion on the calling worker thread, with what the worker holds
    /// between jobs; `park` takes that back when the worker runs out of work or stops.
    init(
        maxInFlight: Int, backlogLimit: Int,
        execute: @escaping @Sendable (AnyJob, inout AnyObject?) -> Void,
        park: @escaping @Sendable (AnyObject) -> Void
    ) {
        self.maxInFlight = max(1, maxInFlight)
        self.backlogLimit = backlogLimit
        self.execute = execute
        self.park = park
    }

    /// Queues a job. Without `mayBacklog` it throws `.busy` when no worker is free. With `mayBacklog` it never
    /// throws `.busy`: a job beyond the `backlogLimit` waiting ones is still queued and reported `.backlogged`
    /// (the kernel's MAY_BACKLOG), so a completion that submits the next request cannot fail or block here.
    @discardableResult
    func submit(_ job: AnyJob, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        enum Then { case nothing, wake, spawned }
        let worker = WorkerContext.current
        let isOwnWorker = worker?.owner == ObjectIdentifier(self)
        // A completion resubmitting on its own worker while nothing waits: the worker runs the job next, without the
        // lock (a chain of requests stays on one thread; taking the queue's lock twice per request made two workers
        // contend, 37,000 context switches a second at 16 bytes). Only while nothing waits, so it never overtakes
        // a queued job.
        if let worker, isOwnWorker, worker.handoff == nil, waiting.load(ordering: .relaxed) == 0,
           !isReleased.load(ordering: .acquiring)
        {
            guard job.markQueued() else { return .inProgress }
            worker.handoff = job
            return .inProgress
        }
        let (then, status) = try lock.withLock { (s: inout State) throws(KernelCipherError) -> (Then, RequestStatus) in
            if s.released { throw .transformReleased }
            let free = maxInFlight - s.running - s.pending.count
            if free <= 0 && !mayBacklog { throw .busy }
            let beyond = s.pending.count - max(0, maxInFlight - s.running)
            let status: RequestStatus = free <= 0 && beyond >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return (.nothing, status) }
            s.pending.append(job)
            waiting.store(s.pending.count, ordering: .relaxed)
            // Workers neither running nor asleep are spinning (or just started): they take the job themselves. So
            // does the worker submitting from a completion (a chained request): it looks for work right after.
            let taking = s.spawned - s.running - s.sleeping + (isOwnWorker ? 1 : 0)
            if s.pending.count <= taking { return (.nothing, status) }
            if s.sleeping > 0 { return (.wake, status) }
            if s.spawned < maxInFlight {
                // Started under the lock so release() always sees (and joins) it; it blocks on the lock at first.
                s.spawned += 1
                s.threads.append(startThread { [self] in workerLoop() })
                return (.spawned, status)
            }
            return (.nothing, status)
        }
        if then == .wake { lock.signal() }
        return status
    }

    private enum Next { case run(AnyJob), idle, stop }

    private func workerLoop() {
        let context = WorkerContext(owner: ObjectIdentifier(self))
        pthread_setspecific(currentWorkerThreads, Unmanaged.passUnretained(context).toOpaque())
        /// What this worker keeps between jobs (a local: `inout` of a class property costs an exclusivity check).
        var held: AnyObject? = nil
        defer {
            if let object = held { held = nil; park(object) }
            pthread_setspecific(currentWorkerThreads, nil)
            withExtendedLifetime(context) {}
        }
        var finishedOne = false
        while true {
            let next = lock.withLock { (s: inout State) -> Next in
                if finishedOne { s.running -= 1; finishedOne = false }
                if let job = s.pending.popFirst() {
                    waiting.store(s.pending.count, ordering: .relaxed)
                    s.running += 1
                    return .run(job)
                }
                return s.released ? .stop : .idle
            }
            switch next {
            case .run(let job):
                if job.start() { execute(job, &held) }
                finishedOne = true
                // Jobs its completions handed straight to this worker (`submit`), one after another.
                while let next = context.handoff {
                    context.handoff = nil
                    if isReleased.load(ordering: .acquiring) { next.abandon(.transformReleased); continue }
                    if next.start() { execute(next, &held) }
                }
            case .stop:
                return
            case .idle:
                if let object = held { held = nil; park(object) }
                if spinUntilWork() { continue }
                let stop = lock.withLock(
                    waitingUntil: { !$0.pending.isEmpty || $0.released }, counting: \.sleeping
                ) { s in s.pending.isEmpty }
                if stop { return }
            }
        }
    }

    /// Spins (yielding the CPU each round) until a job is queued or the rounds are over; true if one is.
    private func spinUntilWork() -> Bool {
        for _ in 0..<Self.spinRounds {
            if waiting.load(ordering: .relaxed) > 0 { return true }
            sched_yield()
        }
        return waiting.load(ordering: .relaxed) > 0
    }

    /// Stops accepting work, fails every queued job with `.transformReleased`, and joins the workers
    /// (all but the calling thread, when release is called from a completion).
    func release() {
        let (abandoned, threads) = lock.withLock { s -> ([AnyJob], [pthread_t]) in
            s.released = true
            isReleased.store(true, ordering: .releasing)
            let rest = s.pending.removeAll()
            waiting.store(0, ordering: .relaxed)
            defer { s.threads.removeAll() }
            return (rest, s.threads)
        }
        lock.broadcast()
        for job in abandoned { job.abandon(.transformReleased) }
        let me = pthread_self()
        for thread in threads {
            if pthread_equal(thread, me) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
    }
}

/// A worker thread's own state, found through `currentWorkerThreads`: which `WorkerThreads` it serves and the job a
/// completion handed straight to it. Touched only by that thread.
private final class WorkerContext {
    let owner: ObjectIdentifier
    var handoff: AnyJob?
    init(owner: ObjectIdentifier) { self.owner = owner }

    /// The calling thread's context, if it is a worker (`pthread_getspecific`).
    static var current: WorkerContext? {
        pthread_getspecific(currentWorkerThreads).map { Unmanaged<WorkerContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The calling worker thread's `WorkerContext` (unretained; nil on other threads): one process-wide key
/// (`pthread_key_create`), as keys are few and transforms many.
private let currentWorkerThreads: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
    return key
}()
