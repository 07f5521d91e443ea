#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#endif

/// A file descriptor, owned: closed (`close(2)`) exactly once, in `deinit` (swift-system's `IORing` style
/// `~Copyable` owner; swift-system's `FileDescriptor` itself does not own). Typed sockets (`AFALGSocket`), files read
/// here and (as `@_spi(Platform)`) the `kcrypto` tool's files hold one.
@_spi(Platform)
public struct OwnedDescriptor: ~Copyable, Sendable {
    /// The C descriptor, for calls and C structures; it stays owned by this value.
    public let rawValue: CInt

    /// Takes ownership of `rawValue` (from `accept4`, `eventfd`, `fcntl(F_DUPFD_CLOEXEC)`, …).
    public init(adopting rawValue: CInt) { self.rawValue = rawValue }

    /// `socket(domain, type, protocol)`.
    init(socketDomain domain: CInt, type: CInt, protocol: CInt) throws(Errno) {
        rawValue = try valueOrErrno(retryOnInterrupt: false) { socket(domain, type, `protocol`) }.get()
    }

    /// `open(path, flags)` for a fixed path the program names (`/proc/…`, `/dev/null`), EINTR retried.
    public init(opening path: String, flags: CInt) throws(Errno) {
        rawValue = try valueOrErrno(retryOnInterrupt: true) { open(path, flags) }.get()
    }

    deinit { close(rawValue) }

    /// Gives up ownership without closing: the descriptor stays open and is the caller's.
    public consuming func release() -> CInt {
        let fd = rawValue
        discard self
        return fd
    }

    /// `read(2)` until `buffer` is full or at end of input, EINTR retried; returns the bytes read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try KernelCipher.readFully(rawValue, into: buffer).get()
    }

    /// `write(2)` of all of `bytes`, continuing after partial writes, EINTR retried.
    public func writeFully(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
        try KernelCipher.writeFully(rawValue, bytes).get()
    }

    /// `fstat(2)`.
    public func status() throws(Errno) -> stat { try fileStatus(rawValue).get() }
}

/// `read(2)` on `fd` (owned or not, e.g. stdin) into `buffer` until it is full or at end of input, EINTR retried;
/// returns the bytes read.
@_spi(Platform)
public func readFully(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    var used = 0
    while used < buffer.count {
        switch valueOrErrno(retryOnInterrupt: true, { read(fd, buffer.baseAddress! + used, buffer.count - used) }) {
        case .success(0): return .success(used)
        case .success(let n): used += n
        case .failure(let errno): return .failure(errno)
        }
    }
    return .success(used)
}

/// `write(2)` of all of `bytes` to `fd`, continuing after partial writes, EINTR retried.
@_spi(Platform)
public func writeFully(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) -> Result<Void, Errno> {
    var done = 0
    while done < bytes.count {
        switch valueOrErrno(retryOnInterrupt: true, { write(fd, bytes.baseAddress! + done, bytes.count - done) }) {
        case .success(let n): done += n
        case .failure(let errno): return .failure(errno)
        }
    }
    return .success(())
}

/// `fstat(2)` of `fd`.
@_spi(Platform)
public func fileStatus(_ fd: CInt) -> Result<stat, Errno> {
    var st = stat()
    return nothingOrErrno(retryOnInterrupt: false) { fstat(fd, &st) }.map { st }
}
