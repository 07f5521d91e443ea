#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Synchronization

/// A keyed AEAD instance serving many requests (the kernel's `struct crypto_aead`): GCM, CCM, ChaCha20-Poly1305
/// and their IPsec forms. Thread-safe: any thread may submit; many requests run in parallel.
///
/// `encrypt` returns ciphertext ‖ tag; `decrypt` takes ciphertext ‖ tag and returns the plaintext only when the
/// tag verifies (`.authenticationFailed` otherwise, with no plaintext anywhere). For the ESP forms
/// (`rfc4106(gcm(aes))`, `rfc4309(ccm(aes))`, `rfc7539esp(chacha20,poly1305)`) the key ends with the salt, the IV
/// is the 8-byte per-packet IV, and `associatedData` is the ESP header without the IV (SPI ‖ sequence number):
/// the kernel wants the IV again at the end of its associated data and the transform appends it.
public final class AEADTransform: Sendable {
    /// How the transform handles requests (shared by every family; AEAD requests complete on worker threads).
    public typealias Options = TransformOptions

    /// The kernel algorithm name, e.g. `gcm(aes)`.
    public var algorithm: String { core.algorithm }
    /// Which engine serves this transform and why.
    public var selection: EngineSelection { core.selection }
    /// The options the transform was allocated with.
    public let options: Options
    /// `async` inputs up to this many bytes run inline.
    public var asyncInlineLimit: Int { core.asyncInlineLimit }

    let aeadEngine: any AEADEngine
    private let facts: AEADProperties
    private let requestLimit: Int
    /// Per-request facts of the layout, kept apart so `validate` reads two words instead of the optional layout:
    /// IV bytes the kernel takes in the associated data (ESP forms), and whether the layout restricts the
    /// associated-data length or reads lengths from the IV (ccm, ESP).
    private let ivInAssociatedDataBytes: Int
    private let layoutChecksRequests: Bool
    /// Engine, lifecycle, slots and request queue: the runtime every family shares.
    let core: TransformCore<any AEADSlot, AEADWork, [UInt8]>

    /// Allocates an AEAD transform (`crypto_alloc_aead`) and sets its tag size (`crypto_aead_setauthsize`; nil:
    /// the algorithm's largest) on the preferred engine. A tag size the algorithm refuses is `.invalidTagLength`.
    public init(
        _ algorithm: String, tagSize: Int? = nil, engine: EnginePreference = .automatic,
        options: Options = Options()
    ) throws(KernelCipherError) {
        let options = try options.validated()
        let (aeadEngine, selection) = try EngineSelector.choose(
            algorithm, preference: engine,
            kernel: { () throws(KernelCipherError) -> any AEADEngine in
                try KernelAEADEngine(algorithm: algorithm, tagSize: tagSize)
            },
            software: { () throws(KernelCipherError) -> any AEADEngine in
                try SoftwareAEADEngine(algorithm: algorithm, tagSize: tagSize)
            })
        try options.checkCompletion(for: algorithm, on: selection, releasing: aeadEngine)
        self.aeadEngine = aeadEngine
        self.facts = aeadEngine.properties
        self.ivInAssociatedDataBytes = facts.layout?.ivInAssociatedData == true ? facts.ivSize : 0
        self.layoutChecksRequests = facts.layout.map { $0.associatedDataSizes != nil || $0.ivCarriesLength } ?? false
        self.requestLimit = aeadEngine.maximumRequest?.limit ?? Int.max
        self.options = options
        self.core = TransformCore(
            algorithm: algorithm, selection: selection, engine: aeadEngine, needsKey: true, options: options,
            defaultAsyncInlineLimit: aeadEngine.defaultAsyncInlineLimit,
            makeSlot: { () throws(KernelCipherError) in try aeadEngine.makeSlot() },
            dispatcher: { slots in aeadEngine.makeDispatcher(slots: slots, options: options) })
    }

    deinit { release() }

