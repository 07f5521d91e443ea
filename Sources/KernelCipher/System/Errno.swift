#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error number reported by a system call (`errno`), modelled on swift-system's `Errno`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The raw C error number.
    public let rawValue: CInt

    /// Wraps a raw C error number.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `EAFNOSUPPORT`: the address family (AF_ALG) is not supported by this kernel.
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    /// `ENOENT`: no such algorithm (or, under `af_alg_restrict`, not allowed).
    public static let noSuchEntry = Errno(rawValue: ENOENT)
    /// `EINVAL`: invalid argument.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `EBUSY`: resource busy.
    public static let busy = Errno(rawValue: EBUSY)
    /// `EINTR`: interrupted system call.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EAGAIN`: try again.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `ENOKEY`: the transform has no key.
    public static let noKey = Errno(rawValue: ENOKEY)
    /// `EPROTONOSUPPORT`: protocol not supported (e.g. no crypto_user netlink).
    public static let protocolNotSupported = Errno(rawValue: EPROTONOSUPPORT)
    /// `EPERM`: operation not permitted.
    public static let notPermitted = Errno(rawValue: EPERM)
    /// `EACCES`: permission denied.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// `EOPNOTSUPP`: operation not supported.
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    /// `EINPROGRESS`: the operation was queued and completes later.
    public static let inProgress = Errno(rawValue: EINPROGRESS)

    /// The symbolic name (e.g. `EAFNOSUPPORT`) when known, followed by the C library's message.
    public var description: String {
        let message = String(cString: strerror(rawValue))
        if let name = Errno.names[rawValue] { return "\(name) (\(message))" }
        return "errno \(rawValue) (\(message))"
    }

    /// Just the symbolic name, e.g. `EAFNOSUPPORT`, or `errno N`.
    public var name: String { Errno.names[rawValue] ?? "errno \(rawValue)" }

    private static let names: [CInt: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF", EAGAIN: "EAGAIN",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EINVAL: "EINVAL",
        EMFILE: "EMFILE", ENFILE: "ENFILE", ENOSYS: "ENOSYS", ENOKEY: "ENOKEY", EBADMSG: "EBADMSG",
        EMSGSIZE: "EMSGSIZE", ENOPROTOOPT: "ENOPROTOOPT", EPROTONOSUPPORT: "EPROTONOSUPPORT",
        EOPNOTSUPP: "EOPNOTSUPP", EAFNOSUPPORT: "EAFNOSUPPORT", EINPROGRESS: "EINPROGRESS",
        EKEYREJECTED: "EKEYREJECTED", ENOBUFS: "ENOBUFS", ECANCELED: "ECANCELED",
        ESRCH: "ESRCH", EEXIST: "EEXIST", ENOTSOCK: "ENOTSOCK", EIOCBQUEUED_: "EIOCBQUEUED",
        EISDIR: "EISDIR", ENOTDIR: "ENOTDIR", ENAMETOOLONG: "ENAMETOOLONG", EFBIG: "EFBIG",
    ]
    private static let EIOCBQUEUED_: CInt = 529
}
