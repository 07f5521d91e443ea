#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A streaming hash state with value semantics, as swift-crypto's hash functions: a copy shares the state
/// until one side writes, which then clones it (copy-on-write; kernel: `accept()` on the op socket, software:
/// `EVP_MD_CTX_copy_ex` / `EVP_MAC_CTX_dup`). `finalize()` leaves the context usable: more updates continue
/// from where it was.
public struct HashContext: Sendable {
    /// The shared state; replaced by a clone before a write when shared.
    private var box: Box
    private let transform: HashTransform

    /// The state and the transform whose key it was made under. Mutated only through a uniquely referenced
    /// `HashContext`, so never by two threads at once; clones only read it (`copy` is the kernel's accept under
    /// its socket lock, or an EVP copy).
    private final class Box: @unchecked Sendable {
        let state: any HashState
        init(_ state: any HashState) { self.state = state }
    }

    init(transform: HashTransform, state: any HashState) {
        self.transform = transform
        self.box = Box(state)
    }

    /// The algorithm's digest length in bytes.
    public var digestSize: Int { transform.digestSize }

    /// Feeds bytes (`crypto_ahash_update`); copies the state first when it is shared with another copy.
    public mutating func update(data: some ContiguousBytes) throws(KernelCipherError) {
        try data.withUnsafeBytes { bytes in
            Result { () throws(KernelCipherError) in try update(bufferPointer: bytes) }
        }.get()
    }

    /// Feeds memory (`crypto_ahash_update`) without copying it.
    public mutating func update(bufferPointer: UnsafeRawBufferPointer) throws(KernelCipherError) {
        if transform.isReleased { throw .transformReleased }
        if !isKnownUniquelyReferenced(&box) { box = Box(try box.state.copy()) }
        try box.state.update(bufferPointer)
    }

    /// The digest of everything fed so far (`crypto_ahash_final` on a clone of the state); the context stays
    /// usable and unchanged.
    public func finalize() throws(KernelCipherError) -> [UInt8] {
        if transform.isReleased { throw .transformReleased }
        let clone = try box.state.copy()
        return try makeBytes(count: transform.digestSize) { (output) throws(KernelCipherError) in
            try clone.finish(into: output)
        }
    }
}
