#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// Thin wrappers over the AF_ALG system calls (swift-system style: one call each, EINTR retried,
/// `Errno` on failure). The engine drives op sockets itself because libkcapi has no accessor for them,
/// resends the IV every 64 KiB in its one-shot calls (libkcapi#127) and its AIO calls block per batch.
enum AFALG {
    /// `socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)` + `bind(sockaddr_alg{type, name})`: a transform socket.
    static func bind(type: String, name: String) -> Result<CInt, Errno> {
        let fd = socket(AF_ALG, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.current) }
        var address = sockaddr_alg()
        address.salg_family = UInt16(AF_ALG)
        guard type.utf8.count < 14, name.utf8.count < 64 else {
            close(fd)
            return .failure(.noSuchEntry)
        }
        withUnsafeMutableBytes(of: &address.salg_type) { dst in
            for (i, byte) in type.utf8.enumerated() { dst[i] = byte }
        }
        withUnsafeMutableBytes(of: &address.salg_name) { dst in
            for (i, byte) in name.utf8.enumerated() { dst[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_alg>.size))
            }
        }
        guard rc == 0 else {
            let error = Errno.current
            close(fd)
            return .failure(error)
        }
        return .success(fd)
    }

    /// `setsockopt(fd, SOL_ALG, ALG_SET_KEY, key, len)`.
    static func setKey(_ fd: CInt, _ key: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        let rc = setsockopt(fd, SOL_ALG, ALG_SET_KEY, key.baseAddress, socklen_t(key.count))
        return rc == 0 ? .success(()) : .failure(.current)
    }

    /// `accept4(tfm, NULL, NULL, SOCK_CLOEXEC)`, retrying EINTR: a new op socket on a keyed transform socket.
    static func accept(_ fd: CInt) -> Result<CInt, Errno> {
        while true {
            let op = ckcapi_accept4(fd, Int32(SOCK_CLOEXEC.rawValue))
            if op >= 0 { return .success(op) }
            let error = Errno.current
            if error != .interrupted { return .failure(error) }
        }
    }

    /// `sendmsg(op, {iov, control}, flags)`, retrying EINTR; returns bytes queued.
    static func send(
        _ fd: CInt, data: UnsafeRawBufferPointer, control: UnsafeMutableRawBufferPointer?, more: Bool
    ) -> Result<Int, Errno> {
        var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
        return withUnsafeMutablePointer(to: &iov) { iovPointer in
            var message = msghdr()
            message.msg_iov = iovPointer
            message.msg_iovlen = data.count > 0 ? 1 : 0
            message.msg_control = control?.baseAddress
            message.msg_controllen = control?.count ?? 0
            while true {
                let n = sendmsg(fd, &message, more ? Int32(MSG_MORE) : 0)
                if n >= 0 { return .success(n) }
                let error = Errno.current
                if error != .interrupted { return .failure(error) }
            }
        }
    }

    /// `read(op, buffer, count)`, retrying EINTR; returns bytes produced by the cipher.
    static func receive(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return .success(n) }
            let error = Errno.current
            if error != .interrupted { return .failure(error) }
        }
    }

    /// Bytes a control message with `payload` bytes occupies (`CMSG_SPACE`).
    static func controlSpace(_ payload: Int) -> Int {
        align(MemoryLayout<cmsghdr>.size) + align(payload)
    }

    /// Writes a `cmsghdr` (SOL_ALG, `type`, `payload` bytes) at `offset` in `buffer`; returns where its data
    /// goes (`CMSG_DATA`). The message occupies `controlSpace(payload)` bytes.
    static func putControlHeader(
        _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, type: CInt, payload: Int
    ) -> Int {
        var cmsg = cmsghdr()
        cmsg.cmsg_len = MemoryLayout<cmsghdr>.size + payload
        cmsg.cmsg_level = SOL_ALG
        cmsg.cmsg_type = type
        (buffer.baseAddress! + offset).storeBytes(of: cmsg, as: cmsghdr.self)
        return offset + align(MemoryLayout<cmsghdr>.size)
    }

    static func align(_ n: Int) -> Int {
        let a = MemoryLayout<Int>.size
        return (n + a - 1) & ~(a - 1)
    }
}

/// An AF_ALG transform socket, owned: closed (`close(2)`) exactly once, in `deinit`, when the last reference goes.
/// A caller holds a reference for the duration of each call, so no call can reach a closed descriptor or a reused
/// number (swift-system / swift-nio style ownership; the engine drops its reference on release).
final class AFALGTransformSocket: Sendable {
    private let fd: CInt

    /// Takes ownership of a bound transform socket.
    init(adopting fd: CInt) { self.fd = fd }

    deinit { close(fd) }

    /// `setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, len)`.
    func setKey(_ key: UnsafeRawBufferPointer) -> Result<Void, Errno> { AFALG.setKey(fd, key) }

    /// `accept4(tfm, NULL, NULL, SOCK_CLOEXEC)`: a new op socket, owned by the caller.
    func accept() -> Result<CInt, Errno> { AFALG.accept(fd) }
}

/// The ALG_SET_OP + ALG_SET_IV control messages of one op socket. The headers are written once; a request only
/// stores its operation word and copies its IV (`ivSize` bytes, checked by `Transform.validate`).
final class AFALGControl {
    /// The control buffer passed to `sendmsg` with a request's first data.
    let bytes: UnsafeMutableRawBufferPointer
    private let ivSize: Int
    /// Where ALG_SET_OP's operation word and ALG_SET_IV's IV bytes sit (`CMSG_DATA` offsets).
    private let operationOffset: Int
    private let ivOffset: Int

    init(ivSize: Int) {
        self.ivSize = ivSize
        let size = AFALG.controlSpace(4) + (ivSize > 0 ? AFALG.controlSpace(4 + ivSize) : 0)
        bytes = .allocate(byteCount: size, alignment: 8)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        operationOffset = AFALG.putControlHeader(bytes, at: 0, type: ALG_SET_OP, payload: 4)
        if ivSize > 0 {
            // struct af_alg_iv: a 32-bit length, then the IV bytes.
            let data = AFALG.putControlHeader(bytes, at: AFALG.controlSpace(4), type: ALG_SET_IV, payload: 4 + ivSize)
            (bytes.baseAddress! + data).storeBytes(of: UInt32(ivSize), as: UInt32.self)
            ivOffset = data + 4
        } else {
            ivOffset = 0
        }
    }

    deinit { bytes.deallocate() }

    /// Sets the operation and the IV for the next request.
    func set(_ operation: CipherOperation, iv: UnsafeRawBufferPointer) {
        let base = bytes.baseAddress!
        (base + operationOffset).storeBytes(
            of: UInt32(operation == .encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT), as: UInt32.self)
        if ivSize > 0 { (base + ivOffset).copyMemory(from: iv.baseAddress!, byteCount: min(ivSize, iv.count)) }
    }
}
