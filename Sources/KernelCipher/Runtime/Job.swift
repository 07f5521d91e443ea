#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A request in flight as the queues see it, whatever its family: the exactly-once state machine
/// created → queued → running → finished, or → finished early by cancellation or release. Not generic, so a
/// queue moving jobs around (`JobFIFO`, `WorkerThreads`) instantiates no generic metadata per request (perf put
/// 20 % of a 16-byte callback request in `swift_getGenericMetadata` when the queues were generic).
///
/// The phase is one atomic: every transition is a compare-exchange, so the thread that wins one (start, abandon)
/// is the only one to touch what the phase guards. One allocation per request: the job is the request's only heap
/// object (`RequestJob` stores the caller's request in it instead of a capturing closure).
@usableFromInline
class AnyJob: @unchecked Sendable {
    fileprivate enum Phase: UInt8 { case created, installing, queued, running, finished }
    fileprivate let phase = Atomic<UInt8>(Phase.created.rawValue)

    init() {}

    /// Marks the job queued; false if it was cancelled meanwhile.
    final func markQueued() -> Bool { transition(from: .created, to: .queued) }

    /// Claims the job for execution; false if cancelled or released before it started.
    final func start() -> Bool { transition(from: .queued, to: .running) || transition(from: .created, to: .running) }

    /// Finishes a job that has not started with `error` (cancellation, release); no-op otherwise.
    final func abandon(_ error: KernelCipherError) {
        while true {
            let current = phase.load(ordering: .acquiring)
            switch Phase(rawValue: current) {
            case .created?, .queued?:
                if phase.compareExchange(
                    expected: current, desired: Phase.finished.rawValue, ordering: .acquiringAndReleasing
                ).exchanged {
                    return deliverFailure(error)
                }
            case .installing?:
                sched_yield()  // the awaiting task is storing its continuation: a few instructions
            default:
                return
            }
        }
    }

    /// Delivers a failure to whoever waits for the job (the typed subclass's completion).
    func deliverFailure(_ error: KernelCipherError) {}

    fileprivate final func transition(from: Phase, to: Phase) -> Bool {
        phase.compareExchange(expected: from.rawValue, desired: to.rawValue, ordering: .acquiringAndReleasing).exchanged
    }
}

/// A request in flight with its family's payload: what to run (`work`) and the completion that receives an
/// `Output` (the cipher family's `Job<CipherWork, [UInt8]>`: operation, IV and buffers → bytes).
@usableFromInline
class Job<Work: Sendable, Output: Sendable>: AnyJob, @unchecked Sendable {
    @usableFromInline typealias Completion = @Sendable (Result<Output, KernelCipherError>) -> Void

    /// What the request does, read by the thread that runs it.
    let work: Work
    /// Written before the job is published (init) or while the phase is `installing`; read and cleared by the one
    /// thread that wins the transition to `finished`.
    private var completion: Completion?

    @usableFromInline
    init(_ work: consuming Work, completion: Completion?) {
        self.work = work
        self.completion = completion
    }

    /// Installs the completion; false (and the completion gets `.cancelled`) if the job was already cancelled.
    func install(_ completion: @escaping Completion) -> Bool {
        guard transition(from: .created, to: .installing) else {
            completion(.failure(.cancelled))
            return false
        }
        self.completion = completion
        phase.store(Phase.created.rawValue, ordering: .releasing)
        return true
    }

    /// Delivers the result of a job that ran; called once by the thread that started it.
    final func finish(_ result: Result<Output, KernelCipherError>) {
        phase.store(Phase.finished.rawValue, ordering: .releasing)
        deliver(result)
    }

    override final func deliverFailure(_ error: KernelCipherError) { deliver(.failure(error)) }

    /// Hands the result to the completion (a subclass may deliver it its own way).
    func deliver(_ result: Result<Output, KernelCipherError>) {
        let completion = self.completion
        self.completion = nil
        completion?(result)
    }
}

/// What a family's callback request does when its job ends: calls the caller's completion with itself and the result.
@usableFromInline
protocol CompletingRequest: Sendable {
    /// What the request returns.
    associatedtype Output: Sendable
    /// Calls the caller's completion with this request and `result`.
    func complete(_ result: Result<Output, KernelCipherError>)
}

/// A callback request's job: the request is stored in the job itself, so submitting allocates the job only (a
/// completion closure capturing the request cost a second allocation and a copy of every field).
///
/// Built in the caller's module (the families' `encrypt()`/`decrypt()`/`digest()` are `@inlinable`): there the
/// request's `Context` is concrete, so the job's type metadata comes from a cached accessor instead of a runtime
/// lookup per request (≈ 670 instructions a request, callgrind, cbc 16 B chain of one).
@usableFromInline
final class RequestJob<Work: Sendable, Caller: CompletingRequest>: Job<Work, Caller.Output>, @unchecked Sendable {
    @usableFromInline let request: Caller

    /// `@inlinable`: the caller's module copies the request into the job directly; through the generic init it was
    /// copied twice (once to pass it, once by its value witness to store it), retaining the transform and the
    /// completion's context twice per request — objects every request on the transform shares, so with requests
    /// running on two CPUs each of those atomics was a cache-line transfer (perf: 36 % of a 16-byte request on two
    /// workers sat in these retains and releases).
    @inlinable
    init(_ work: consuming Work, request: Caller) {
        self.request = request
        super.init(work, completion: nil)
    }

    override func deliver(_ result: Result<Caller.Output, KernelCipherError>) { request.complete(result) }
}
