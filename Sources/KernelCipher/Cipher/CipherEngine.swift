/// Static facts about an algorithm as one engine provides it.
public struct AlgorithmProperties: Sendable, Hashable {
    /// The algorithm name the engine resolved: the kernel's `/proc/crypto` name (`cbc(aes)` for a transform
    /// allocated by driver name, e.g. `cbc-aes-aesni`), or the requested name on the software engine.
    public let name: String
    /// Bytes of IV per request (`crypto_skcipher_ivsize`); 0 for algorithms without an IV.
    public let ivSize: Int
    /// The algorithm's block size (`crypto_skcipher_blocksize`); 1 for stream modes such as ctr.
    public let blockSize: Int
    /// Every key length the algorithm accepts, ascending.
    public let keySizes: [Int]
    /// Inputs must be a whole number of blocks (ecb, cbc); stream-like modes accept any length.
    public let requiresBlockMultiple: Bool
    /// Smallest accepted input in bytes (xts and cts need one block; others 0).
    public let minimumInput: Int
    /// The implementation behind the name: a kernel driver (`cbc-aes-aesni`) or an OpenSSL cipher. For the software
    /// engine it names the cipher for the key length set last (`openssl:aes-256-xts` after a 64-byte `xts(aes)`
    /// key), and before any key the one for the smallest key length; `Transform.properties` reads it afresh.
    public internal(set) var driver: String
    /// The driver's priority in /proc/crypto (kernel engine), nil for the software engine.
    public let priority: Int?
}

/// The engine side of a transform: one keyed algorithm instance that hands out op slots and chooses how its
/// requests complete. Implementations must be thread-safe.
protocol CipherEngine: Engine {
    /// The algorithm's facts.
    var properties: AlgorithmProperties { get }
    /// Creates a new slot that can run one request at a time.
    func makeSlot() throws(KernelCipherError) -> any CipherSlot
    /// The dispatcher for callback and large async requests: the engine picks the completion mode and supplies
    /// the queue (worker threads running jobs on `slots`, unless the engine has its own, e.g. AIO).
    func makeDispatcher(slots: CipherSlotPool, options: TransformOptions) -> CipherDispatcher
    /// Largest `async` input that runs inline on the calling task unless `Options.asyncInlineLimit` says otherwise.
    var defaultAsyncInlineLimit: Int { get }
    /// Largest input one request accepts, if the engine has a limit for this algorithm.
    var maximumInput: (limit: Int, reason: String)? { get }
}

extension CipherEngine {
    /// The fixed driver from `properties`.
    var driver: String { properties.driver }

    /// Worker threads (`CompletionMode.threads`), each running jobs on a slot from `slots`.
    func makeDispatcher(slots: CipherSlotPool, options: TransformOptions) -> CipherDispatcher {
        .workers(slots: slots, options: options)
    }
}

/// One unit of crypto capacity, a "slot" (an AF_ALG op socket, an EVP context pair). Used by one thread at a time.
protocol CipherSlot: AnyObject {
    /// Runs one whole request synchronously; `output.count >= input.count`, lengths already validated.
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError)
}
