#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a request reads and where it writes, in every family: owned bytes (output allocated) or caller-owned memory
/// (valid until the completion runs).
@usableFromInline
enum RequestBuffers: @unchecked Sendable {
    /// Owned bytes and their count, taken once (`owned(_:)`): reading the count again would copy the existential
    /// (a retain, a release and witness calls; 9 copies a request cost ≈ 400 instructions, callgrind, cbc 16 B).
    case bytes(any ContiguousBytes & Sendable, count: Int)
    case caller(UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer)

    /// Owned bytes (the transform allocates the output).
    @inlinable
    static func owned(_ data: some ContiguousBytes & Sendable) -> RequestBuffers {
        .bytes(data, count: data.withUnsafeBytes { $0.count })
    }

    /// Input length in bytes.
    @usableFromInline
    var count: Int {
        switch self {
        case .bytes(_, let count): return count
        case .caller(let input, _): return input.count
        }
    }

    /// Output capacity in bytes (the input length when the transform allocates the output).
    @usableFromInline
    var outputCount: Int {
        switch self {
        case .bytes(_, let count): return count
        case .caller(_, let output): return output.count
        }
    }
}

extension RequestBuffers {
    /// Runs `body` over the request's input bytes (owned or the caller's).
    func withInput<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .bytes(let data, _): return data.withUnsafeBytes(body)
        case .caller(let input, _): return body(input)
        }
    }

    /// Runs one request over these buffers, the rule of every family: owned input gets a new output array of
    /// `outputCount` bytes, caller memory is written in place (its first `outputCount` bytes; the result is then
    /// empty). With `zeroOnFailure`, caller output is zeroed when `body` throws, so no partial or unauthenticated
    /// bytes stay there (AEAD decryption).
    @inline(__always)
    func produce(
        outputCount: Int, zeroOnFailure: Bool = false,
        _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
    ) throws(KernelCipherError) -> [UInt8] {
        switch self {
        case .bytes(let data, _):
            return try data.withUnsafeBytes { input in
                Result { () throws(KernelCipherError) -> [UInt8] in
                    try makeBytes(count: outputCount) { (output) throws(KernelCipherError) in try body(input, output) }
                }
            }.get()
        case .caller(let input, let output):
            try Self.produce(input, into: output, outputCount: outputCount, zeroOnFailure: zeroOnFailure, body)
            return []
        }
    }

    /// `produce` for caller memory without building the enum, for the synchronous caller-buffer forms: writes the
    /// first `outputCount` bytes of `output`, zeroed when `body` throws and `zeroOnFailure` is set. (Going through
    /// `.caller(…).produce` there cost ≈ 130 instructions a request, callgrind, gcm(aes) 16 B: the enum's existential
    /// payload brings outlined copies and destroys, and the caller's body stopped being inlined.)
    @inline(__always)
    static func produce(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, outputCount: Int,
        zeroOnFailure: Bool,
        _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
    ) throws(KernelCipherError) {
        let target = UnsafeMutableRawBufferPointer(rebasing: output[..<outputCount])
        do throws(KernelCipherError) {
            try body(input, target)
        } catch {
            if zeroOnFailure { target.initializeMemory(as: UInt8.self, repeating: 0) }
            throw error
        }
    }
}

/// A new array of `count` bytes filled by `fill`, with typed throws (Array's initializer only rethrows untyped).
func makeBytes(
    count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
) throws(KernelCipherError) -> [UInt8] {
    // No storage for 0 bytes: `Array(unsafeUninitializedCapacity: 0)` writes the count into the shared empty-array
    // singleton, a data race between threads producing empty outputs at once (ThreadSanitizer, AEAD suite: empty
    // decrypts on parallel workers).
    if count == 0 {
        try fill(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        return []
    }
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
