extension AEADTransform {
    /// Keys the transform from a kernel keyring key (`setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`, Linux 6.2+), as
    /// `CipherTransform.setKey(_:)` with a `KernelKey` does: the key never enters this process, only the kernel engine
    /// can use it (a software-engine transform throws `.kernelKey(.requiresKernelEngine)` and never falls back), and
    /// the re-keying rules are those of `setKey` with bytes.
    public func setKey(_ key: KernelKey) throws(KernelCipherError) { try core.setKey(key) }

    /// Allocates `algorithm` on the kernel engine (`crypto_alloc_aead`) and keys it from `key`: a keyring key pins
    /// the kernel engine. Throws the allocation error (e.g. `.refusedByPolicy`) or `setKey(_:)`'s.
    public convenience init(
        _ algorithm: String, tagSize: Int? = nil, kernelKey key: KernelKey, options: Options = Options()
    ) throws(KernelCipherError) {
        try self.init(algorithm, tagSize: tagSize, engine: .kernel, options: options)
        try core.adopt(key)
    }
}
