#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a request reads and where it writes, in every family: owned bytes (output allocated) or caller-owned memory
/// (valid until the completion runs).
///
/// The lengths are stored beside the storage: reading them through a `switch` copied the storage, and with it the
/// owned bytes' existential (a value-witness copy and a retain of the caller's array, ≈ 77 instructions; three such
/// reads per cipher request, callgrind, cbc 16 B chain of one). Every request on a transform often shares one input
/// array, so each retain was also an atomic on a cache line the other workers use.
@usableFromInline
struct RequestBuffers: @unchecked Sendable {
    @usableFromInline
    enum Storage: @unchecked Sendable {
        /// An owned `[UInt8]`, the common case, kept out of the existential: copying it (into the job, into the
        /// work) is one retain, where the existential's copy went through its value witnesses (≈ 55 instructions each).
        case array([UInt8])
        /// Owned bytes of any other type (the transform allocates the output).
        case bytes(any ContiguousBytes & Sendable)
        /// Caller memory: read `input`, write into `output`, or into new bytes when there is no `output`.
        case caller(UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer?)
    }

    /// Where the bytes are.
    @usableFromInline let storage: Storage
    /// Input length in bytes.
    @usableFromInline let count: Int
    /// Output capacity in bytes (the input length when the transform allocates the output).
    @usableFromInline let outputCount: Int

    @inlinable
    init(storage: Storage, count: Int, outputCount: Int) {
        self.storage = storage
        self.count = count
        self.outputCount = outputCount
    }

    /// Owned bytes (the transform allocates the output).
    @inlinable
    static func owned(_ data: some ContiguousBytes & Sendable) -> RequestBuffers {
        let count = data.withUnsafeBytes { $0.count }
        if let array = data as? [UInt8] { return RequestBuffers(storage: .array(array), count: count, outputCount: count) }
        return RequestBuffers(storage: .bytes(data), count: count, outputCount: count)
    }

    /// Caller memory: reads `input`, writes into `output`.
    @inlinable
    static func caller(_ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> RequestBuffers {
        RequestBuffers(storage: .caller(input, output: output), count: input.count, outputCount: output.count)
    }

    /// Caller memory read in place, the output allocated (a hash request over caller memory without a digest buffer).
    @inlinable
    static func caller(_ input: UnsafeRawBufferPointer) -> RequestBuffers {
        RequestBuffers(storage: .caller(input, output: nil), count: input.count, outputCount: input.count)
    }

    /// The caller's output memory, nil when the transform allocates the output.
    var callerOutput: UnsafeMutableRawBufferPointer? {
        if case .caller(_, let output?) = storage { return output }
        return nil
    }
}

extension RequestBuffers {
    /// Runs `body` over the request's input bytes (owned or the caller's).
    func withInput<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .array(let data): return data.withUnsafeBytes(body)
        case .bytes(let data): return data.withUnsafeBytes(body)
        case .caller(let input, _): return body(input)
        }
    }

    /// Runs one request over these buffers, the rule of every family: without caller output a new output array of
    /// `outputCount` bytes, caller output is written in place (its first `outputCount` bytes; the result is then
    /// empty). With `zeroOnFailure`, caller output is zeroed when `body` throws, so no partial or unauthenticated
    /// bytes stay there (AEAD decryption).
    @inline(__always)
    func produce(
        outputCount: Int, zeroOnFailure: Bool = false,
        _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
    ) throws(KernelCipherError) -> [UInt8] {
        switch storage {
        case .array(let data):
            return try data.withUnsafeBytes { Self.fresh($0, outputCount: outputCount, body) }.get()
        case .bytes(let data):
            return try data.withUnsafeBytes { Self.fresh($0, outputCount: outputCount, body) }.get()
        case .caller(let input, let output?):
            try Self.produce(input, into: output, outputCount: outputCount, zeroOnFailure: zeroOnFailure, body)
            return []
        case .caller(let input, nil):
            return try Self.fresh(input, outputCount: outputCount, body).get()
        }
    }

    /// One request over `input` into a new array of `outputCount` bytes, its failure as a value (the owned
    /// cases of `produce` run it inside `withUnsafeBytes`, which rethrows untyped).
    @inline(__always)
    private static func fresh(
        _ input: UnsafeRawBufferPointer, outputCount: Int,
        _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
    ) -> Result<[UInt8], KernelCipherError> {
        Result { () throws(KernelCipherError) -> [UInt8] in
            try makeBytes(count: outputCount) { (output) throws(KernelCipherError) in try body(input, output) }
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
    // No storage for 0 bytes: an array initializer asked for 0 bytes of capacity (`unsafeUninitializedCapacity: 0`,
    // which this used before) writes the count into the shared empty-array singleton, a data race between threads
    // producing empty outputs at once (ThreadSanitizer, AEAD suite: empty decrypts on parallel workers).
    if count == 0 {
        try fill(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        return []
    }
    var bytes = [UInt8](UninitializedBytes(count: count))
    var failure: KernelCipherError?
    bytes.withUnsafeMutableBytes { buffer in
        do throws(KernelCipherError) { try fill(buffer) } catch { failure = error }
    }
    if let failure { throw failure }
    return bytes
}

/// `count` bytes that copying into an array leaves uninitialized, for `makeBytes`: `[UInt8](UninitializedBytes(…))`
/// allocates through the array initializer specialized in this module, whose storage type is a cached metadata
/// reference. `[UInt8](unsafeUninitializedCapacity:)` (and `repeating:count:`) allocate in the standard library's
/// unspecialized code instead, which looks up `_ContiguousArrayStorage<UInt8>` in the runtime's metadata cache on
/// every call: ≈ 330 of the ≈ 800 instructions a 16-byte output array cost (callgrind), plus the cache's reader
/// count, an atomic every thread allocating an array shares.
struct UninitializedBytes: RandomAccessCollection {
    let count: Int
    var startIndex: Int { 0 }
    var endIndex: Int { count }
    subscript(position: Int) -> UInt8 { 0 }

    struct Iterator: IteratorProtocol {
        var position: Int
        let end: Int
        mutating func next() -> UInt8? {
            guard position < end else { return nil }
            position += 1
            return 0
        }
    }

    func makeIterator() -> Iterator { Iterator(position: 0, end: count) }

    /// The array's new storage is left as it is: `makeBytes` overwrites every byte (`UInt8` needs no initialization).
    func _copyContents(initializing buffer: UnsafeMutableBufferPointer<UInt8>) -> (Iterator, Int) {
        let copied = Swift.min(buffer.count, count)
        return (Iterator(position: copied, end: count), copied)
    }
}
