#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Synchronous and async one-call forms. Synchronous calls run on the caller's thread (no thread hop).
// Inputs and IVs are any `ContiguousBytes` (`[UInt8]`, `Data`, buffer pointers, …).
extension CipherTransform {
    // The generic forms are `@inlinable` shells: the caller's module specializes them for its byte type (`[UInt8]`,
    // `Data`, …), so they cost what the pointer forms cost plus the caller's own `withUnsafeBytes`.

    /// Encrypts `input` on the calling thread and returns the ciphertext (`crypto_skcipher_encrypt`, waited on).
    @inlinable
    public func encrypt(
        _ input: some ContiguousBytes, iv: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try withBytes(input, iv) { (input, iv) throws(KernelCipherError) in try cryptBytes(.encrypt, input, iv: iv) }
    }

    /// Decrypts `input` on the calling thread and returns the plaintext (`crypto_skcipher_decrypt`, waited on).
    @inlinable
    public func decrypt(
        _ input: some ContiguousBytes, iv: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try withBytes(input, iv) { (input, iv) throws(KernelCipherError) in try cryptBytes(.decrypt, input, iv: iv) }
    }

    /// Encrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory) and returns
    /// the bytes written, as every family's `into:` form does.
    @discardableResult @inlinable
    public func encrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: some ContiguousBytes
    ) throws(KernelCipherError) -> Int {
        try withBytes(iv) { (iv) throws(KernelCipherError) in try encrypt(input, into: output, iv: iv) }
    }

    /// Decrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory) and returns
    /// the bytes written.
    @discardableResult @inlinable
    public func decrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: some ContiguousBytes
    ) throws(KernelCipherError) -> Int {
        try withBytes(iv) { (iv) throws(KernelCipherError) in try decrypt(input, into: output, iv: iv) }
    }

    /// `encrypt(_:into:iv:)` with the IV already in memory: the zero-cost form (no generic indirection).
    @discardableResult
    public func encrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer
    ) throws(KernelCipherError) -> Int {
        try run(.encrypt, iv: iv, input: input, output: output)
        return input.count
    }

    /// `decrypt(_:into:iv:)` with the IV already in memory: the zero-cost form (no generic indirection).
    @discardableResult
    public func decrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer
    ) throws(KernelCipherError) -> Int {
        try run(.decrypt, iv: iv, input: input, output: output)
        return input.count
    }

    /// Encrypts without blocking the task's thread for large inputs (`crypto_skcipher_encrypt` + completion).
    /// Inputs up to `asyncInlineLimit` run inline; larger ones run on a worker. Cancelling the task
    /// before the request starts ends it with `.cancelled`.
    /// `@inlinable`, like the synchronous forms: an inline input (most small messages) runs the specialized
    /// synchronous path here; through the unspecialized generic path it cost ≈ 200 ns more at 16 bytes.
    @inlinable
    public func encrypt(
        _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.encrypt, input, iv: iv)
    }

    /// Decrypts without blocking the task's thread for large inputs (`crypto_skcipher_decrypt` + completion).
    @inlinable
    public func decrypt(
        _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.decrypt, input, iv: iv)
    }

    /// The async forms (`runAsync`): the synchronous path for an input up to `asyncInlineLimit`, a worker beyond.
    @inlinable
    func crypt(
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes
    ) async throws(KernelCipherError) -> [UInt8] {
        try await runAsync(
            inputCount: input.withUnsafeBytes { $0.count }, limit: asyncInlineLimit,
            inline: { () throws(KernelCipherError) -> [UInt8] in
                try withBytes(input, iv) { (input, iv) throws(KernelCipherError) in
                    try cryptBytes(operation, input, iv: iv)
                }
            },
            onWorker: { () async throws(KernelCipherError) -> [UInt8] in
                try await cryptOnWorker(operation, input, iv: iv)
            })
    }

    /// The one-call form over memory: a new array of `input.count` bytes.
    @usableFromInline
    func cryptBytes(
        _ operation: CipherOperation, _ input: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer
    ) throws(KernelCipherError) -> [UInt8] {
        try makeBytes(count: input.count) { (output) throws(KernelCipherError) in
            try run(operation, iv: iv, input: input, output: output)
        }
    }

    /// The async form of an input past `asyncInlineLimit` (`TransformCore.perform`).
    @usableFromInline
    func cryptOnWorker(
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes
    ) async throws(KernelCipherError) -> [UInt8] {
        let count = input.withUnsafeBytes { $0.count }
        return try await core.perform(
            work: { () throws(KernelCipherError) -> CipherWork in
                let iv = requestBytes(iv)
                try validate(ivCount: iv.count, inputCount: count, outputCount: count)
                return CipherWork(operation: operation, iv: iv, buffers: .owned(input))
            })
    }
}
