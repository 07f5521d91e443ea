/// The engine side of a `RandomTransform` (`crypto_rng`): one generator instance. Implementations are thread-safe;
/// after `release()` every call throws `.transformReleased`.
protocol RandomEngine: Engine {
    /// Bytes of seed the algorithm wants (`crypto_rng_seedsize`); 0 when any length (or none) will do.
    var seedSize: Int { get }
    /// Re-seeds the generator (`crypto_rng_reset`).
    func seed(_ seed: UnsafeRawBufferPointer) throws(KernelCipherError)
    /// Sets test entropy for the next seeding (`crypto_rng_set_entropy`, `ALG_SET_DRBG_ENTROPY`).
    func setEntropy(_ entropy: UnsafeRawBufferPointer) throws(KernelCipherError)
    /// Fills `buffer` with random bytes (`crypto_rng_get_bytes`), any length, in constant memory.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError)
}

extension RandomEngine {
    /// Keying a generator is seeding it (`crypto_rng_reset`, the kernel engine's `ALG_SET_KEY`); `key` is wiped.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) {
        defer { key.wipe() }
        try key.withUnsafeBytes { (bytes) throws(KernelCipherError) in try seed(bytes) }
    }
}