    /// Whether an engine offers `algorithm` here (`crypto_has_aead`).
    public static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .software: return (try? SoftwareAEADEngine(algorithm: algorithm, tagSize: nil)) != nil
        case .kernel: return KernelEngineSocket.isAvailable(algorithm, type: .aead)
        }
    }

    /// The AEAD names both engines serve with the kernel's layouts (the kernel engine binds any other aead name too).
    public static var knownAlgorithms: [String] { AEADAlgorithm.known.keys.sorted() }

    /// The engine serving this transform.
    public var engine: EngineKind { selection.engine }
    /// How callback and large async requests complete: `.aio` (kernel engine, where the kernel has socket AIO, or
    /// when asked for) or `.threads`.
    public var completionMode: CompletionMode { core.requests.mode }
    /// Bytes of IV per request (`crypto_aead_ivsize`).
    public var ivSize: Int { facts.ivSize }
    /// Bytes of tag each encryption appends (`crypto_aead_authsize`).
    public var tagSize: Int { facts.tagSize }
    /// The largest tag the algorithm can produce (`maxauthsize`).
    public var maximumTagSize: Int { facts.maximumTagSize }
    /// Accepted key lengths in bytes, salt included for the ESP forms; nil when only the kernel knows them.
    public var keySizes: [Int]? { facts.keySizes }
    /// Every tag size the algorithm accepts (`AEADTransform(_:tagSize:)`), ascending.
    public var tagSizes: [Int] { facts.tagSizes }
    /// IV, tag and key sizes and driver of the bound algorithm (`driver` as `AEADTransform.driver` now).
    public var properties: AEADProperties {
        var current = facts
        current.driver = aeadEngine.driver
        return current
    }
    /// The implementation bound: a kernel driver (e.g. `generic-gcm-aesni`) or `openssl:<cipher>`.
    public var driver: String { aeadEngine.driver }
    /// The largest associated data + ciphertext ‖ tag one request accepts (the ESP forms count the IV they add to
    /// the associated data), or nil when the engine sets no limit. Larger requests fail with `.inputTooLarge`.
    public var maximumRequestSize: Int? { requestLimit == Int.max ? nil : requestLimit }

    /// Sets the key (`crypto_aead_setkey`), salt included for the ESP forms. Handled as `Transform.setKey`:
    /// copies are zeroized once nothing can read them; requests started after it returns use this key.
    public func setKey(_ key: some ContiguousBytes) throws(KernelCipherError) {
        let secure = key.withUnsafeBytes { SecureBytes(copying: $0) }
        if let sizes = facts.keySizes, !sizes.contains(secure.count) {
            secure.wipe()
            throw .invalidKeyLength(secure.count, allowed: sizes)
        }
        try core.setKey(secure)
    }

    /// The key storage, for zeroization tests.
    var keyStorage: SecureBytes? { core.lifecycle.keyStorage }

    /// Releases the transform (`crypto_free_aead`): queued requests fail with `.transformReleased`, running ones
    /// finish, slots are freed and key copies zeroized. Idempotent; also runs on deinit.
    public func release() { core.release() }

    /// True once `release()` ran.
    public var isReleased: Bool { core.lifecycle.isReleased }

    /// Checks a request against the transform and returns its output length.
    func validate(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedDataCount: Int, inputCount: Int
    ) throws(KernelCipherError) -> Int {
        try core.lifecycle.check()
        if iv.count != facts.ivSize { throw .invalidIVLength(iv.count, expected: facts.ivSize) }
        if operation == .decrypt && inputCount < facts.tagSize {
            throw .inputTooShort(length: inputCount, minimum: facts.tagSize)
        }
        if layoutChecksRequests, let layout = facts.layout {
            if let allowed = layout.associatedDataSizes, !allowed.contains(associatedDataCount) {
                throw .invalidAssociatedDataLength(associatedDataCount, allowed: allowed)
            }
            if layout.ivCarriesLength {  // an enum and an Int compared, not the name: this runs per request
                guard let l = AEADAlgorithm.ccmLengthFieldSize(iv) else {
                    throw .invalidIV(reason: "the first byte of a ccm IV (L - 1) must be 1...7")
                }
                let payload = operation == .encrypt ? inputCount : inputCount - facts.tagSize
                if l < 8 && payload >> (8 * l) != 0 {
                    throw .inputTooLarge(length: payload, limit: (1 << (8 * l)) - 1,
                                         reason: "a ccm IV with L = \(l) encodes lengths below 2^\(8 * l)")
                }
            }
        }
        // What one request moves each way: the kernel's associated data (ESP: with the IV) and the longer of input
        // and output (plaintext + tag).
        let request = associatedDataCount + ivInAssociatedDataBytes
            + (operation == .encrypt ? inputCount + facts.tagSize : inputCount)
        if request > requestLimit, let (limit, reason) = aeadEngine.maximumRequest {
            throw .inputTooLarge(length: request, limit: limit, reason: reason)
        }
        return operation == .encrypt ? inputCount + facts.tagSize : inputCount - facts.tagSize
    }

    /// Runs one request over memory synchronously on the calling thread: a new array for the output.
    @usableFromInline
    func cryptBytes(
        _ operation: CipherOperation, _ input: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer
    ) throws(KernelCipherError) -> [UInt8] {
        let count = try validate(operation, iv: iv, associatedDataCount: associatedData.count, inputCount: input.count)
        return try core.withSlot { (pooled) throws(KernelCipherError) in
            try pooled.run(operation, iv: iv, associatedData: associatedData, input: input, outputCount: count)
        }
    }
}
