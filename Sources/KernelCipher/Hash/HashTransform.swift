#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Synchronization

/// A hash or MAC algorithm instance serving many requests (the kernel's `struct crypto_ahash`): `sha256`,
/// `sha3-512`, `hmac(sha256)`, `cmac(aes)`, … Thread-safe: any thread may digest; many digests run in parallel,
/// each on its own op socket (kernel) or EVP context (software) from a pool.
public final class HashTransform: Sendable {
    /// The kernel algorithm name, e.g. `hmac(sha256)`.
    public let algorithm: String
    /// Which engine serves this transform and why.
    public let selection: EngineSelection
    /// The options the transform was allocated with (`maxInFlight`, `backlogLimit`, `asyncInlineLimit`).
    public let options: Transform.Options

    let hashEngine: any HashEngine
    let slots: HashSlotPool
    let requests: HashDispatcher
    /// `async` inputs up to this many bytes run inline (default 1 MiB software, 16 KiB kernel).
    let asyncInlineLimit: Int
    private let facts: HashFacts
    /// Key, release and the per-request gate (one atomic load per request).
    let lifecycle: TransformLifecycle

    /// Allocates a hash transform (`crypto_alloc_ahash`) on the preferred engine. Completion is always by worker
    /// threads (`.threads`); `options.completionMode` is ignored.
    public init(
        _ algorithm: String, engine: EnginePreference = .automatic,
        options: Transform.Options = Transform.Options()
    ) throws(KernelCipherError) {
        let (hashEngine, selection) = try HashEngineSelector.select(algorithm, preference: engine)
        self.algorithm = algorithm
        self.selection = selection
        self.options = options
        self.hashEngine = hashEngine
        let facts = hashEngine.facts
        self.facts = facts
        self.lifecycle = TransformLifecycle(needsKey: facts.isKeyed)
        self.asyncInlineLimit = options.asyncInlineLimit ?? (hashEngine.kind == .kernel ? 16 << 10 : 1 << 20)
        let slots = HashSlotPool(keepIdle: options.maxInFlight) { () throws(KernelCipherError) in
            try hashEngine.makeState()
        }
        self.slots = slots
        let digestSize = facts.digestSize
        self.requests = HashDispatcher(mode: .threads) {
            WorkerQueue<HashWork, [UInt8]>(maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit) {
                slots.execute($0, digestSize: digestSize)
            }
        }
    }

    deinit { release() }

