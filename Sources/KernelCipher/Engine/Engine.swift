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
