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
    /// How the transform handles requests (shared by every family; hash requests complete on worker threads).
    public typealias Options = TransformOptions

    /// The kernel algorithm name, e.g. `hmac(sha256)`.
    public var algorithm: String { core.algorithm }
    /// Which engine serves this transform and why.
    public var selection: EngineSelection { core.selection }
    /// The options the transform was allocated with.
    public let options: Options
    /// `async` inputs up to this many bytes run inline (default 1 MiB software, 16 KiB kernel).
    public var asyncInlineLimit: Int { core.asyncInlineLimit }

    let hashEngine: any HashEngine
    private let facts: HashProperties
    /// Engine, lifecycle, slots and request queue: the runtime every family shares.
    let core: TransformCore<any HashState, HashWork, [UInt8]>

    /// Allocates a hash transform (`crypto_alloc_ahash`) on the preferred engine. Requests complete on worker
    /// threads; `options.completionMode` `.aio` is refused (`.unsupportedOption`).
    public init(
        _ algorithm: String, engine: EnginePreference = .automatic, options: Options = Options()
    ) throws(KernelCipherError) {
        let options = try options.validated()
        _ = try options.threadsOnly("hash")
        let (hashEngine, selection) = try EngineSelector.choose(
            algorithm, preference: engine,
            kernel: { () throws(KernelCipherError) -> any HashEngine in try KernelHashEngine(algorithm: algorithm) },
            software: { () throws(KernelCipherError) -> any HashEngine in
                try SoftwareHashEngine(algorithm: algorithm)
            })
        self.options = options
        self.hashEngine = hashEngine
        let facts = hashEngine.facts
        self.facts = facts
        let digestSize = facts.digestSize
        self.core = TransformCore(
            algorithm: algorithm, selection: selection, engine: hashEngine, needsKey: facts.isKeyed, options: options,
            defaultAsyncInlineLimit: hashEngine.kind == .kernel ? 16 << 10 : 1 << 20,
            makeSlot: { () throws(KernelCipherError) in try hashEngine.makeState() },
            dispatcher: { slots in
                .workers(slots: slots, options: options) { (pooled, work) throws(KernelCipherError) in
                    try HashWork.run(on: pooled, work, digestSize: digestSize)
                }
            })
    }

    deinit { release() }

    /// Whether an engine offers `algorithm` here (`crypto_has_ahash`), binding (kernel) or fetching (software)
    /// without keeping anything.
    public static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .kernel: return KernelEngineSocket.isAvailable(algorithm, type: .hash)
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
    /// Digest, block and key sizes and driver of the bound algorithm (`driver` as `HashTransform.driver` now).
    public var properties: HashProperties {
        var current = facts
        current.driver = hashEngine.driver
        return current
    }
    /// The implementation bound: a kernel driver (`sha256-avx2`) or `openssl:<name>` (`openssl:cmac-aes-256-cbc`
    /// after a 32-byte `cmac(aes)` key).
    public var driver: String { hashEngine.driver }
    /// How requests complete: always `.threads` for hashes.
    public var completionMode: CompletionMode { core.requests.mode }

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
        try core.setKey(secure)
    }

    /// The key storage, for zeroization tests.
    var keyStorage: SecureBytes? { core.lifecycle.keyStorage }

    /// Releases the transform (`crypto_free_ahash`): queued requests fail with `.transformReleased`, running ones
    /// finish, pooled states are freed; contexts fail their next call. Idempotent; also runs on deinit.
    public func release() { core.release() }

    /// True once `release()` ran.
    public var isReleased: Bool { core.lifecycle.isReleased }

    /// Throws `.transformReleased` or `.keyNotSet` unless the transform can serve a request.
    func validate() throws(KernelCipherError) {
        try core.lifecycle.check()
    }

    /// Digests `input` on the calling thread (`crypto_ahash_digest`, waited on). `@inlinable`: specialized in the
    /// caller's module for its byte type.
    @inlinable
    public func digest(_ data: some ContiguousBytes) throws(KernelCipherError) -> [UInt8] {
        try withBytes(data) { (bytes) throws(KernelCipherError) in try digest(bufferPointer: bytes) }
    }

    /// Digests `input` into the caller's `output` (at least `digestSize` bytes; the digest goes at its start) on the
    /// calling thread and returns `digestSize`, as every family's `into:` form returns the bytes written: the
    /// allocation-free form (`crypto_ahash_digest`, waited on).
    @discardableResult
    public func digest(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) -> Int {
        try validate()
        let size = facts.digestSize
        guard output.count >= size else { throw .outputTooSmall(length: output.count, needed: size) }
        let target = UnsafeMutableRawBufferPointer(rebasing: output[..<size])
        try core.withSlot { (pooled) throws(KernelCipherError) in
            try pooled.use { (state) throws(KernelCipherError) in try state.digest(input, into: target) }
        }
        return size
    }

    /// Digests memory on the calling thread on a pooled state.
    @usableFromInline
    func digest(bufferPointer input: UnsafeRawBufferPointer) throws(KernelCipherError) -> [UInt8] {
        try validate()
        return try core.withSlot { (pooled) throws(KernelCipherError) in
            try makeBytes(count: facts.digestSize) { (output) throws(KernelCipherError) in
                try pooled.use { (state) throws(KernelCipherError) in try state.digest(input, into: output) }
            }
        }
    }

    /// Digests without blocking the task's thread for large inputs (`crypto_ahash_digest` + completion): inputs
    /// up to `options.asyncInlineLimit` (default 1 MiB software, 16 KiB kernel) run inline, larger ones on a
    /// worker thread. Cancelling the task before the request starts ends it with `.cancelled`.
    /// `@inlinable`, like the synchronous form: an inline input runs the specialized synchronous path here.
    @inlinable
    public func digest(_ data: some ContiguousBytes) async throws(KernelCipherError) -> [UInt8] {
        try await runAsync(
            inputCount: data.withUnsafeBytes { $0.count }, limit: asyncInlineLimit,
            inline: { () throws(KernelCipherError) -> [UInt8] in
                try withBytes(data) { (bytes) throws(KernelCipherError) in try digest(bufferPointer: bytes) }
            },
            onWorker: { () async throws(KernelCipherError) -> [UInt8] in try await digestOnWorker(data) })
    }

    /// The async digest of an input past `asyncInlineLimit` (`TransformCore.perform`).
    @usableFromInline
    func digestOnWorker(_ data: some ContiguousBytes) async throws(KernelCipherError) -> [UInt8] {
        try await core.perform(
            work: { () throws(KernelCipherError) -> HashWork in
                try validate()
                return HashWork(input: .owned(requestBytes(data)))
            })
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

    /// The shortest truncated MAC `isValidTruncatedAuthenticationCode` accepts: 4 bytes (32 bits, the least
    /// NIST SP 800-107 permits).
    public static let minimumTruncatedMACSize = 4

    /// Whether `mac` is the leftmost `mac.count` bytes of this algorithm's MAC of `data` (a truncated tag such as
    /// HMAC-SHA-256-128), compared in constant time; a tag shorter than 4 bytes or longer than `digestSize` is
    /// `.invalidTagLength` naming the lengths allowed.
    public func isValidTruncatedAuthenticationCode(
        _ mac: some ContiguousBytes, for data: some ContiguousBytes
    ) throws(KernelCipherError) -> Bool {
        let count = mac.withUnsafeBytes { $0.count }
        let allowed = Self.minimumTruncatedMACSize...max(Self.minimumTruncatedMACSize, facts.digestSize)
        guard count <= facts.digestSize, allowed.contains(count) else {
            throw .invalidTagLength(count, allowed: Array(allowed))
        }
        let computed = try digest(data)
        return computed.withUnsafeBytes { full in
            ConstantTime.equals(UnsafeRawBufferPointer(rebasing: full[..<count]), mac)
        }
    }
}
