#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Synchronous and async one-call forms. Synchronous calls run on the caller's thread (no thread hop).
extension Transform {
    /// Encrypts `input` on the calling thread and returns the ciphertext (`crypto_skcipher_encrypt`, waited on).
    public func encrypt(_ input: some ContiguousBytes, iv: [UInt8] = []) throws(KernelCipherError) -> [UInt8] {
        try cryptSync(.encrypt, input, iv: iv)
    }

    /// Decrypts `input` on the calling thread and returns the plaintext (`crypto_skcipher_decrypt`, waited on).
    public func decrypt(_ input: some ContiguousBytes, iv: [UInt8] = []) throws(KernelCipherError) -> [UInt8] {
        try cryptSync(.decrypt, input, iv: iv)
    }

    /// Encrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory).
    public func encrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer
    ) throws(KernelCipherError) {
        try run(.encrypt, iv: iv, input: input, output: output)
    }

    /// Decrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory).
    public func decrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer
    ) throws(KernelCipherError) {
        try run(.decrypt, iv: iv, input: input, output: output)
    }

    /// Encrypts without blocking the task's thread for large inputs (`crypto_skcipher_encrypt` + completion).
    /// Inputs up to `asyncInlineLimit` run inline; larger ones run on a worker. Cancelling the task
    /// before the request starts ends it with `.cancelled`.
    public func encrypt(
        _ input: some ContiguousBytes & Sendable, iv: [UInt8] = []
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.encrypt, input, iv: iv)
    }

    /// Decrypts without blocking the task's thread for large inputs (`crypto_skcipher_decrypt` + completion).
    public func decrypt(
        _ input: some ContiguousBytes & Sendable, iv: [UInt8] = []
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.decrypt, input, iv: iv)
    }

    func cryptSync(_ operation: CipherOperation, _ input: some ContiguousBytes, iv: [UInt8]) throws(KernelCipherError)
        -> [UInt8]
    {
        let result = input.withUnsafeBytes { inputBytes in
            iv.withUnsafeBytes { ivBytes in
                Result { () throws(KernelCipherError) -> [UInt8] in
                    try makeBytes(count: inputBytes.count) { (output) throws(KernelCipherError) in
                        try run(operation, iv: ivBytes, input: inputBytes, output: output)
                    }
                }
            }
        }
        return try result.get()
    }

    func crypt(
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: [UInt8]
    ) async throws(KernelCipherError) -> [UInt8] {
        if Task.isCancelled { throw .cancelled }
        let count = input.withUnsafeBytes { $0.count }
        if count <= asyncInlineLimit { return try cryptSync(operation, input, iv: iv) }
        try validate(ivCount: iv.count, inputCount: count, outputCount: count)
        let job = Job(operation: operation, iv: iv, work: .bytes(input), completion: nil)
        let result = await withTaskCancellationHandler {
            // A checked continuation: a worker thread may resume it before this closure returns. The runtime orders
            // that correctly, but ThreadSanitizer cannot see the ordering for an UnsafeContinuation resumed from a
            // plain pthread (a 10-line program with no shared state reports the same race); the checked
            // continuation's canary exchange makes it visible, and traps a double resume. One allocation per call
            // above the inline limit.
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], KernelCipherError>, Never>) in
                guard job.install({ continuation.resume(returning: $0) }) else { return }
                do throws(KernelCipherError) {
                    try requests.submit(job, mayBacklog: true)
                } catch {
                    job.abandon(error)
                }
            }
        } onCancel: {
            job.abandon(.cancelled)
        }
        return try result.get()
    }

    /// Validates and queues a callback request (`crypto_skcipher_encrypt` / `_decrypt`).
    func submit<Context>(
        _ request: Request<Context>, _ operation: CipherOperation
    ) throws(KernelCipherError) -> RequestStatus {
        let count = request.input.count
        let outputCount: Int
        if case .caller(_, let output) = request.input { outputCount = output.count } else { outputCount = count }
        try validate(ivCount: request.iv.count, inputCount: count, outputCount: outputCount)
        let job = Job(operation: operation, iv: request.iv, work: request.input) { result in
            request.completion(request, result)
        }
        return try requests.submit(job, mayBacklog: request.flags.contains(.mayBacklog))
    }
}
