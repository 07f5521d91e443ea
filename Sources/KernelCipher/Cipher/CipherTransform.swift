#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Synchronization

/// A keyed cipher instance serving many requests (the kernel's `struct crypto_skcipher`, formerly
/// `crypto_ablkcipher`). Thread-safe: any thread may submit; many requests run in parallel.
public final class CipherTransform: Sendable {
    /// How the transform handles requests (shared by every family; `completionMode` chooses AIO or threads here).
    public typealias Options = TransformOptions

    /// The kernel algorithm name, e.g. `cbc(aes)`.
    public var algorithm: String { core.algorithm }
    /// Which engine serves this transform and why.
    public var selection: EngineSelection { core.selection }
    /// IV size, block size, key sizes and driver of the bound algorithm (`driver` as `Transform.driver` now).
    public var properties: AlgorithmProperties {
        var current = facts
        current.driver = cipherEngine.driver
        return current
    }
    /// The options the transform was allocated with.
    public let options: Options
    /// `async` inputs up to this many bytes run inline: `options.asyncInlineLimit` or the engine's default.
    public var asyncInlineLimit: Int { core.asyncInlineLimit }

    /// The engine serving this transform.
    let cipherEngine: any CipherEngine
    /// The engine's `properties`, read once: `validate` checks requests against them.
    private let facts: AlgorithmProperties
    /// `cipherEngine.maximumInput`'s limit (Int.max when none), read once so `validate` makes no existential call.
    private let inputLimit: Int
    /// Engine, lifecycle, slots and request queue: the runtime every family shares.
    let core: TransformCore<any CipherSlot, CipherWork, [UInt8]>
    /// `blockSize - 1` when inputs must be whole blocks of a power-of-two size (a mask instead of a division).
    private let blockMask: Int

    /// Allocates a transform for a kernel algorithm name (`crypto_alloc_skcipher`, formerly
    /// `crypto_alloc_ablkcipher`), on the preferred engine.
    public init(
        _ algorithm: String, engine: EnginePreference = .automatic, options: Options = Options()
    ) throws(KernelCipherError) {
        let options = try options.validated()
        let (cipherEngine, selection) = try EngineSelector.choose(
            algorithm, preference: engine,
            kernel: { () throws(KernelCipherError) -> any CipherEngine in
                try KernelCipherEngine(algorithm: algorithm, options: options)
            },
            software: { () throws(KernelCipherError) -> any CipherEngine in
                try SoftwareCipherEngine(algorithm: algorithm)
            })
        try options.checkCompletion(for: algorithm, on: selection, releasing: cipherEngine)
        self.cipherEngine = cipherEngine
        let facts = cipherEngine.properties
        self.facts = facts
        self.inputLimit = cipherEngine.maximumInput?.limit ?? Int.max
        let block = facts.blockSize
        self.blockMask = facts.requiresBlockMultiple && block > 1 && block & (block - 1) == 0 ? block - 1 : 0
        self.options = options
        self.core = TransformCore(
            algorithm: algorithm, selection: selection, engine: cipherEngine, needsKey: true, options: options,
            defaultAsyncInlineLimit: cipherEngine.defaultAsyncInlineLimit,
            makeSlot: { () throws(KernelCipherError) in try cipherEngine.makeSlot() },
            dispatcher: { slots in cipherEngine.makeDispatcher(slots: slots, options: options) })
    }

    deinit { release() }

