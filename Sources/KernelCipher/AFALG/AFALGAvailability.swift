/// Whether this process can use AF_ALG sockets, and if not, why.
public enum AFALGAvailability: Sendable, Hashable, CustomStringConvertible {
    /// `socket(AF_ALG, SOCK_SEQPACKET, 0)` succeeded.
    case available
    /// `socket(AF_ALG, …)` failed with this errno (EAFNOSUPPORT: AF_ALG not built, not loaded, disabled by
    /// `af_alg_restrict=2`, or blocked by a seccomp/container policy).
    case unavailable(Errno)

    /// Probes AF_ALG once with `socket(2)`; the answer is cached for the life of the process.
    public static var current: AFALGAvailability { cached }

    private static let cached: AFALGAvailability = probe()

    /// Probes AF_ALG now with `socket(AF_ALG, SOCK_SEQPACKET, 0)` (not cached).
    public static func probe() -> AFALGAvailability {
        do throws(Errno) {
            _ = try AFALGSocket()
            return .available
        } catch {
            return .unavailable(error)
        }
    }

    /// True when AF_ALG sockets can be created.
    public var isAvailable: Bool { self == .available }

    /// A one-line explanation suitable for logs and test-skip messages.
    public var description: String {
        switch self {
        case .available:
            return "AF_ALG available"
        case .unavailable(let errno) where errno == .addressFamilyNotSupported:
            return "AF_ALG unavailable: socket(AF_ALG) failed with \(errno.name) "
                + "(kernel built without CONFIG_CRYPTO_USER_API, af_alg not loaded, disabled, or blocked by seccomp)"
        case .unavailable(let errno):
            return "AF_ALG unavailable: socket(AF_ALG) failed with \(errno)"
        }
    }
}
