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

/// Routes accepted requests to the completion machinery of the transform's engine, created on first use:
/// AIO (kernel engine, where chosen) or worker threads.
final class RequestDispatcher: Sendable {
    private enum Queue { case workers(WorkerQueue), aio(AIOQueue) }
    private final class QueueRef: @unchecked Sendable { let queue: Queue; init(_ queue: Queue) { self.queue = queue } }
    /// The completion mode requests on this transform use.
    let mode: CompletionMode
    private let make: @Sendable () throws(KernelCipherError) -> Queue
    /// Whether release() ran; the lock also serializes creating the queue.
    private let released = Mutex(false)
    /// The queue once created, read without the lock: every submission needs it, and completions that resubmit
    /// from several workers at once made a lock here the hottest spot of the callback path (perf: 56 % of samples).
    private let created = Atomic<Unmanaged<QueueRef>?>(nil)

    /// The dispatcher for a backend; `.automatic` resolves through `AIOProbe.automaticMode` for the kernel engine.
    static func make(
        backend: any CipherBackend, slots: SlotPool, options: Transform.Options
    ) throws(KernelCipherError) -> RequestDispatcher {
        if let kernel = backend as? KernelBackend {
            let mode = options.completionMode == .automatic ? AIOProbe.automaticMode : options.completionMode
            if mode == .aio {
                return RequestDispatcher(mode: .aio) { () throws(KernelCipherError) -> Queue in
                    .aio(try AIOQueue(backend: kernel, maxInFlight: options.maxInFlight,
                                      backlogLimit: options.backlogLimit))
                }
            }
        }
        return RequestDispatcher(mode: .threads) { () throws(KernelCipherError) -> Queue in
            .workers(WorkerQueue(maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit) { job in
                execute(job, slots: slots)
            })
        }
    }

    private init(mode: CompletionMode, make: @escaping @Sendable () throws(KernelCipherError) -> Queue) {
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
    func submit(_ job: Job, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        switch try queue() {
        case .workers(let workers): return try workers.submit(job, mayBacklog: mayBacklog)
        case .aio(let aio): return try aio.submit(job, mayBacklog: mayBacklog)
        }
    }

    /// Closes idle op sockets held by the AIO queue (before a re-key).
    func flushIdle() {
        if case .aio(let aio) = existing { aio.flushIdle() }
    }

    /// Fails queued jobs, waits for running ones, stops the threads.
    func release() {
        // Under the lock, so no queue is created after this point.
        let queue = released.withLock { released -> Queue? in
            released = true
            return existing
        }
        switch queue {
        case .workers(let workers): workers.release()
        case .aio(let aio): aio.release()
        case nil: break
        }
    }
}

/// Runs a started job on a pooled slot and delivers its result, on the calling (worker) thread.
func execute(_ job: Job, slots: SlotPool) {
    let result: Result<[UInt8], KernelCipherError>
    do throws(KernelCipherError) {
        let lease = try slots.checkout()
        defer { slots.checkin(lease) }
        result = job.iv.withUnsafeBytes { iv in
            switch job.work {
            case .bytes(let data):
                return data.withUnsafeBytes { input in
                    Result { () throws(KernelCipherError) -> [UInt8] in
                        try makeBytes(count: input.count) { (output) throws(KernelCipherError) in
                            try lease.run(job.operation, iv: iv, input: input, output: output)
                        }
                    }
                }
            case .caller(let input, let output):
                return Result { () throws(KernelCipherError) -> [UInt8] in
                    try lease.run(job.operation, iv: iv, input: input, output: output)
                    return []
                }
            }
        }
    } catch {
        result = .failure(error)
    }
    job.finish(result)
}

/// A new array of `count` bytes filled by `fill`, with typed throws (Array's initializer only rethrows untyped).
func makeBytes(
    count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
) throws(KernelCipherError) -> [UInt8] {
    var failure: KernelCipherError?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        do throws(KernelCipherError) {
            try fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        } catch {
            failure = error
            initialized = 0
        }
    }
    if let failure { throw failure }
    return bytes
}
