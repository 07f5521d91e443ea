#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Synchronous and async one-call forms. Synchronous calls run on the caller's thread (no thread hop).
// Inputs and IVs are any `ContiguousBytes` (`[UInt8]`, `Data`, buffer pointers, …).
extension CipherTransform {
    /// Encrypts `input` on the calling thread and returns the ciphertext (`crypto_skcipher_encrypt`, waited on).
    public func encrypt(
        _ input: some ContiguousBytes, iv: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try cryptSync(.encrypt, input, iv: iv)
    }

    /// Decrypts `input` on the calling thread and returns the plaintext (`crypto_skcipher_decrypt`, waited on).
    public func decrypt(
        _ input: some ContiguousBytes, iv: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> [UInt8] {
        try cryptSync(.decrypt, input, iv: iv)
    }

    /// Encrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory) and returns
    /// the bytes written, as every family's `into:` form does.
    @discardableResult
    public func encrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: some ContiguousBytes
    ) throws(KernelCipherError) -> Int {
        try withIV(iv) { (iv) throws(KernelCipherError) in try run(.encrypt, iv: iv, input: input, output: output) }
        return input.count
    }

    /// Decrypts `input` into the caller's `output` (at least `input.count` bytes; may be the same memory) and returns
    /// the bytes written.
    @discardableResult
    public func decrypt(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: some ContiguousBytes
    ) throws(KernelCipherError) -> Int {
        try withIV(iv) { (iv) throws(KernelCipherError) in try run(.decrypt, iv: iv, input: input, output: output) }
        return input.count
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
    public func encrypt(
        _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.encrypt, input, iv: iv)
    }

    /// Decrypts without blocking the task's thread for large inputs (`crypto_skcipher_decrypt` + completion).
    public func decrypt(
        _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes = [UInt8]()
    ) async throws(KernelCipherError) -> [UInt8] {
        try await crypt(.decrypt, input, iv: iv)
    }

    /// Runs `body` with the IV's bytes (typed throws; `ContiguousBytes.withUnsafeBytes` only rethrows untyped).
    private func withIV(
        _ iv: some ContiguousBytes, _ body: (UnsafeRawBufferPointer) throws(KernelCipherError) -> Void
    ) throws(KernelCipherError) {
        try iv.withUnsafeBytes { bytes in Result { () throws(KernelCipherError) in try body(bytes) } }.get()
    }

    func cryptSync(
        _ operation: CipherOperation, _ input: some ContiguousBytes, iv: some ContiguousBytes
    ) throws(KernelCipherError) -> [UInt8] {
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
        _ operation: CipherOperation, _ input: some ContiguousBytes & Sendable, iv: some ContiguousBytes
    ) async throws(KernelCipherError) -> [UInt8] {
        let count = input.withUnsafeBytes { $0.count }
        return try await core.perform(
            inputCount: count,
            inline: { () throws(KernelCipherError) -> [UInt8] in try cryptSync(operation, input, iv: iv) },
            work: { () throws(KernelCipherError) -> CipherWork in
                let iv = iv.withUnsafeBytes { [UInt8]($0) }
                try validate(ivCount: iv.count, inputCount: count, outputCount: count)
                return CipherWork(operation: operation, iv: iv, buffers: .bytes(input))
            })
    }
}
