#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file descriptor, owned: closed (`close(2)`) exactly once, in `deinit` (swift-system's `IORing` style
/// `~Copyable` owner; swift-system's `FileDescriptor` itself does not own). Typed sockets (`AFALGSocket`) and
/// files read here hold one.
struct OwnedDescriptor: ~Copyable, Sendable {
    /// The C descriptor, for calls and C structures; it stays owned by this value.
    let rawValue: CInt

    /// Takes ownership of `rawValue` (from `accept4`, `eventfd`, …).
    init(adopting rawValue: CInt) { self.rawValue = rawValue }

    /// `socket(domain, type, protocol)`.
    init(socketDomain domain: CInt, type: CInt, protocol: CInt) throws(Errno) {
        rawValue = try valueOrErrno(retryOnInterrupt: false) { socket(domain, type, `protocol`) }.get()
    }

    /// `open(path, flags)`, EINTR retried.
    init(opening path: String, flags: CInt) throws(Errno) {
        rawValue = try valueOrErrno(retryOnInterrupt: true) { open(path, flags) }.get()
    }

    deinit { close(rawValue) }
}
