#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The thread completion mode: a bounded set of worker threads, each running one request at a time on its
/// own op slot and calling the completion itself. Requests beyond `maxInFlight` wait in a FIFO backlog
/// (the kernel's MAY_BACKLOG; past `backlogLimit` they are still accepted and reported `.backlogged`) or,
/// without `.mayBacklog`, are refused with `.busy`; a request a completion submits may instead wait on that
/// completion's worker (see `WorkerThreads`). The typed face of `WorkerThreads`, which does the work without
/// generics.
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
/// A worker keeps what its jobs need between them (`held`, the transform's op slot) for as long as it stays busy,
/// and hands it back (`park`) before it goes idle: requests running back to back touch no state another worker
/// touches. (Taking the slot from the shared pool per request put two contended atomics, and a contended pool
/// lock for the second worker, into every request: perf, ctr(aes) 4 KiB, 2 in flight on 2 CPUs.)
///
/// Requests resubmitted from completions stay on their worker: the first job a completion submits goes to its
/// worker's own queue (`WorkerContext.local`, no lock) when nothing else waits or every worker is busy, so chains
/// of requests settle one set per worker and neither migrate between CPUs nor take the shared lock. (With more
/// chains than workers every request went through the shared queue, two lock acquisitions and a CPU migration
/// each: cbc(aes) 4 KiB with 8 in flight ran at 1.1–1.2× one caller where 2 in flight ran at 1.6×.) A worker
/// alternates between its own queue and the shared one while jobs wait there, so neither starves the other.
///
/// Hand-offs cost no system call while requests keep coming: a worker that finds no work spins briefly
/// (`sched_yield`, so it never starves a thread that has work) before it sleeps on the condition variable, and a
/// submitter signals only when more jobs wait than awake idle workers can take.
final class WorkerThreads: @unchecked Sendable {
    private struct State {
        var pending = JobFIFO()
        /// Jobs taken from `pending` by a worker and not finished.
        var running = 0
        /// Threads started.
        var spawned = 0
        /// Workers blocked on the condition variable.
        var sleeping = 0
        var released = false
        var threads: [pthread_t] = []
        /// The started workers' contexts, whose own queues count as in flight.
        var workers: [WorkerContext] = []
    }

    /// How many `sched_yield` rounds an idle worker checks for work before it sleeps (≈ 30 µs on an idle core).
    private static let spinRounds = 64

