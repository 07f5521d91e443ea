#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// An AF_ALG socket, owned: its `OwnedDescriptor` is closed (`close(2)`) exactly once, when the socket goes
/// (swift-system style `~Copyable` owner). Each call is one system call through `valueOrErrno`, `Errno` on failure.
///
/// The engine drives op sockets itself because libkcapi has no accessor for them, resends the IV every 64 KiB in
/// its one-shot calls (libkcapi#127) and its AIO calls block per batch.
struct AFALGSocket: ~Copyable, Sendable {
    private let owned: OwnedDescriptor
    /// The descriptor every call uses.
    private var fd: CInt { owned.rawValue }

    /// Takes ownership of `descriptor`.
    private init(_ descriptor: consuming OwnedDescriptor) { owned = descriptor }

    /// `socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)`: an unbound AF_ALG socket.
    init() throws(Errno) {
        owned = try OwnedDescriptor(
            socketDomain: AF_ALG, type: Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), protocol: 0)
    }

    /// `socket(AF_ALG, …)` + `bind(sockaddr_alg{type, name})`: a transform socket. The name is checked first
    /// (`AFALGAddress`: `ENAMETOOLONG`, `EINVAL`), so every caller sees the same errno for a name that cannot be
    /// bound; on a failed `bind` the socket is closed.
    init(type: AFALGSocketType, name: String) throws(Errno) {
        let address = try AFALGAddress(type: type, name: name)
        let socket = try AFALGSocket()
        try socket.bind(address)
        self = socket
    }

    /// The descriptor, for C structures that need one (`iocb.aio_fildes`); it stays owned by this socket.
    var descriptor: CInt { fd }

    /// `bind(fd, sockaddr_alg, sizeof(sockaddr_alg))`.
    func bind(_ address: AFALGAddress) throws(Errno) {
        try withUnsafePointer(to: address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                nothingOrErrno(retryOnInterrupt: false) {
                    Glibc.bind(fd, address, socklen_t(MemoryLayout<sockaddr_alg>.size))
                }
            }
        }.get()
    }

    /// `setsockopt(fd, SOL_ALG, ALG_SET_KEY, key, len)` on a transform socket.
    func setKey(_ key: UnsafeRawBufferPointer) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) {
            setsockopt(fd, SOL_ALG, ALG_SET_KEY, key.baseAddress, socklen_t(key.count))
        }.get()
    }

    /// `setsockopt(fd, SOL_ALG, option, value, value.count)` on a transform socket (`ALG_SET_DRBG_ENTROPY`'s
    /// entropy bytes, `ALG_SET_KEY_BY_KEY_SERIAL`'s 32-bit serial).
    func setOption(_ option: AFALGOption, value: UnsafeRawBufferPointer) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) {
            setsockopt(fd, SOL_ALG, option.rawValue, value.baseAddress, socklen_t(value.count))
        }.get()
    }

    /// `setsockopt(fd, SOL_ALG, option, NULL, length)`: options whose value is the length itself
    /// (`ALG_SET_AEAD_AUTHSIZE`'s tag size).
    func setOption(_ option: AFALGOption, length: Int) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: false) {
            setsockopt(fd, SOL_ALG, option.rawValue, nil, socklen_t(length))
        }.get()
    }

    /// `accept4(fd, NULL, NULL, SOCK_CLOEXEC)`, EINTR retried: a new op socket on a keyed transform socket.
    func accept() throws(Errno) -> AFALGSocket {
        AFALGSocket(OwnedDescriptor(adopting: try valueOrErrno(retryOnInterrupt: true) {
            ckcapi_accept4(fd, Int32(SOCK_CLOEXEC.rawValue))
        }.get()))
    }

    /// `sendmsg(fd, {iov: data, control}, more ? MSG_MORE : 0)` (`send(2)` when there is no control data), EINTR
    /// retried, on an op socket; returns the bytes queued. `control` (an `AFALGControl`'s bytes) goes with a request's first data only.
    @inline(__always)  // per request: inlined into KernelSlot.run, as the loop it replaced was
    func send(_ data: UnsafeRawBufferPointer, control: UnsafeMutableRawBufferPointer?, more: Bool) throws(Errno) -> Int {
        // Without control data `send(2)`: the kernel then copies no msghdr/iovec in (a one-shot sha256 digest on 6.1:
        // 482 guest instructions fewer per message than with `sendmsg`).
        if control == nil, data.count > 0 {
            return try valueOrErrno(retryOnInterrupt: true) {
                Glibc.send(fd, data.baseAddress, data.count, more ? Int32(MSG_MORE) : 0)
            }.get()
        }
        var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
        return try withUnsafeMutablePointer(to: &iov) { iovPointer in
            var message = msghdr()
            message.msg_iov = iovPointer
            message.msg_iovlen = data.count > 0 ? 1 : 0
            message.msg_control = control?.baseAddress
            message.msg_controllen = control?.count ?? 0
            return valueOrErrno(retryOnInterrupt: true) { sendmsg(fd, &message, more ? Int32(MSG_MORE) : 0) }
        }.get()
    }

    /// `sendmsg(fd, {iov: parts, control}, more ? MSG_MORE : 0)`, EINTR retried: one request gathered from several
    /// buffers (AEAD: associated data ‖ input) without copying them together; returns the bytes queued.
    func send(
        _ parts: UnsafeMutableBufferPointer<iovec>, control: UnsafeMutableRawBufferPointer?, more: Bool
    ) throws(Errno) -> Int {
        var message = msghdr()
        message.msg_iov = parts.baseAddress
        message.msg_iovlen = parts.count
        message.msg_control = control?.baseAddress
        message.msg_controllen = control?.count ?? 0
        return try valueOrErrno(retryOnInterrupt: true) { sendmsg(fd, &message, more ? Int32(MSG_MORE) : 0) }.get()
    }

    /// `readv(fd, parts, count)`, EINTR retried, on an op socket: one result scattered into several buffers (AEAD:
    /// the echoed associated data apart from the caller's output); returns the bytes read. A single buffer is read
    /// with `read(2)`: `readv` copies and checks the iovec array in the kernel first.
    func receive(into parts: UnsafeMutableBufferPointer<iovec>) throws(Errno) -> Int {
        if parts.count == 1 {
            return try receive(into: UnsafeMutableRawBufferPointer(start: parts[0].iov_base, count: parts[0].iov_len))
        }
        return try valueOrErrno(retryOnInterrupt: true) { readv(fd, parts.baseAddress, Int32(parts.count)) }.get()
    }

    /// `read(fd, buffer, count)`, EINTR retried, on an op socket; returns the bytes the cipher produced.
    @inline(__always)
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try valueOrErrno(retryOnInterrupt: true) { read(fd, buffer.baseAddress, buffer.count) }.get()
    }
}

