#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One cipher request on a transform (the kernel's `struct skcipher_request`): input, optional caller-supplied
/// output buffer, IV, an opaque caller context and a completion callback.
///
/// `encrypt()`/`decrypt()` return once the request is queued: validated, then handed to the transform's
/// completion machinery (given a worker thread or an op socket, or put in the backlog) — not once its cipher
/// work is done, except where noted below. If they throw, the request was not accepted and the completion is
/// never called; otherwise the completion is called exactly once, with this request and its result.
///
/// Where the work and the completion run:
/// - `.threads` completion mode (and the software engine): on the worker thread that ran the request.
/// - `.aio` mode: the submitting thread sends the data (`sendmsg`) and queues the read (`io_submit`); the
///   transform's completion thread reaps it and calls the completion. With a synchronous driver (most
///   in-kernel ciphers, e.g. `cbc-aes-aesni`) the kernel does the cipher work inside `io_submit`, so it happens
///   inside `encrypt()` on the calling thread, and only the completion runs later on the completion thread; an
///   asynchronous driver (e.g. `cryptd`) does it in a kernel worker. A request that finishes while being
///   submitted (empty input, or a kernel that refused `io_submit` for it and was read with a blocking `read`)
///   has its completion run on the submitting thread before `encrypt()` returns, as the kernel's synchronous
///   completion does. A completion may submit further requests; backlogged ones then run on the thread that
///   finished the previous one.
///
/// Keep completions short: they hold up the requests behind them.
public struct CipherRequest<Context: Sendable>: Sendable {
    /// Completion callback: the finished request and its output (empty when written into a caller buffer).
    public typealias Completion = @Sendable (CipherRequest<Context>, Result<[UInt8], KernelCipherError>) -> Void

    /// The transform this request runs on (`crypto_skcipher_reqtfm`).
    public let transform: CipherTransform
    /// The IV for this request (`skcipher_request_set_crypt`'s iv); its length must equal `transform.ivSize`.
    public var iv: [UInt8]
    /// The caller's context, handed back with the completion (`skcipher_request_set_callback`'s data).
    public var context: Context
    /// Request flags such as `.mayBacklog`.
    public var flags: RequestFlags
    /// Called exactly once per accepted request (`skcipher_request_set_callback`'s callback).
    public var completion: Completion

    @usableFromInline let input: RequestBuffers

    /// A request whose output the transform allocates (`skcipher_request_alloc` + `_set_crypt` + `_set_callback`).
    @inlinable
    public init(
        transform: CipherTransform, input: some ContiguousBytes & Sendable, iv: some ContiguousBytes = [UInt8](),
        context: Context, flags: RequestFlags = [.mayBacklog], completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .owned(input)
        self.iv = requestBytes(iv)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// A request over caller-owned memory: reads `input` and writes `input.count` bytes into `output`
    /// without copying either; both must stay valid until the completion runs. `output` may equal `input`.
    @inlinable
    public init(
        transform: CipherTransform, input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        iv: some ContiguousBytes = [UInt8](), context: Context, flags: RequestFlags = [.mayBacklog],
        completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .caller(input, output: output)
        self.iv = requestBytes(iv)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// Submits the request for encryption (`crypto_skcipher_encrypt`); returns once queued (see the type's
    /// documentation for where the work runs), with `.backlogged` when it was accepted past the backlog limit
    /// (see `RequestFlags.mayBacklog`). Without `.mayBacklog` it throws `.busy` when every op slot is taken.
    @discardableResult @inlinable
    public func encrypt() throws(KernelCipherError) -> RequestStatus { try submit(.encrypt) }

    /// Submits the request for decryption (`crypto_skcipher_decrypt`); returns as `encrypt()` does.
    @discardableResult @inlinable
    public func decrypt() throws(KernelCipherError) -> RequestStatus { try submit(.decrypt) }

    /// Validates the request and queues it on its transform, its completion bound to this request. `@inlinable`:
    /// the job is built where `Context` is concrete (see `RequestJob`).
    @inlinable
    func submit(_ operation: CipherOperation) throws(KernelCipherError) -> RequestStatus {
        let work = try transform.makeWork(operation, iv: iv, buffers: input)
        return try transform.submit(RequestJob(consume work, request: self), flags: flags)
    }
}

extension CipherRequest: CompletingRequest {
    @usableFromInline
    func complete(_ result: Result<[UInt8], KernelCipherError>) { completion(self, result) }
}

/// The skcipher request's former name.
@available(*, deprecated, renamed: "CipherRequest")
public typealias Request<Context: Sendable> = CipherRequest<Context>
