#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a kernel keyring key could not key a transform or be found. `key` names the key as `KernelKey.description`.
public enum KernelKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kernel predates `ALG_SET_KEY_BY_KEY_SERIAL` (Linux 6.2): `setsockopt` failed with ENOPROTOOPT.
    case unsupportedKernel(release: String)
    /// No such key, or it was unlinked and collected (ENOKEY).
    case notFound(key: String)
    /// The key exists but this process may not search for it (EACCES): its permissions lack `search` for
    /// possessor/user/group/other as it applies to this process.
    case permissionDenied(key: String)
    /// The key was revoked or invalidated (EKEYREVOKED).
    case revoked(key: String)
    /// The key expired (EKEYEXPIRED).
    case expired(key: String)
    /// The key's type is not one AF_ALG takes (`user`, `logon`, `encrypted`, `trusted`), e.g. a keyring
    /// (ENOPROTOOPT on a kernel that has the option).
    case unsupportedKeyType(key: String)
    /// The algorithm refused the key's payload (EINVAL from its setkey): usually a length it does not take.
    case rejectedByAlgorithm(key: String, algorithm: String, allowedLengths: [Int])
    /// The key's payload cannot be read by any process (a `logon` key; EOPNOTSUPP from `KEYCTL_READ`).
    case unreadable(key: String)
    /// The transform runs on the software engine, which cannot use a key it cannot read; the reason it is not on
    /// the kernel engine follows.
    case requiresKernelEngine(reason: String)
    /// `TYPE:DESCRIPTION` was malformed.
    case invalidReference(String)
    /// Another errno from a keyring or AF_ALG call.
    case system(operation: String, key: String, errno: Errno)

    /// Maps the errno of a keyring call (`request_key`, `keyctl`, `setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`) on `key`.
    init(_ errno: Errno, key: String, operation: String) {
        switch errno.rawValue {
        case ENOKEY: self = .notFound(key: key)
        case EACCES: self = .permissionDenied(key: key)
        case EKEYREVOKED: self = .revoked(key: key)
        case EKEYEXPIRED: self = .expired(key: key)
        case EOPNOTSUPP: self = .unreadable(key: key)
        default: self = .system(operation: operation, key: key, errno: errno)
        }
    }

    /// One line naming the cause and the way out.
    public var description: String {
        switch self {
        case .unsupportedKernel(let release):
            return "keyring keys (ALG_SET_KEY_BY_KEY_SERIAL) need Linux 6.2; this kernel is \(release) (ENOPROTOOPT)"
        case .notFound(let key):
            return "\(key) not found in this process's keyrings (ENOKEY)"
        case .permissionDenied(let key):
            return "\(key): permission denied; the key must grant this process 'search' (EACCES)"
        case .revoked(let key):
            return "\(key) has been revoked or invalidated (EKEYREVOKED)"
        case .expired(let key):
            return "\(key) has expired (EKEYEXPIRED)"
        case .unsupportedKeyType(let key):
            return "\(key) is not of a type AF_ALG can use (user, logon, encrypted, trusted)"
        case .rejectedByAlgorithm(let key, let algorithm, let allowed):
            let lengths = allowed.isEmpty ? "" : " (key lengths accepted: " + allowed.map(String.init).joined(separator: ", ") + ")"
            return "\(algorithm) rejected \(key): its type or length does not fit\(lengths)"
        case .unreadable(let key):
            return "\(key) cannot be read by any process (a logon key); only the kernel engine can use it"
        case .requiresKernelEngine(let reason):
            return "a keyring key needs the kernel engine, which this transform does not use: \(reason)"
        case .invalidReference(let text):
            return "'\(KernelCipherError.displayName(text))' is not TYPE:DESCRIPTION (e.g. logon:myapp:disk)"
        case .system(let operation, let key, let errno):
            return "\(operation) on \(key) failed: \(errno)"
        }
    }
}