/// A `struct sockaddr_alg` for `bind(2)`, built by the one rule for what fits: `salg_type` and `salg_name` are
/// NUL-terminated C fields (14 and 64 bytes), so a value must be non-empty, without NUL bytes (`EINVAL`) and
/// shorter than its field (`ENAMETOOLONG`).
struct AFALGAddress {
    /// The address as `bind` takes it.
    let storage: sockaddr_alg

    /// Builds the address; throws `ENAMETOOLONG` or `EINVAL` for a type or name that does not fit.
    init(type: AFALGSocketType, name: String) throws(Errno) {
        var address = sockaddr_alg()
        address.salg_family = UInt16(AF_ALG)
        try Self.copy(type.rawValue, into: &address.salg_type)
        try Self.copy(name, into: &address.salg_name)
        storage = address
    }

    /// The errno `bind` gets for `name` before any system call, or nil when it fits `salg_name`.
    static func nameError(_ name: String) -> Errno? {
        var field = sockaddr_alg().salg_name
        do { try copy(name, into: &field) } catch { return error }
        return nil
    }

    /// Copies `value`'s UTF-8 bytes into the zeroed C field `field`, leaving its terminating NUL.
    private static func copy<Field>(_ value: String, into field: inout Field) throws(Errno) {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { throw .invalidArgument }
        guard bytes.count < MemoryLayout<Field>.size else { throw Errno(rawValue: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &field) { $0.copyBytes(from: bytes) }
    }
}

/// An AF_ALG transform socket shared by concurrent calls: a reference to one owned `AFALGSocket`, which closes
/// when the last reference goes. A caller holds a reference for the duration of each call, so no call can reach a
/// closed descriptor or a reused number (the engine drops its reference on release).
final class AFALGTransformSocket: Sendable {
    private let socket: AFALGSocket

    /// `socket(AF_ALG, …)` + `bind(sockaddr_alg{type, name})` (see `AFALGSocket.init(type:name:)`).
    init(type: AFALGSocketType, name: String) throws(Errno) {
        socket = try AFALGSocket(type: type, name: name)
    }

    /// `setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, len)`.
    func setKey(_ key: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        do throws(Errno) { return .success(try socket.setKey(key)) } catch { return .failure(error) }
    }

    /// `setsockopt(tfm, SOL_ALG, option, value, value.count)` (see `AFALGSocket.setOption(_:value:)`).
    func setOption(_ option: AFALGOption, value: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        do throws(Errno) { return .success(try socket.setOption(option, value: value)) } catch { return .failure(error) }
    }

    /// `setsockopt(tfm, SOL_ALG, option, NULL, length)` (see `AFALGSocket.setOption(_:length:)`).
    func setOption(_ option: AFALGOption, length: Int) -> Result<Void, Errno> {
        do throws(Errno) { return .success(try socket.setOption(option, length: length)) } catch { return .failure(error) }
    }

    /// `accept4(tfm, NULL, NULL, SOCK_CLOEXEC)`: a new op socket, owned by the caller.
    func accept() -> Result<AFALGSocket, Errno> {
        do throws(Errno) { return .success(try socket.accept()) } catch { return .failure(error) }
    }
}
