#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The thread completion mode: a bounded set of worker threads, each running one request at a time on its
/// own op slot and calling the completion itself. Requests beyond `maxInFlight` wait in a FIFO backlog
/// (the kernel's MAY_BACKLOG; past `backlogLimit` they are still accepted and reported `.backlogged`) or,
/// without `.mayBacklog`, are refused with `.busy`. Workers drain the backlog without sleeping, so
/// when many requests are in flight there is no thread hop per request.
final class WorkerQueue<Work: Sendable, Output: Sendable>: RequestQueue, @unchecked Sendable {
    private struct State {
        var pending = JobFIFO<Work, Output>()
        var running = 0
        var spawned = 0
        var released = false
        var threads: [pthread_t] = []
        var pendingCount: Int { pending.count }
    }

    private let lock = ConditionLock(State())
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let execute: @Sendable (Job<Work, Output>) -> Void

    /// `execute` runs one started job to completion on the calling worker thread.
    init(maxInFlight: Int, backlogLimit: Int, execute: @escaping @Sendable (Job<Work, Output>) -> Void) {
        self.maxInFlight = max(1, maxInFlight)
        self.backlogLimit = backlogLimit
        self.execute = execute
    }

    /// Queues a job. Without `mayBacklog` it throws `.busy` when no worker is free. With `mayBacklog` it never
    /// throws `.busy`: a job beyond the `backlogLimit` waiting ones is still queued and reported `.backlogged`
    /// (the kernel's MAY_BACKLOG), so a completion that submits the next request cannot fail or block here.
    @discardableResult
    func submit(_ job: Job<Work, Output>, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        let (spawn, status) = try lock.withLock { (s: inout State) throws(KernelCipherError) -> (Bool, RequestStatus) in
            if s.released { throw .transformReleased }
            let free = maxInFlight - s.running - s.pendingCount
            if free <= 0 && !mayBacklog { throw .busy }
            let waiting = s.pendingCount - max(0, maxInFlight - s.running)
            let status: RequestStatus = free <= 0 && waiting >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return (false, status) }
            s.pending.append(job)
            let idle = s.spawned - s.running
            if s.pendingCount > idle && s.spawned < maxInFlight {
                // Started under the lock so release() always sees (and joins) it; it blocks on the lock at first.
                s.spawned += 1
                s.threads.append(startThread { [self] in workerLoop() })
                return (true, status)
            }
            return (false, status)
        }
        if !spawn { lock.signal() }
        return status
    }

    private func workerLoop() {
        var finishedOne = false
        while true {
            let job: Job<Work, Output>? = lock.withLock(
                waitingUntil: { $0.pendingCount > 0 || $0.released || finishedOne }
            ) { s in
                if finishedOne { s.running -= 1; finishedOne = false }
                guard s.pendingCount > 0 else { return nil }
                let job = s.pending.popFirst()!
                s.running += 1
                return job
            }
            guard let job else {
                if lock.withLock({ $0.released }) { return }
                continue
            }
            if job.start() { execute(job) }
            finishedOne = true
        }
    }

    /// Nothing to close: the workers' slots live in the transform's `SlotPool`, which a re-key flushes itself.
    func flushIdle() {}

    /// Stops accepting work, fails every queued job with `.transformReleased`, and joins the workers
    /// (all but the calling thread, when release is called from a completion).
    func release() {
        let (abandoned, threads) = lock.withLock { s -> ([Job<Work, Output>], [pthread_t]) in
            s.released = true
            let rest = s.pending.removeAll()
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
