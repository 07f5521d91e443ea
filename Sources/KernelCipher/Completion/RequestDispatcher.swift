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

/// Routes accepted requests to the completion machinery of the transform's engine.
final class RequestDispatcher: Sendable {
    private let workers: WorkerQueue

    private init(workers: WorkerQueue) { self.workers = workers }

    /// The dispatcher for a backend: worker threads today; the kernel engine may choose AIO.
    static func make(
        backend: any CipherBackend, slots: SlotPool, options: Transform.Options
    ) throws(KernelCipherError) -> RequestDispatcher {
        let workers = WorkerQueue(maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit) { job in
            execute(job, slots: slots)
        }
        return RequestDispatcher(workers: workers)
    }

    /// Queues a validated job.
    func submit(_ job: Job, mayBacklog: Bool) throws(KernelCipherError) {
        try workers.submit(job, mayBacklog: mayBacklog)
    }

    /// Fails queued jobs, waits for running ones, stops the threads.
    func release() { workers.release() }
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
                            try lease.slot.run(job.operation, iv: iv, input: input, output: output)
                        }
                    }
                }
            case .caller(let input, let output):
                return Result { () throws(KernelCipherError) -> [UInt8] in
                    try lease.slot.run(job.operation, iv: iv, input: input, output: output)
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
