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

    /// The symbolic name (e.g. `EAFNOSUPPORT`) when known, followed by the C library's message (`strerror`).
    public var description: String {
        let message = String(cString: strerror(rawValue))
        return "\(name) (\(message))"
    }

    /// Just the symbolic name from the C library (`strerrorname_np`, glibc 2.32+), e.g. `EAFNOSUPPORT`, the
    /// kernel-internal `EIOCBQUEUED`, or `errno N` when the C library has no name for it.
    public var name: String {
        if rawValue == 529 { return "EIOCBQUEUED" }
        if let lookup = Errno.strerrorname, let name = lookup(rawValue) { return String(cString: name) }
        return "errno \(rawValue)"
    }

    /// `strerrorname_np`, looked up with `dlsym` (Swift's Glibc module does not export GNU extensions; musl
    /// has none).
    private static let strerrorname: (@convention(c) (CInt) -> UnsafePointer<CChar>?)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "strerrorname_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (CInt) -> UnsafePointer<CChar>?).self)
        #else
        return nil
        #endif
    }()
}
