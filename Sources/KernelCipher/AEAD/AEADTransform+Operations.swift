#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Synchronous and async one-call forms. Synchronous calls run on the caller's thread (no thread hop).
extension AEADTransform {
    /// Encrypts and authenticates `plaintext` with `associatedData` (`crypto_aead_encrypt`, waited on) and returns
    /// ciphertext ‖ tag (`plaintext.count + tagSize` bytes).
    @inlinable
    public func encrypt(
        _ plaintext: some ContiguousBytes, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try withBytes(plaintext, iv, associatedData) { (input, iv, ad) throws(KernelCipherError) in
            try cryptBytes(.encrypt, input, iv: iv, associatedData: ad)
        }
    }

    /// Verifies and decrypts ciphertext ‖ tag (`crypto_aead_decrypt`, waited on) and returns the plaintext; a tag
    /// that does not verify throws `.authenticationFailed` and no plaintext is returned.
    @inlinable
    public func decrypt(
        _ ciphertextAndTag: some ContiguousBytes, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try withBytes(ciphertextAndTag, iv, associatedData) { (input, iv, ad) throws(KernelCipherError) in
            try cryptBytes(.decrypt, input, iv: iv, associatedData: ad)
        }
    }

    /// Encrypts `plaintext` into caller memory without allocating (`crypto_aead_encrypt`, waited on): writes
    /// ciphertext ‖ tag (`plaintext.count + tagSize` bytes) at the start of `output` and returns that count.
    /// `output` must not overlap `plaintext`; too small a buffer throws `.outputTooSmall`.
    @discardableResult
    public func encrypt(
        _ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) throws(KernelCipherError) -> Int {
        try run(.encrypt, plaintext, into: output, iv: iv, associatedData: associatedData)
    }

    /// Verifies and decrypts ciphertext ‖ tag into caller memory without allocating (`crypto_aead_decrypt`, waited
    /// on) and returns the plaintext's length; on `.authenticationFailed` (or any failure after validation) the
    /// output bytes it would have written are zeroed. `output` must not overlap the input.
    @discardableResult
    public func decrypt(
        _ ciphertextAndTag: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) throws(KernelCipherError) -> Int {
        try run(.decrypt, ciphertextAndTag, into: output, iv: iv, associatedData: associatedData)
    }

    /// Validates and runs one request into caller memory on a pooled slot; returns the output length.
    private func run(
        _ operation: CipherOperation, _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer
    ) throws(KernelCipherError) -> Int {
        let count = try validate(operation, iv: iv, associatedDataCount: associatedData.count, inputCount: input.count)
        guard output.count >= count else { throw .outputTooSmall(length: output.count, needed: count) }
        // No unauthenticated or partial plaintext stays in caller memory, whatever the engine left there.
        try RequestBuffers.produce(input, into: output, outputCount: count, zeroOnFailure: operation == .decrypt) {
            (input, target) throws(KernelCipherError) in
            try core.withSlot { (pooled) throws(KernelCipherError) in
                try pooled.run(operation, iv: iv, associatedData: associatedData, input: input, output: target)
            }
        }
        return count
    }

    /// `encrypt` without blocking the task's thread for large inputs: inputs up to `asyncInlineLimit` run inline,
    /// larger ones on a worker. Cancelling before the request starts ends it with `.cancelled`.
    /// `@inlinable`, like the synchronous forms: an inline input runs the specialized synchronous path here.
    @inlinable
    public func encrypt(
        _ plaintext: some ContiguousBytes & Sendable, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.encrypt, plaintext, iv: iv, associatedData: associatedData)
    }

    /// `decrypt` without blocking the task's thread for large inputs (see the async `encrypt`).
    @inlinable
    public func decrypt(
        _ ciphertextAndTag: some ContiguousBytes & Sendable, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.decrypt, ciphertextAndTag, iv: iv, associatedData: associatedData)
    }

    /// The async forms (`runAsync`): the synchronous path for an input up to `asyncInlineLimit`, a worker beyond.
    @inlinable
    func crypt(
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes
    ) async throws(KernelCipherError) -> [UInt8] {
        try await runAsync(
            inputCount: input.withUnsafeBytes { $0.count }, limit: asyncInlineLimit,
            inline: { () throws(KernelCipherError) -> [UInt8] in
                try withBytes(input, iv, associatedData) { (input, iv, ad) throws(KernelCipherError) in
                    try cryptBytes(operation, input, iv: iv, associatedData: ad)
                }
            },
            onWorker: { () async throws(KernelCipherError) -> [UInt8] in
                try await cryptOnWorker(operation, input, iv: iv, associatedData: associatedData)
            })
    }

    /// The async form of an input past `asyncInlineLimit` (`TransformCore.perform`).
    @usableFromInline
    func cryptOnWorker(
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes
    ) async throws(KernelCipherError) -> [UInt8] {
        try await core.perform(
            work: { () throws(KernelCipherError) -> AEADWork in
                try makeWork(operation, buffers: .owned(input), iv: requestBytes(iv),
                             associatedData: requestBytes(associatedData))
            })
    }

    /// Queues a callback request's job (`TransformCore.submit`).
    @usableFromInline
    func submit(_ job: consuming AEADJob, flags: RequestFlags) throws(KernelCipherError) -> RequestStatus {
        try core.submit(job, flags: flags)
    }

    /// A validated request for the request queue.
    @usableFromInline
    func makeWork(
        _ operation: CipherOperation, buffers: RequestBuffers, iv: [UInt8], associatedData: [UInt8]
    ) throws(KernelCipherError) -> AEADWork {
        let inputCount = buffers.count
        let outputCount = try iv.withUnsafeBytes { iv in
            Result { () throws(KernelCipherError) -> Int in
                try validate(operation, iv: iv, associatedDataCount: associatedData.count, inputCount: inputCount)
            }
        }.get()
        if buffers.outputCount < outputCount, buffers.callerOutput != nil {
            throw .outputTooSmall(length: buffers.outputCount, needed: outputCount)
        }
        return AEADWork(operation: operation, iv: iv, associatedData: associatedData, buffers: buffers,
                        outputCount: outputCount)
    }
}