    private let lock = ConditionLock(State())
    /// `pending.count`, published for workers (who read it without the lock).
    private let waiting = Atomic<Int>(0)
    /// Workers without work (spinning or asleep), read by completions choosing their worker's own queue.
    private let idle = Atomic<Int>(0)
    /// `released`, for the lock-free paths.
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
        enum Then { case nothing, wake }
        let worker = WorkerContext.current
        let isOwnWorker = worker?.owner == ObjectIdentifier(self)
        // The first job a completion submits takes the place of the one finishing: it stays on this worker, in its
        // own queue, without the lock — when nothing waits in the shared queue (a chain never overtakes a queued
        // job), or when no worker is idle (one that is would otherwise take it, in parallel).
        if let worker, isOwnWorker, worker.mayKeep, !isReleased.load(ordering: .acquiring),
           worker.local.isEmpty && waiting.load(ordering: .relaxed) == 0 || idle.load(ordering: .relaxed) == 0
        {
            guard job.markQueued() else { return .inProgress }
            worker.keep(job)
            return .inProgress
        }
        let (then, status) = try lock.withLock { (s: inout State) throws(KernelCipherError) -> (Then, RequestStatus) in
            if s.released { throw .transformReleased }
            // Jobs kept on workers are in flight; a worker keeping any is busy with them.
            // (An index loop: a debug build looked up `IndexingIterator<[WorkerContext]>` by its mangled name, with
            // allocations, on every pass of a `for … in`.)
            var kept = 0, keeping = 0, index = 0
            while index < s.workers.count {
                let count = s.workers[index].kept.load(ordering: .relaxed)
                kept += count
                if count > 0 { keeping += 1 }
                index += 1
            }
            let free = maxInFlight - s.running - s.pending.count - kept
            if free <= 0 && !mayBacklog { throw .busy }
            let beyond = s.pending.count - max(0, maxInFlight - s.running - kept)
            let status: RequestStatus = free <= 0 && beyond >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return (.nothing, status) }
            s.pending.append(job)
            waiting.store(s.pending.count, ordering: .relaxed)
            // Workers neither running, keeping nor asleep are spinning or just started: they take the job themselves.
            // So does the worker submitting from a completion.
            let taking = s.spawned - s.running - s.sleeping - keeping + (isOwnWorker ? 1 : 0)
            if s.pending.count <= taking { return (.nothing, status) }
            if s.sleeping > 0 { return (.wake, status) }
            if s.spawned < maxInFlight {
                // Started under the lock so release() always sees (and joins) it; it blocks on the lock at first.
                s.spawned += 1
                s.threads.append(startThread { [self] in workerLoop() })
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
        lock.withLock { s in s.workers.append(context) }
        /// What this worker keeps between jobs (a local: `inout` of a class property costs an exclusivity check).
        var held: AnyObject? = nil
        defer {
            abandonKept(context)
            if let object = held { held = nil; park(object) }
            pthread_setspecific(currentWorkerThreads, nil)
            withExtendedLifetime(context) {}
        }
        var finishedOne = false
        var ranKept = false
        while true {
            // Its own queue first, except that after one of those it takes a job from the shared queue if one waits.
            if !context.local.isEmpty && !(ranKept && waiting.load(ordering: .relaxed) > 0) {
                if isReleased.load(ordering: .acquiring) { abandonKept(context); continue }
                if finishedOne {
                    // The shared job before these is done; the kept ones count themselves (`kept`).
                    lock.withLock { s in s.running -= 1 }
                    finishedOne = false
                }
                let job = context.local.popFirst()!
                run(job, on: context, held: &held)
                context.finishedKept()
                ranKept = true
                continue
            }
            ranKept = false
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
                run(job, on: context, held: &held)
                finishedOne = true
            case .stop:
                return
            case .idle:
                if !context.local.isEmpty { continue }
                if let object = held { held = nil; park(object) }
                idle.add(1, ordering: .relaxed)
                defer { idle.subtract(1, ordering: .relaxed) }
                if spinUntilWork() { continue }
                let stop = lock.withLock(
                    waitingUntil: { !$0.pending.isEmpty || $0.released }, counting: \.sleeping
                ) { s in s.pending.isEmpty }
                if stop { return }
            }
        }
    }

    /// Runs one job, letting its completion keep one job on this worker.
    private func run(_ job: AnyJob, on context: WorkerContext, held: inout AnyObject?) {
        context.mayKeep = true
        if job.start() { execute(job, &held) }
        context.mayKeep = false
    }

    /// Fails the jobs waiting in a worker's own queue (release).
    private func abandonKept(_ context: WorkerContext) {
        while let job = context.local.popFirst() {
            job.abandon(.transformReleased)
            context.finishedKept()
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
    /// (all but the calling thread, when release is called from a completion); each worker fails the jobs in its
    /// own queue before it ends.
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

/// A worker thread's own state, found through `currentWorkerThreads`: which `WorkerThreads` it serves and the jobs
/// its completions kept on it. Touched only by that thread, except `kept`, which submitters read under the lock.
private final class WorkerContext: @unchecked Sendable {
    let owner: ObjectIdentifier
    /// Jobs completions on this worker submitted to it, in order.
    var local = JobFIFO()
    /// Whether the job running now may still keep one (the first its completion submits).
    var mayKeep = false
    /// Jobs in `local` plus the one of them running: in flight, for `.busy` and `.backlogged`.
    let kept = Atomic<Int>(0)
    init(owner: ObjectIdentifier) { self.owner = owner }

    /// Keeps a job on this worker.
    func keep(_ job: AnyJob) {
        mayKeep = false
        local.append(job)
        kept.store(kept.load(ordering: .relaxed) + 1, ordering: .relaxed)
    }

    /// One kept job ended.
    func finishedKept() { kept.store(kept.load(ordering: .relaxed) - 1, ordering: .relaxed) }

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
