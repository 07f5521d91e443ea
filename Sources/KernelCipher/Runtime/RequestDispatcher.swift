import Synchronization

/// How the kernel engine learns that a request finished.
public enum CompletionMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Probe once: Linux AIO where the kernel accepts it on an AF_ALG op socket, otherwise worker threads.
    /// The environment variable `KCAPI_COMPLETION=aio|threads` overrides the probe.
    case automatic
    /// `io_submit` reads with an eventfd, reaped by one completion thread (kernel engine only).
    case aio
    /// Worker threads doing blocking `recvmsg` (and, for the software engine, EVP calls).
    case threads
}

/// Routes accepted requests to the request queue the transform's engine chose, created on first use.
/// The engine decides the mode and supplies the queue (`make`); the dispatcher knows only `RequestQueue`.
final class RequestDispatcher<Work: Sendable, Output: Sendable>: Sendable {
    typealias Queue = any RequestQueue<Work, Output>
    private final class QueueRef: Sendable { let queue: Queue; init(_ queue: Queue) { self.queue = queue } }
    /// The completion mode requests on this transform use (never `.automatic`).
    let mode: CompletionMode
    private let make: @Sendable () throws(KernelCipherError) -> Queue
    /// Whether release() ran; the lock also serializes creating the queue.
    private let released = LockedValue(false)
    /// The queue once created, read without the lock: every submission needs it, and completions that resubmit
    /// from several workers at once made a lock here the hottest spot of the callback path (perf: 56 % of samples).
    private let created = Atomic<Unmanaged<QueueRef>?>(nil)

    /// A dispatcher whose queue `make` creates on the first submission.
    init(mode: CompletionMode, make: @escaping @Sendable () throws(KernelCipherError) -> Queue) {
        self.mode = mode
        self.make = make
    }

    deinit { created.exchange(nil, ordering: .acquiring)?.release() }

    /// The queue if it was created.
    private var existing: Queue? { created.load(ordering: .acquiring)?.takeUnretainedValue().queue }

    /// The queue, created on first use. After release the queues themselves refuse new jobs.
    private func queue() throws(KernelCipherError) -> Queue {
        if let queue = existing { return queue }
        return try released.withLock { (released: inout Bool) throws(KernelCipherError) -> Queue in
            if released { throw .transformReleased }
            if let queue = existing { return queue }
            let queue = try make()
            created.store(Unmanaged.passRetained(QueueRef(queue)), ordering: .releasing)
            return queue
        }
    }

    /// Queues a validated job; `.backlogged` when it was accepted beyond the backlog limit (`mayBacklog` only).
    @discardableResult
    func submit(_ job: consuming Job<Work, Output>, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        // The created queue is used borrowed: copying the existential out retained and released the queue, an
        // object every worker resubmitting from a completion shares (two contended atomics per request). The job
        // crosses the closure as the reference the caller handed over (capturing it would copy it: one more retain).
        if let created = created.load(ordering: .acquiring) {
            let owned = Unmanaged.passRetained(consume job)
            return try created._withUnsafeGuaranteedRef { ref in
                Result { () throws(KernelCipherError) in
                    try ref.queue.submit(owned.takeRetainedValue(), mayBacklog: mayBacklog)
                }
            }.get()
        }
        return try queue().submit(job, mayBacklog: mayBacklog)
    }

    /// Closes idle slots held by the queue itself (before a re-key).
    func flushIdle() { existing?.flushIdle() }

    /// Fails queued jobs, waits for running ones, stops the threads.
    func release() {
        // Under the lock, so no queue is created after this point.
        let queue = released.withLock { released -> Queue? in
            released = true
            return existing
        }
        queue?.release()
    }
}
