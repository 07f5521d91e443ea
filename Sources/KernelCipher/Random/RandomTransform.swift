#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Synchronization

/// A random number generator (`crypto_rng`): the kernel's `stdrng`, `drbg_nopr_*`/`drbg_pr_*` DRBGs,
/// `jitterentropy_rng` and any other rng the kernel binds, through AF_ALG (`algif_rng`), or OpenSSL's `RAND_bytes`
/// as the software twin of `stdrng`.
///
/// The kernel engine seeds the generator when it is made (a DRBG refuses to generate before that), so `generate`
/// works at once; `seed(_:)` re-seeds it. The software engine is OpenSSL's process-wide DRBG: `seed(_:)` adds the
/// bytes as additional input (`RAND_seed`), it never makes the output a function of the seed, and `setEntropy`
/// is refused. Outputs of either engine are unpredictable; known answers exist only through `setEntropy` on
/// kernels built with `CONFIG_CRYPTO_USER_API_RNG_CAVP` (not Debian's).
///
/// Thread-safe: concurrent calls are serialized per generator (the kernel's DRBG serializes them anyway).
public final class RandomTransform: Sendable {
    /// The name asked for, e.g. `stdrng`.
    public let algorithm: String
    /// The engine serving this generator, and why it was chosen.
    public let selection: EngineSelection
    /// Bytes of seed the algorithm wants (`crypto_rng_seedsize`, /proc/crypto `seedsize`); 0 for DRBGs, which
    /// take any length (as a personalization string), and for the software engine.
    public let seedSize: Int
    /// Largest count one `generate(count:)` call returns (4 GiB); `fill(_:)` takes any buffer.
    public static let maximumCount = 1 << 32
    /// How the generator handles requests (shared by every family; random requests complete on worker threads).
    public typealias Options = TransformOptions
    /// The options the generator was made with.
    public let options: Options
    /// `async` counts up to this many bytes run inline on the calling task (default 4 KiB); larger ones on a worker.
    public let asyncInlineLimit: Int

    private let randomEngine: any RandomEngine
    /// The worker that runs large `async` requests (one thread, made on first use).
    private let worker: WorkerQueue<Int, [UInt8]>
    /// Release and the per-request gate, as every family's (a generator needs no key: it seeds itself).
    private let lifecycle = TransformLifecycle(needsKey: false)

    /// Makes a generator (`crypto_alloc_rng`) on the engine `engine` asks for (`.automatic`: the kernel's when the
    /// name binds through AF_ALG, else the software twin with the kernel's reason in `selection`).
    public init(
        _ algorithm: String = "stdrng", engine: EnginePreference = .automatic, options: Options = Options()
    ) throws(KernelCipherError) {
        let options = try options.validated()
        _ = try options.threadsOnly("random number")
        let (randomEngine, selection) = try EngineSelector.choose(
            algorithm, preference: engine,
            kernel: { () throws(KernelCipherError) -> any RandomEngine in try KernelRandomEngine(algorithm: algorithm) },
            software: { () throws(KernelCipherError) -> any RandomEngine in
                try SoftwareRandomEngine(algorithm: algorithm)
            })
        self.algorithm = algorithm
        self.selection = selection
        self.randomEngine = randomEngine
        self.seedSize = randomEngine.seedSize
        self.options = options
        self.asyncInlineLimit = options.asyncInlineLimit ?? 4 << 10
        worker = WorkerQueue(maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit) { [randomEngine] job in
            job.finish(Result { () throws(KernelCipherError) -> [UInt8] in
                try RandomTransform.generate(count: job.work, on: randomEngine)
            })
        }
    }

    deinit { release() }

    /// The engine serving this generator.
    public var engine: EngineKind { selection.engine }
    /// The implementation behind the name: the kernel driver (`drbg_nopr_hmac_sha512` for `stdrng` on Debian's
    /// kernels) or `openssl:RAND_bytes`.
    public var driver: String { randomEngine.driver }

