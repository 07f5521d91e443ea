#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Worker threads over a FIFO of jobs, started on demand up to `maxInFlight`.
///
/// **Kept jobs.** The first job a completion submits stays on the completion's worker (`WorkerContext.keep`: a
/// lock-free slot, and a locked FIFO only for the jobs beyond it) when nothing waits in the shared queue, or when no worker is idle: chains of requests
/// settle one set per worker and neither migrate between CPUs nor take the shared lock. (With more chains than workers
/// every request went through the shared queue, two lock acquisitions and a CPU migration each: cbc(aes) 4 KiB with 8
/// in flight ran at 1.1–1.2× one caller where 2 in flight ran at 1.6×.) A worker alternates between its own queue and
/// the shared one while jobs wait there, so neither starves the other.
///
/// **Stealing.** A kept job may wait only behind the completion that kept it, never behind other work while a worker
/// idles: when a worker starts a job while kept jobs wait on it, they are `exposed`, and an idle worker steals them.
/// Either the worker starting that job sees the idle one (and wakes it, if it sleeps), or the idle one sees the exposed
/// jobs: both sides write, then read the other's flag, all sequentially consistent (`starting`, `waitForWork`).
///
/// **Held slots.** A worker may keep what its jobs need between them (`held`: the software engine's slot) for as long
/// as it stays busy, and hands it back (`park`) before it goes idle: requests running back to back touch no pool state
/// another worker touches.
///
/// **Hand-offs cost no system call while requests keep coming**: an idle worker spins briefly (`sched_yield`, so it
/// never starves a thread that has work) before it sleeps on the condition variable, and a submitter signals only when
/// more jobs wait than awake idle workers can take.
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
    }

    /// How many `sched_yield` rounds an idle worker checks for work before it sleeps (≈ 30 µs on an idle core).
    private static let spinRounds = 64

    private let lock = ConditionLock(State())
    /// `pending.count`, published for workers (who read it without the lock).
    private let waiting = Atomic<Int>(0)
    /// Workers without work (spinning or asleep): read by completions choosing to keep a job, and by workers starting
    /// one while kept jobs wait (the Dekker pair with `WorkerContext.exposed`).
    private let idle = Atomic<Int>(0)
    /// `released`, for the lock-free paths.
    private let isReleased = Atomic<Bool>(false)
    private let workers: WorkerContexts
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let execute: @Sendable (AnyJob, inout Unmanaged<AnyObject>?) -> Void
    private let park: @Sendable (AnyObject) -> Void

    /// `execute` runs one started job to completion on the calling worker thread, with what the worker holds
    /// between jobs; `park` takes that back when the worker runs out of work or stops.
    init(
        maxInFlight: Int, backlogLimit: Int,
        execute: @escaping @Sendable (AnyJob, inout Unmanaged<AnyObject>?) -> Void,
        park: @escaping @Sendable (AnyObject) -> Void
    ) {
        self.maxInFlight = max(1, maxInFlight)
        self.backlogLimit = backlogLimit
        self.execute = execute
        self.park = park
        workers = WorkerContexts(capacity: self.maxInFlight)
    }

    /// Queues a job. Without `mayBacklog` it throws `.busy` when no worker is free. With `mayBacklog` it never
    /// throws `.busy`: a job beyond the `backlogLimit` waiting ones is still queued and reported `.backlogged`
    /// (the kernel's MAY_BACKLOG), so a completion that submits the next request cannot fail or block here.
    @discardableResult
    func submit(_ job: consuming AnyJob, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        enum Then { case nothing, wake }
        let worker = WorkerContext.current
        let isOwnWorker = worker?._withUnsafeGuaranteedRef { $0.owner == ObjectIdentifier(self) } ?? false
        if isOwnWorker, let worker, worker._withUnsafeGuaranteedRef({ mayKeep(on: $0) }) {
            // The kept job is the reference the submitter handed over (no retain of it here).
            if job.markQueued() {
                let kept = Unmanaged.passRetained(consume job)
                worker._withUnsafeGuaranteedRef { $0.keep(kept) }
            }
            return .inProgress
        }
        let (then, status) = try lock.withLock { (s: inout State) throws(KernelCipherError) -> (Then, RequestStatus) in
            if s.released { throw .transformReleased }
            // Kept jobs are in flight; a worker accounting for any is busy with them.
            let kept = workers.keptInFlight()
            let free = maxInFlight - s.running - s.pending.count - kept.jobs
            if free <= 0 && !mayBacklog { throw .busy }
            let beyond = s.pending.count - max(0, maxInFlight - s.running - kept.jobs)
            let status: RequestStatus = free <= 0 && beyond >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return (.nothing, status) }
            s.pending.append(copy job)
            waiting.store(s.pending.count, ordering: .relaxed)
            // Workers neither running, keeping nor asleep are spinning or just started: they take the job themselves.
            // So does the worker submitting from a completion: it looks for work right after.
            let taking = s.spawned - s.running - s.sleeping - kept.workers + (isOwnWorker ? 1 : 0)
            if s.pending.count <= taking { return (.nothing, status) }
            if s.sleeping > 0 { return (.wake, status) }
            if s.spawned < maxInFlight { spawnWorker(&s) }
            return (.nothing, status)
        }
        if then == .wake { lock.signal() }
        return status
    }

    /// Whether the first job a completion submits stays on that completion's worker (`WorkerContext.keep`) instead of
    /// going to the shared queue, without the shared lock: when nothing waits in the shared queue (a chain never
    /// overtakes a queued job), or when no worker is idle (one that is would otherwise take it, in parallel).
    private func mayKeep(on worker: WorkerContext) -> Bool {
        worker.mayKeep && !isReleased.load(ordering: .acquiring)
            && (!worker.hasWaiting && waiting.load(ordering: .relaxed) == 0 || idle.load(ordering: .relaxed) == 0)
    }

    /// Starts a worker (under the lock, so release() always sees and joins it; it blocks on the lock at first).
    private func spawnWorker(_ s: inout State) {
        let context = WorkerContext(owner: ObjectIdentifier(self))
        workers.append(context)
        s.spawned += 1
        s.threads.append(startThread { [self] in workerLoop(context) })
    }

    private enum Next { case run(AnyJob), idle, stop }

    private func workerLoop(_ context: WorkerContext) {
        context.setCurrent(true)
        /// What this worker keeps between jobs (a local: `inout` of a class property costs an exclusivity check).
        /// Owns one reference to it (`Unmanaged`: reading it to run the next job costs no retain and release).
        var held: Unmanaged<AnyObject>? = nil
        defer {
            context.abandonKept()
            if let object = held { held = nil; park(object.takeRetainedValue()) }
            context.setCurrent(false)
        }
        var finishedOne = false
        var ranKept = false
        while true {
            // Its own queue first, except that after one of those it takes a job from the shared queue if one waits.
            if context.hasWaiting && !(ranKept && waiting.load(ordering: .relaxed) > 0) {
                if isReleased.load(ordering: .acquiring) { context.abandonKept(); continue }
                if finishedOne {
                    // The shared job before these is done; the kept ones count themselves (`kept`).
                    lock.withLock { s in s.running -= 1 }
                    finishedOne = false
                }
                if let job = context.takeKept() {
                    run(job, on: context, held: &held)
                    context.finishedKept()
                    ranKept = true
                }
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
                if context.hasWaiting { continue }
                if let object = held { held = nil; park(object.takeRetainedValue()) }
                switch waitForWork(context) {
                case .stop: return
                case .look: continue
                case .stolen(let job):
                    if isReleased.load(ordering: .acquiring) { job.abandon(.transformReleased) } else {
                        run(job, on: context, held: &held)
                    }
                    context.finishedKept()
                }
            }
        }
    }

    /// Runs one job, letting its completion keep one job on this worker.
    private func run(_ job: AnyJob, on context: WorkerContext, held: inout Unmanaged<AnyObject>?) {
        starting(context)
        context.mayKeep = true
        if job.start() { execute(job, &held) }
        context.mayKeep = false
    }

    /// Before a job starts: kept jobs still waiting now wait behind it, so they become stealable, and an idle worker
    /// that might have missed them is woken, or, with none idle, another worker is started while fewer than
    /// `maxInFlight` run. (Write `exposed`, then read `idle`; an idle worker writes `idle`, then reads `exposed`: one of
    /// the two sees the other.) Without the start, chains kept on the first workers never reach the others: four
    /// chains meeting in their completions on four allowed workers waited for ever on two (VM, 6.12).
    private func starting(_ context: WorkerContext) {
        let behind = context.hasWaiting
        guard behind || context.exposed.load(ordering: .relaxed) else { return }
        context.exposed.store(behind, ordering: .sequentiallyConsistent)
        guard behind else { return }
        if idle.load(ordering: .sequentiallyConsistent) > 0 {
            if lock.withLock({ s in s.sleeping > 0 }) { lock.signal() }
        } else if workers.count < maxInFlight {
            lock.withLock { s in
                if s.spawned < maxInFlight && !s.released { spawnWorker(&s) }
            }
        }
    }

    private enum Found { case look, stolen(AnyJob), stop }

    /// Idles until there is work: spins, then sleeps, until a job waits in the shared queue (`look`), a kept job on
    /// another worker can be stolen (`stolen`, on this worker's account), or the queue is released with nothing left.
    private func waitForWork(_ context: WorkerContext) -> Found {
        idle.add(1, ordering: .sequentiallyConsistent)
        defer { idle.subtract(1, ordering: .sequentiallyConsistent) }
        var round = 0
        while true {
            if waiting.load(ordering: .relaxed) > 0 { return .look }
            if let job = workers.steal(into: context) { return .stolen(job) }
            if round == Self.spinRounds { break }
            round += 1
            sched_yield()
        }
        return lock.withLock(
            waitingUntil: { !$0.pending.isEmpty || $0.released || workers.anyStealable }, counting: \.sleeping
        ) { s in s.released && s.pending.isEmpty ? .stop : .look }
    }

    /// Stops accepting work, fails every queued job with `.transformReleased`, and joins the workers
    /// (all but the calling thread, when release is called from a completion); each worker fails the jobs kept on it
    /// before it ends.
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
