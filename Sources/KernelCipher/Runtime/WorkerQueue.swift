#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The thread completion mode: a bounded set of worker threads, each running one request at a time on its
/// own op slot and calling the completion itself. Requests beyond `maxInFlight` wait in a FIFO backlog
/// (the kernel's MAY_BACKLOG; past `backlogLimit` they are still accepted and reported `.backlogged`) or,
/// without `.mayBacklog`, are refused with `.busy`; the first request a completion submits may instead wait on that
/// completion's worker (see `WorkerThreads`). The typed face of `WorkerThreads`, which does the work without generics.
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
        execute: @escaping @Sendable (Job<Work, Output>, inout Unmanaged<AnyObject>?) -> Void,
        park: @escaping @Sendable (AnyObject) -> Void
    ) {
        threads = WorkerThreads(
            maxInFlight: maxInFlight, backlogLimit: backlogLimit,
            execute: { job, held in execute(unsafeDowncast(job, to: Job<Work, Output>.self), &held) }, park: park)
    }

    /// Queues a job (`WorkerThreads.submit`). Inlined into the protocol witness, so the job passes through as the
    /// caller's reference (out of line the optimizer borrowed it, and retained it again to hand it on).
    @discardableResult @inline(__always)
    func submit(_ job: consuming Job<Work, Output>, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        try threads.submit(job, mayBacklog: mayBacklog)
    }

    /// Nothing to close: the workers' slots live in the transform's `SlotPool`, which a re-key flushes itself.
    func flushIdle() {}

    /// Fails queued jobs, joins the workers (`WorkerThreads.release`).
    func release() { threads.release() }
}