    /// Re-seeds the generator (`crypto_rng_reset`; the kernel engine's `ALG_SET_KEY`). A kernel that refuses the
    /// length (`ansi_cprng` below its `seedSize`) gives `.keyRejected`; the software engine mixes the bytes in.
    public func seed(_ seed: some ContiguousBytes) throws(KernelCipherError) {
        try checkLive()
        try seed.withUnsafeBytes { bytes in Result { () throws(KernelCipherError) in try randomEngine.seed(bytes) } }.get()
    }

    /// Sets test entropy for the next `seed(_:)` (`ALG_SET_DRBG_ENTROPY`, `crypto_rng_set_entropy`): only kernels
    /// with `CONFIG_CRYPTO_USER_API_RNG_CAVP` offer it (elsewhere `.kernel(…, ENOPROTOOPT)`), and only to
    /// `CAP_SYS_ADMIN`; the software engine refuses it.
    public func setEntropy(_ entropy: some ContiguousBytes) throws(KernelCipherError) {
        try checkLive()
        try entropy.withUnsafeBytes { bytes in
            Result { () throws(KernelCipherError) in try randomEngine.setEntropy(bytes) }
        }.get()
    }

    /// `count` random bytes (`crypto_rng_get_bytes`). A negative count is `.inputTooShort`, one above
    /// `maximumCount` `.inputTooLarge`.
    public func generate(count: Int) throws(KernelCipherError) -> [UInt8] {
        try checkLive()
        return try Self.generate(count: count, on: randomEngine)
    }

    /// Fills `buffer` with random bytes (`crypto_rng_get_bytes`), any length, in constant memory.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        try checkLive()
        try randomEngine.fill(buffer)
    }

    /// `count` random bytes; counts up to 4 KiB run inline, larger ones on the generator's worker thread.
    /// Cancelling the task before the request starts throws `.cancelled`.
    public func generate(count: Int) async throws(KernelCipherError) -> [UInt8] {
        if Task.isCancelled { throw .cancelled }
        try checkLive()
        if count <= asyncInlineLimit { return try Self.generate(count: count, on: randomEngine) }
        try Self.validate(count)
        let job = Job<Int, [UInt8]>(count, completion: nil)
        return try await job.result { (job) throws(KernelCipherError) in _ = try worker.submit(job, mayBacklog: true) }
    }

    /// Releases the generator (`crypto_free_rng`): queued requests fail with `.transformReleased`, as do later
    /// calls. Idempotent.
    public func release() {
        guard lifecycle.markReleased() else { return }
        worker.release()
        randomEngine.release()
    }

    /// Whether `release()` has run.
    public var isReleased: Bool { lifecycle.isReleased }

    /// Whether `engine` offers `algorithm` here (kernel: the rng name binds through AF_ALG; software: `stdrng`).
    public static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .kernel: return KernelEngineSocket.isAvailable(algorithm, type: .rng)
        case .software: return SoftwareRandomEngine.isAvailable(algorithm)
        }
    }

    private func checkLive() throws(KernelCipherError) { try lifecycle.check() }

    private static func validate(_ count: Int) throws(KernelCipherError) {
        if count < 0 { throw .inputTooShort(length: count, minimum: 0) }
        if count > maximumCount {
            throw .inputTooLarge(length: count, limit: maximumCount,
                                 reason: "one generate call returns at most 4 GiB; fill a buffer in parts instead")
        }
    }

    /// `count` bytes from `engine`, the array's storage filled in place (no copy).
    private static func generate(count: Int, on engine: any RandomEngine) throws(KernelCipherError) -> [UInt8] {
        try validate(count)
        return try makeBytes(count: count) { (buffer) throws(KernelCipherError) in try engine.fill(buffer) }
    }
}

/// The random generator's former name.
@available(*, deprecated, renamed: "RandomTransform")
public typealias RandomGenerator = RandomTransform
