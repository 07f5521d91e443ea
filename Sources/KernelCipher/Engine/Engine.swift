/// Which engine serves a transform.
public enum EngineKind: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kernel crypto API through AF_ALG sockets.
    case kernel
    /// OpenSSL libcrypto's EVP interface in this process.
    case software

    /// The raw name.
    public var description: String { rawValue }
}

/// Which engine a transform should use.
public enum EnginePreference: String, Sendable, Hashable, Codable, CaseIterable {
    /// The kernel engine when the algorithm binds through AF_ALG here, otherwise the software engine.
    case automatic
    /// The kernel engine only; allocation fails with a typed error where AF_ALG is unusable.
    case kernel
    /// The software (OpenSSL) engine only.
    case software
}

/// The engine a transform got, and why.
public struct EngineSelection: Sendable, Hashable, CustomStringConvertible {
    /// The engine serving the transform.
    public let engine: EngineKind
    /// Why this engine was chosen, e.g. "AF_ALG unavailable: socket(AF_ALG) failed with EAFNOSUPPORT".
    public let reason: String

    /// "software (AF_ALG unavailable: …)".
    public var description: String { "\(engine) (\(reason))" }
}

/// What every family's engine (skcipher, AEAD, hash, RNG; kernel or software) offers the runtime besides its
/// slots: which engine it is, the implementation serving requests, keying and release. Thread-safe.
protocol Engine: AnyObject, Sendable {
    /// Which engine this is.
    var kind: EngineKind { get }
    /// The implementation serving requests now: a kernel driver (`cbc-aes-aesni`) or `openssl:<name>`.
    var driver: String { get }
    /// Sets the key from bytes (`crypto_*_setkey`); the transform validated the length where it knows the rule.
    /// The engine wipes `key` once it no longer needs it (the kernel engine: once the kernel holds the key).
    func setKey(_ key: SecureBytes) throws(KernelCipherError)
    /// Keys the engine from a kernel keyring key (`ALG_SET_KEY_BY_KEY_SERIAL`); only the kernel engine can.
    func setKey(_ key: KernelKey) throws(KernelCipherError)
    /// Releases engine resources and zeroizes key copies; slots still alive stay valid until freed.
    func release()
}

extension Engine {
    /// A keyring key stays in the kernel: OpenSSL cannot use it (`KernelKey.readPayload()` is the explicit way).
    func setKey(_ key: KernelKey) throws(KernelCipherError) {
        throw .kernelKey(.requiresKernelEngine(reason: "the software engine cannot use \(key), which stays in the kernel"))
    }
}