    /// Whether an engine offers `algorithm` here, without allocating it for use (`crypto_has_skcipher`).
    public static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .software: return SoftwareCipherEngine.isAvailable(algorithm)
        case .kernel: return KernelEngineSocket.isAvailable(algorithm, type: .skcipher)
        }
    }

    /// How callback and large async requests complete: `.aio` or `.threads` (never `.automatic`).
    public var completionMode: CompletionMode { core.requests.mode }
    /// The engine serving this transform.
    public var engine: EngineKind { selection.engine }
    /// Bytes of IV each request needs (`crypto_skcipher_ivsize`).
    public var ivSize: Int { facts.ivSize }
    /// The algorithm's block size (`crypto_skcipher_blocksize`).
    public var blockSize: Int { facts.blockSize }
    /// Accepted key lengths in bytes (never nil here: every skcipher the engines serve has a known list; the
    /// optional is the rule every family shares, nil meaning "not restricted by this library").
    public var keySizes: [Int]? { facts.keySizes }
    /// The implementation bound: a kernel driver name (e.g. `cbc-aes-aesni`) or `openssl:<cipher>`. On the software
    /// engine the cipher depends on the key length, so this changes when `setKey` sets a key of another length
    /// (`xts(aes)`: `openssl:aes-128-xts` before any key and after a 32-byte key, `openssl:aes-256-xts` after a
    /// 64-byte one); before any key it names the cipher for the smallest accepted key length.
    public var driver: String { cipherEngine.driver }
    /// The largest input one request accepts, or nil when the engine sets no limit for this algorithm (the kernel
    /// engine: one 64 KiB AF_ALG chunk for modes whose IV the kernel does not chain across chunks, e.g. xts;
    /// the software engine: 16 MiB for xts(aes)). Larger requests fail with `.inputTooLarge`.
    public var maximumRequestSize: Int? { inputLimit == Int.max ? nil : inputLimit }

    /// Sets the key (`crypto_skcipher_setkey`). Every request runs under either the previous key or this one,
    /// never anything else; requests started after `setKey` returns use this one. The transform keeps no Swift
    /// copy longer than its engine needs (the kernel engine wipes its copy once the kernel holds the key; the
    /// software engine keys each EVP context pair when it creates it), and a replaced or released key's storage is
    /// zeroized as soon as nothing can read it any more (reference counted, as swift-crypto's `SecureBytes`).
    /// Re-keying while requests are in flight fails on the kernel engine (`.kernel(…, EBUSY)`).
    public func setKey(_ key: some ContiguousBytes) throws(KernelCipherError) {
        let secure = key.withUnsafeBytes { SecureBytes(copying: $0) }
        guard facts.keySizes.contains(secure.count) else {
            secure.wipe()
            throw .invalidKeyLength(secure.count, allowed: facts.keySizes)
        }
        try core.setKey(secure)
    }

    /// The key storage, for zeroization tests.
    var keyStorage: SecureBytes? { core.lifecycle.keyStorage }

    /// Releases the transform (`crypto_free_skcipher`): queued requests fail with `.transformReleased`, running
    /// ones finish, op sockets / EVP contexts are freed, and every key copy in this process is zeroized once the
    /// requests still running are done. Idempotent; also runs on deinit.
    public func release() { core.release() }

    /// True once `release()` ran.
    public var isReleased: Bool { core.lifecycle.isReleased }

    /// Checks a request's shape against the algorithm before it runs.
    func validate(ivCount: Int, inputCount: Int, outputCount: Int) throws(KernelCipherError) {
        try core.lifecycle.check()
        if ivCount != facts.ivSize { throw .invalidIVLength(ivCount, expected: facts.ivSize) }
        if outputCount < inputCount { throw .outputTooSmall(length: outputCount, needed: inputCount) }
        if inputCount < facts.minimumInput {
            throw .inputTooShort(length: inputCount, minimum: facts.minimumInput)
        }
        if inputCount & blockMask != 0
            || (blockMask == 0 && facts.requiresBlockMultiple && inputCount % facts.blockSize != 0)
        {
            throw .inputNotBlockMultiple(length: inputCount, blockSize: facts.blockSize)
        }
        if inputCount > inputLimit, let (limit, reason) = cipherEngine.maximumInput {
            throw .inputTooLarge(length: inputCount, limit: limit, reason: reason)
        }
    }

    /// A callback request's validated work.
    @usableFromInline
    func makeWork(_ operation: CipherOperation, iv: [UInt8], buffers: RequestBuffers) throws(KernelCipherError) -> CipherWork {
        try validate(ivCount: iv.count, inputCount: buffers.count, outputCount: buffers.outputCount)
        return CipherWork(operation: operation, iv: iv, buffers: buffers)
    }

    /// Queues a callback request's job (`TransformCore.submit`).
    @usableFromInline
    func submit(_ job: consuming CipherJob, flags: RequestFlags) throws(KernelCipherError) -> RequestStatus {
        try core.submit(job, flags: flags)
    }

    /// Runs one request synchronously on an op slot from the pool.
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        try validate(ivCount: iv.count, inputCount: input.count, outputCount: output.count)
        try core.withSlot { (pooled) throws(KernelCipherError) in
            try pooled.run(operation, iv: iv, input: input, output: output)
        }
    }
}

/// The skcipher transform's former name.
@available(*, deprecated, renamed: "CipherTransform")
public typealias Transform = CipherTransform
