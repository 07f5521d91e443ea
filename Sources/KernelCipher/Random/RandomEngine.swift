/// The engine side of a `RandomGenerator` (`crypto_rng`): one generator instance. Implementations are thread-safe;
/// after `release()` every call throws `.transformReleased`.
protocol RandomEngine: AnyObject, Sendable {
    /// Which engine this is.
    var kind: EngineKind { get }
    /// The implementation serving requests (kernel driver, e.g. `drbg_nopr_hmac_sha512`, or `openssl:RAND_bytes`).
    var driver: String { get }
    /// Bytes of seed the algorithm wants (`crypto_rng_seedsize`); 0 when any length (or none) will do.
    var seedSize: Int { get }
    /// Re-seeds the generator (`crypto_rng_reset`).
    func seed(_ seed: UnsafeRawBufferPointer) throws(KernelCipherError)
    /// Sets test entropy for the next seeding (`crypto_rng_set_entropy`, `ALG_SET_DRBG_ENTROPY`).
    func setEntropy(_ entropy: UnsafeRawBufferPointer) throws(KernelCipherError)
    /// Fills `buffer` with random bytes (`crypto_rng_get_bytes`), any length, in constant memory.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError)
    /// Releases the engine's resources (`crypto_free_rng`); waits for a call in progress to finish.
    func release()
}
