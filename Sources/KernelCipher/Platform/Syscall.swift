/// The one place a C call's `-1` becomes an `Errno` and `EINTR` is retried (swift-system's internal
/// `valueOrErrno(retryOnInterrupt:_:)` / `nothingOrErrno`, `Sources/System/Util.swift` at 1.8.1).
///
/// Every system call in this package goes through these: the library's AF_ALG socket, `/proc/crypto` reading and
/// the AIO completion thread, and (as `@_spi(Platform)`) the `kcrypto` tool's file I/O. `call` must be the C call
/// alone, so `errno` is read right after it returns.

/// Runs `call`; `-1` becomes `.failure(Errno.current)`, and with `retryOnInterrupt` an `EINTR` runs it again.
@_spi(Platform)
@inlinable @inline(__always)
public func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool, _ call: () -> I) -> Result<I, Errno> {
    while true {
        let value = call()
        if value != -1 { return .success(value) }
        let error = Errno.current
        if !(retryOnInterrupt && error == .interrupted) { return .failure(error) }
    }
}

/// `valueOrErrno(retryOnInterrupt:_:)` for a C call whose success value means nothing (`0`).
@_spi(Platform)
@inlinable @inline(__always)
public func nothingOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool, _ call: () -> I) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, call).map { _ in () }
}
