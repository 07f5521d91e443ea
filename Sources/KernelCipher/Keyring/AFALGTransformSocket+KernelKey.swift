#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension AFALGTransformSocket {
    /// `setsockopt(tfm, SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL, &serial, 4)` (Linux 6.2+): keys the transform from a
    /// keyring key, with the errno mapped to a `KernelKeyError`. Every family's kernel engine (skcipher, AEAD, HMAC)
    /// keys through here; `algorithm` and `keySizes` only name the cause of an EINVAL (the algorithm's setkey refused
    /// the payload). Returns `.failure(.busy)` untouched, so the caller can wait for its op sockets as for `setKey`.
    func setKey(
        _ key: KernelKey, algorithm: String, keySizes: [Int]
    ) -> Result<Void, KernelCipherError> {
        var serial = key.serial
        let result = withUnsafeBytes(of: &serial) { setOption(.keyByKeySerial, value: $0) }
        switch result {
        case .success: return .success(())
        case .failure(let errno): return .failure(map(errno, key: key, algorithm: algorithm, keySizes: keySizes))
        }
    }

    /// Whether this kernel has `ALG_SET_KEY_BY_KEY_SERIAL`, without a key: an option length other than 4 is EINVAL
    /// where the option exists (6.2+) and ENOPROTOOPT where it does not.
    func supportsKeyBySerial() -> Result<Bool, Errno> {
        switch setOption(.keyByKeySerial, length: 0) {
        case .success: return .success(true)
        case .failure(let errno) where errno.rawValue == EINVAL: return .success(true)
        case .failure(let errno) where errno.rawValue == ENOPROTOOPT: return .success(false)
        case .failure(let errno): return .failure(errno)
        }
    }

    /// The errno of `ALG_SET_KEY_BY_KEY_SERIAL` as a typed error. ENOPROTOOPT means either an old kernel or a key
    /// type the option does not take: the length-0 probe tells them apart.
    private func map(_ errno: Errno, key: KernelKey, algorithm: String, keySizes: [Int]) -> KernelCipherError {
        switch errno.rawValue {
        case EBUSY: return .kernel(operation: "setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)", errno: errno)
        case ENOPROTOOPT:
            if case .success(false) = supportsKeyBySerial() {
                return .kernelKey(.unsupportedKernel(release: System.kernelRelease))
            }
            return .kernelKey(.unsupportedKeyType(key: key.description))
        case EINVAL:
            return .kernelKey(.rejectedByAlgorithm(key: key.description, algorithm: algorithm, allowedLengths: keySizes))
        default:
            return .kernelKey(KernelKeyError(errno, key: key.description, operation: "setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)"))
        }
    }
}
