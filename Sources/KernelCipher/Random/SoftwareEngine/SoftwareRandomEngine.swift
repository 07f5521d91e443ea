internal import CLibCrypto
import Synchronization

/// The software random generator: OpenSSL's `RAND_bytes` (its public DRBG, seeded from the operating system).
///
/// It is not a deterministic DRBG and does not pretend to be one: `seed` mixes the bytes into OpenSSL's pool as
/// additional input (`RAND_seed`), so outputs never become a function of the seed, and test entropy
/// (`setEntropy`) is refused.
final class SoftwareRandomEngine: RandomEngine {
    /// The names the software engine serves: the kernel's name for "the default generator".
    static let names: Set<String> = ["stdrng"]
    /// Largest length passed to one `RAND_bytes`/`RAND_seed` call (they take an `int`).
    private static let chunk = 1 << 20

    let kind = EngineKind.software
    let driver = "openssl:RAND_bytes"
    let seedSize = 0
    private let released = Atomic<Bool>(false)

    /// Serves `algorithm` if it is in `names`, else `.algorithmNotFound`.
    init(algorithm: String) throws(KernelCipherError) {
        guard Self.names.contains(algorithm) else { throw .algorithmNotFound(algorithm, engine: .software) }
    }

    /// True when the software engine serves `algorithm`.
    static func isAvailable(_ algorithm: String) -> Bool { names.contains(algorithm) }

    /// `RAND_seed(seed, len)` in chunks: additional input, never a reset to a known state.
    func seed(_ seed: UnsafeRawBufferPointer) throws(KernelCipherError) {
        guard !released.load(ordering: .acquiring) else { throw .transformReleased }
        var offset = 0
        while offset < seed.count, let base = seed.baseAddress {
            let n = min(Self.chunk, seed.count - offset)
            RAND_seed(base + offset, Int32(n))
            offset += n
        }
    }

    /// Refused: OpenSSL's RAND has no test-entropy input (the kernel's `ALG_SET_DRBG_ENTROPY` has no twin).
    func setEntropy(_ entropy: UnsafeRawBufferPointer) throws(KernelCipherError) {
        guard !released.load(ordering: .acquiring) else { throw .transformReleased }
        throw .software(
            operation: "RAND (test entropy)",
            detail: "not offered: the software generator is OpenSSL's RAND_bytes, not a deterministic DRBG")
    }

    /// `RAND_bytes(buffer, len)` in chunks of at most 1 MiB.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        guard !released.load(ordering: .acquiring) else { throw .transformReleased }
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let n = min(Self.chunk, buffer.count - offset)
            guard RAND_bytes(base.assumingMemoryBound(to: UInt8.self) + offset, Int32(n)) == 1 else {
                throw openSSLError("RAND_bytes")
            }
            offset += n
        }
    }

    /// Marks the engine released; OpenSSL's generator is process-wide, so nothing is freed.
    func release() { released.store(true, ordering: .releasing) }
}
