#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The hash family's request payload for the runtime's `Job`: the input (owned bytes or caller memory) and, for
/// caller memory, optionally where the digest goes (the first `digestSize` bytes of the caller's output).
@usableFromInline
struct HashWork: Sendable {
    /// What to digest, and where.
    @usableFromInline let input: RequestBuffers
}

/// A hash request in the runtime: its work and the digest.
@usableFromInline
typealias HashJob = Job<HashWork, [UInt8]>
/// The hash family's slot pool: streaming states reused one digest at a time.
typealias HashSlotPool = SlotPool<any HashState>
/// The hash family's request dispatcher.
typealias HashDispatcher = RequestDispatcher<HashWork, [UInt8]>

extension HashTransform {
    /// A callback request's validated work: the transform usable, a caller's digest buffer large enough.
    @usableFromInline
    func makeWork(_ input: RequestBuffers) throws(KernelCipherError) -> HashWork {
        try validate()
        if let output = input.callerOutput, output.count < digestSize {
            throw .outputTooSmall(length: output.count, needed: digestSize)
        }
        return HashWork(input: input)
    }

    /// Queues a callback request's job (`TransformCore.submit`).
    @usableFromInline
    func submit(_ job: consuming HashJob, flags: RequestFlags) throws(KernelCipherError) -> RequestStatus {
        try core.submit(job, flags: flags)
    }
}

extension HashWork {
    /// Digests this request's input on a pooled state into new bytes of `digestSize`, or into the caller's output
    /// (then the result is empty) (the workers' side).
    static func run(
        on pooled: PooledSlot<any HashState>, _ work: HashWork, digestSize: Int
    ) throws(KernelCipherError) -> [UInt8] {
        try work.input.produce(outputCount: digestSize) { (input, output) throws(KernelCipherError) in
            try pooled.use { (state) throws(KernelCipherError) in try state.digest(input, into: output) }
        }
    }
}

/// One hash request on a transform (the kernel's `struct ahash_request`): input, an opaque caller context and a
/// completion callback. `digest()` returns once the request is queued on a worker thread (or backlogged, with
/// `.backlogged`); if it throws, the completion is never called, otherwise exactly once, on the worker thread
/// that ran the digest, with this request and the digest.
public struct HashRequest<Context: Sendable>: Sendable {
    /// Completion callback: the finished request and its digest.
    public typealias Completion = @Sendable (HashRequest<Context>, Result<[UInt8], KernelCipherError>) -> Void

    /// The transform this request runs on (`crypto_ahash_reqtfm`).
    public let transform: HashTransform
    /// The caller's context, handed back with the completion (`ahash_request_set_callback`'s data).
    public var context: Context
    /// Request flags such as `.mayBacklog`.
    public var flags: RequestFlags
    /// Called exactly once per accepted request (`ahash_request_set_callback`'s callback).
    public var completion: Completion

    @usableFromInline let input: RequestBuffers

    /// A request over owned bytes (`ahash_request_alloc` + `_set_crypt` + `_set_callback`).
    @inlinable
    public init(
        transform: HashTransform, input: some ContiguousBytes & Sendable, context: Context,
        flags: RequestFlags = [.mayBacklog], completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .owned(input)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// A request over caller memory, read without copying; it must stay valid until the completion runs.
    @inlinable
    public init(
        transform: HashTransform, input: UnsafeRawBufferPointer, context: Context,
        flags: RequestFlags = [.mayBacklog], completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .caller(input)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// A request over caller memory that writes the digest into the caller's `output` (at least `digestSize` bytes;
    /// the digest goes at its start) instead of new bytes; the completion then gets an empty array, as the other
    /// families' caller-memory requests do. Both buffers must stay valid until the completion runs.
    @inlinable
    public init(
        transform: HashTransform, input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        context: Context, flags: RequestFlags = [.mayBacklog], completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .caller(input, output: output)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// Submits the request (`crypto_ahash_digest`); returns once queued, `.backlogged` past the backlog limit.
    /// Without `.mayBacklog` it throws `.busy` when every state is in flight.
    /// `@inlinable`: the job is built where `Context` is concrete (see `RequestJob`).
    @discardableResult @inlinable
    public func digest() throws(KernelCipherError) -> RequestStatus {
        try transform.submit(RequestJob(try transform.makeWork(input), request: self), flags: flags)
    }

    /// The former name of `digest()`.
    @available(*, deprecated, renamed: "digest()")
    @discardableResult
    public func submit() throws(KernelCipherError) -> RequestStatus { try digest() }
}

extension HashRequest: CompletingRequest {
    @usableFromInline
    func complete(_ result: Result<[UInt8], KernelCipherError>) { completion(self, result) }
}
