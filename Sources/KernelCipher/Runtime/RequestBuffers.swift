#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a request reads and where it writes, in every family: owned bytes (output allocated) or caller-owned memory
/// (valid until the completion runs).
enum RequestBuffers: @unchecked Sendable {
    case bytes(any ContiguousBytes & Sendable)
    case caller(UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer)

    /// Input length in bytes.
    var count: Int {
        switch self {
        case .bytes(let data): return data.withUnsafeBytes { $0.count }
        case .caller(let input, _): return input.count
        }
    }

    /// Output capacity in bytes (the input length when the transform allocates the output).
    var outputCount: Int {
        switch self {
        case .bytes(let data): return data.withUnsafeBytes { $0.count }
        case .caller(_, let output): return output.count
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