    /// Whether an engine offers `algorithm` here (`crypto_has_ahash`), binding (kernel) or fetching (software)
    /// without keeping anything.
    public static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .kernel: return KernelHashEngine.isAvailable(algorithm)
        case .software: return SoftwareHashEngine.isAvailable(algorithm)
        }
    }

    /// The engine serving this transform.
    public var engine: EngineKind { selection.engine }
    /// Digest (MAC) length in bytes (`crypto_ahash_digestsize`).
    public var digestSize: Int { facts.digestSize }
    /// The algorithm's block size (`crypto_ahash_blocksize`).
    public var blockSize: Int { facts.blockSize }
    /// Whether the algorithm needs a key (`hmac(…)`, `cmac(…)`); digests fail with `.keyNotSet` until `setKey`.
    public var isKeyed: Bool { facts.isKeyed }
    /// Accepted key lengths, or nil when any length is accepted (hmac); `cmac(aes)`: 16, 24, 32.
    public var keySizes: [Int]? { facts.keySizes }
    /// The implementation bound: a kernel driver (`sha256-avx2`) or `openssl:<name>` (`openssl:cmac-aes-256-cbc`
    /// after a 32-byte `cmac(aes)` key).
    public var driver: String { hashEngine.facts.driver }
    /// How requests complete: always `.threads` for hashes.
    public var completionMode: CompletionMode { requests.mode }

    /// Sets the key (`crypto_ahash_setkey`). Digests started after this returns use it; contexts made before keep
    /// the key they were made with. The Swift copy is zeroized once the engine holds the key (kernel) or has keyed
    /// its EVP_MAC template (software). Unkeyed algorithms refuse a key with `.invalidKeyLength(_, allowed: [])`.
    /// On the kernel engine re-keying fails with `.kernel(…, EBUSY)` while a `HashContext` or a running request of
    /// this transform holds an op socket (the kernel's rule for ALG_SET_KEY); idle pooled ones are closed first.
    public func setKey(_ key: some ContiguousBytes) throws(KernelCipherError) {
        let secure = key.withUnsafeBytes { SecureBytes(copying: $0) }
        guard facts.isKeyed else { secure.wipe(); throw .invalidKeyLength(secure.count, allowed: []) }
        if let sizes = facts.keySizes, !sizes.contains(secure.count) {
            secure.wipe()
            throw .invalidKeyLength(secure.count, allowed: sizes)
        }
        try rekey(storing: secure) { () throws(KernelCipherError) in try hashEngine.setKey(secure) }
    }

    /// The re-keying protocol (`TransformLifecycle.rekey`) over this transform's pooled states and engine: idle
    /// pooled op sockets are closed first (the kernel refuses ALG_SET_KEY with EBUSY while keyed op sockets are open).
    func rekey(
        storing secure: SecureBytes?, _ apply: () throws(KernelCipherError) -> Void
    ) throws(KernelCipherError) {
        try lifecycle.rekey(
            storing: secure, flush: { _ = slots.flush() }, apply: apply, releaseEngine: { hashEngine.release() })
    }

    /// The key storage, for zeroization tests.
    var keyStorage: SecureBytes? { lifecycle.keyStorage }

    /// Releases the transform (`crypto_free_ahash`): queued requests fail with `.transformReleased`, running ones
    /// finish, pooled states are freed; contexts fail their next call. Idempotent; also runs on deinit.
    public func release() {
        guard lifecycle.markReleased() else { return }
        requests.release()
        slots.flush(releasing: true)
        hashEngine.release()
    }

    /// True once `release()` ran.
    public var isReleased: Bool { lifecycle.isReleased }

    /// Throws `.transformReleased` or `.keyNotSet` unless the transform can serve a request.
    func validate() throws(KernelCipherError) {
        try lifecycle.check()
    }

    /// Digests `input` on the calling thread (`crypto_ahash_digest`, waited on).
    public func digest(_ data: some ContiguousBytes) throws(KernelCipherError) -> [UInt8] {
        try data.withUnsafeBytes { bytes in
            Result { () throws(KernelCipherError) -> [UInt8] in try digest(bufferPointer: bytes) }
        }.get()
    }

    /// Digests `input` into the caller's `output` (exactly `digestSize` bytes) on the calling thread: the
    /// allocation-free form (`crypto_ahash_digest`, waited on).
    public func digest(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        try validate()
        guard output.count == facts.digestSize else {
            throw .outputTooSmall(length: output.count, needed: facts.digestSize)
        }
        let pooled = try slots.checkout()
        defer { slots.checkin(pooled) }
        try pooled.use { (state) throws(KernelCipherError) in try state.digest(input, into: output) }
    }

    /// Digests memory on the calling thread on a pooled state.
    func digest(bufferPointer input: UnsafeRawBufferPointer) throws(KernelCipherError) -> [UInt8] {
        try validate()
        let pooled = try slots.checkout()
        defer { slots.checkin(pooled) }
        return try makeBytes(count: facts.digestSize) { (output) throws(KernelCipherError) in
            try pooled.use { (state) throws(KernelCipherError) in try state.digest(input, into: output) }
        }
    }

    /// Digests without blocking the task's thread for large inputs (`crypto_ahash_digest` + completion): inputs
    /// up to `options.asyncInlineLimit` (default 1 MiB software, 16 KiB kernel) run inline, larger ones on a
    /// worker thread. Cancelling the task before the request starts ends it with `.cancelled`.
    public func digest(_ data: some ContiguousBytes) async throws(KernelCipherError) -> [UInt8] {
        if Task.isCancelled { throw .cancelled }
        let count = data.withUnsafeBytes { $0.count }
        if count <= asyncInlineLimit {
            return try data.withUnsafeBytes { bytes in
                Result { () throws(KernelCipherError) -> [UInt8] in try digest(bufferPointer: bytes) }
            }.get()
        }
        try validate()
        let bytes = data.withUnsafeBytes { [UInt8]($0) }
        let job = HashJob(HashWork(input: .bytes(bytes)), completion: nil)
        return try await job.result { (job) throws(KernelCipherError) in _ = try requests.submit(job, mayBacklog: true) }
    }

    /// A streaming context (`crypto_ahash_init`) under the current key.
    public func makeContext() throws(KernelCipherError) -> HashContext {
        try validate()
        return HashContext(transform: self, state: try hashEngine.makeState())
    }

    /// Whether `mac` is this keyed algorithm's MAC of `data`, compared in constant time (`CRYPTO_memcmp`).
    public func isValidAuthenticationCode(
        _ mac: some ContiguousBytes, for data: some ContiguousBytes
    ) throws(KernelCipherError) -> Bool {
        let computed = try digest(data)
        return ConstantTime.equals(computed, mac)
    }
}