/// One AEAD request on a transform (the kernel's `struct aead_request`): input, IV, associated data, an opaque
/// caller context and a completion. `encrypt()`/`decrypt()` return once the request is queued; the completion is
/// called exactly once per accepted request, on the worker thread that ran it (`.threads` completion), with
/// ciphertext ‖ tag or the verified plaintext.
public struct AEADRequest<Context: Sendable>: Sendable {
    /// Completion callback: the finished request and its output.
    public typealias Completion = @Sendable (AEADRequest<Context>, Result<[UInt8], KernelCipherError>) -> Void

    /// The transform this request runs on (`crypto_aead_reqtfm`).
    public let transform: AEADTransform
    /// Plaintext (encrypt) or ciphertext ‖ tag (decrypt) (`aead_request_set_crypt`'s src), and where the output goes.
    @usableFromInline let input: RequestBuffers
    /// The IV (`aead_request_set_crypt`'s iv); its length must equal `transform.ivSize`.
    public var iv: [UInt8]
    /// Associated data, authenticated but not encrypted (`aead_request_set_ad`).
    public var associatedData: [UInt8]
    /// The caller's context, handed back with the completion.
    public var context: Context
    /// Request flags such as `.mayBacklog`.
    public var flags: RequestFlags
    /// Called exactly once per accepted request (`aead_request_set_callback`).
    public var completion: Completion

    /// A request whose output the transform allocates (`aead_request_alloc` + `_set_crypt` + `_set_ad` +
    /// `_set_callback`).
    @inlinable
    public init(
        transform: AEADTransform, input: some ContiguousBytes & Sendable, iv: some ContiguousBytes,
        associatedData: some ContiguousBytes = [UInt8](), context: Context, flags: RequestFlags = [.mayBacklog],
        completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .owned(input)
        self.iv = requestBytes(iv)
        self.associatedData = requestBytes(associatedData)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// A request over caller-owned memory, as `CipherRequest`'s: reads `input` and writes the output (ciphertext ‖ tag,
    /// or the verified plaintext) at the start of `output` without copying either; both must stay valid until the
    /// completion runs, which then gets an empty array. `output` must not overlap `input`; too small a buffer throws
    /// `.outputTooSmall` at submission. A decryption that fails leaves the output bytes zeroed.
    @inlinable
    public init(
        transform: AEADTransform, input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        iv: some ContiguousBytes, associatedData: some ContiguousBytes = [UInt8](), context: Context,
        flags: RequestFlags = [.mayBacklog], completion: @escaping Completion
    ) {
        self.transform = transform
        self.input = .caller(input, output: output)
        self.iv = requestBytes(iv)
        self.associatedData = requestBytes(associatedData)
        self.context = context
        self.flags = flags
        self.completion = completion
    }

    /// Submits for encryption (`crypto_aead_encrypt`); returns once queued, `.backlogged` past the backlog limit.
    /// Without `.mayBacklog` it throws `.busy` when every slot is taken.
    @discardableResult @inlinable
    public func encrypt() throws(KernelCipherError) -> RequestStatus { try submit(.encrypt) }

    /// Submits for decryption (`crypto_aead_decrypt`); a tag mismatch completes with `.authenticationFailed`.
    @discardableResult @inlinable
    public func decrypt() throws(KernelCipherError) -> RequestStatus { try submit(.decrypt) }

    /// `@inlinable`: the job is built where `Context` is concrete (see `RequestJob`).
    @inlinable
    func submit(_ operation: CipherOperation) throws(KernelCipherError) -> RequestStatus {
        let work = try transform.makeWork(operation, buffers: input, iv: iv, associatedData: associatedData)
        return try transform.submit(RequestJob(consume work, request: self), flags: flags)
    }
}

extension AEADRequest: CompletingRequest {
    @usableFromInline
    func complete(_ result: Result<[UInt8], KernelCipherError>) { completion(self, result) }
}
