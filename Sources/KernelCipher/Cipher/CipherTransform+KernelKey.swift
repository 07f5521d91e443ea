extension CipherTransform {
    /// Keys the transform from a kernel keyring key (`setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`, Linux 6.2+): the key
    /// bytes never enter this process. Same re-keying rules as `setKey(_:)` with bytes. Only the kernel engine can do
    /// this: on a software-engine transform (`.software`, or `.automatic` that fell back) it throws
    /// `.kernelKey(.requiresKernelEngine)` and never falls back by itself; allocate with
    /// `CipherTransform(_:kernelKey:options:)` to pin the kernel engine, or, for a `user` key the process may read,
    /// opt in to software explicitly with `setKey(key.readPayload())`. Errors: `.kernelKey(.unsupportedKernel)`
    /// before 6.2, `.notFound`, `.permissionDenied`, `.revoked`, `.expired`, `.unsupportedKeyType`,
    /// `.rejectedByAlgorithm` (e.g. a wrong length).
    public func setKey(_ key: KernelKey) throws(KernelCipherError) { try core.setKey(key) }

    /// Allocates `algorithm` on the kernel engine and keys it from `key` (a keyring key pins the kernel engine:
    /// there is no software fallback, as OpenSSL cannot use a key it cannot read). Throws the kernel engine's
    /// allocation error (e.g. `.afAlgUnavailable`, `.refusedByPolicy`) or `setKey(_:)`'s.
    public convenience init(_ algorithm: String, kernelKey key: KernelKey, options: Options = Options()) throws(KernelCipherError) {
        try self.init(algorithm, engine: .kernel, options: options)
        try core.adopt(key)
    }
}
