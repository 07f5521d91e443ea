extension HashTransform {
    /// Keys a MAC (`hmac(…)`, `cmac(…)`) from a kernel keyring key (`setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`, Linux
    /// 6.2+), as `CipherTransform.setKey(_:)` with a `KernelKey` does: the key never enters this process and only the
    /// kernel engine can use it (a software-engine transform throws `.kernelKey(.requiresKernelEngine)`). An
    /// unkeyed hash refuses any key (`.invalidKeyLength`, no lengths allowed).
    public func setKey(_ key: KernelKey) throws(KernelCipherError) {
        guard isKeyed else { throw .invalidKeyLength(0, allowed: []) }
        try core.setKey(key)
    }

    /// Allocates a MAC on the kernel engine (`crypto_alloc_ahash`) and keys it from `key`: a keyring key pins the
    /// kernel engine. Throws the allocation error (e.g. `.refusedByPolicy`) or `setKey(_:)`'s.
    public convenience init(
        _ algorithm: String, kernelKey key: KernelKey, options: Options = Options()
    ) throws(KernelCipherError) {
        try self.init(algorithm, engine: .kernel, options: options)
        guard isKeyed else {
            release()
            throw .invalidKeyLength(0, allowed: [])
        }
        try core.adopt(key)
    }
}
