#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// One AF_ALG control message (`struct cmsghdr` at level `SOL_ALG`, `<linux/if_alg.h>`) sent with a request's
/// first `sendmsg`.
enum AFALGControlMessage: Hashable {
    /// `ALG_SET_OP`: a 32-bit `ALG_OP_ENCRYPT` / `ALG_OP_DECRYPT`.
    case operation
    /// `ALG_SET_IV`: `struct af_alg_iv`, a 32-bit length and `size` IV bytes.
    case iv(size: Int)
    /// `ALG_SET_AEAD_ASSOCLEN`: a 32-bit count of associated-data bytes at the start of an AEAD request.
    case associatedDataLength

    /// The `cmsg_type`.
    var type: CInt {
        switch self {
        case .operation: return ALG_SET_OP
        case .iv: return ALG_SET_IV
        case .associatedDataLength: return ALG_SET_AEAD_ASSOCLEN
        }
    }

    /// The payload bytes (`cmsg_len` minus the header).
    var payload: Int {
        switch self {
        case .operation, .associatedDataLength: return 4
        case .iv(let size): return 4 + size
        }
    }
}

/// The control messages of one op socket, laid out once (`CMSG_SPACE` each): the headers are written at init; a
/// request only stores its values (an operation word, IV bytes copied up to the size given, an AD length).
final class AFALGControl {
    /// The control buffer passed to `sendmsg` with a request's first data.
    let bytes: UnsafeMutableRawBufferPointer
    /// Where each value goes (`CMSG_DATA` offsets; for the IV, after its length word); -1 when not in the layout.
    private let operationOffset: Int
    private let ivOffset: Int
    private let ivSize: Int
    private let associatedDataLengthOffset: Int

    /// Lays out `messages` (each kind at most once) and writes their `cmsghdr`s.
    init(_ messages: [AFALGControlMessage]) {
        bytes = .allocate(byteCount: max(1, messages.reduce(0) { $0 + Self.space($1.payload) }), alignment: 8)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        var offset = 0, operation = -1, iv = -1, ivSize = 0, associatedDataLength = -1
        for message in messages {
            let data = Self.putHeader(bytes, at: offset, type: message.type, payload: message.payload)
            switch message {
            case .operation: operation = data
            case .iv(let size):
                (bytes.baseAddress! + data).storeBytes(of: UInt32(size), as: UInt32.self)
                iv = data + 4
                ivSize = size
            case .associatedDataLength: associatedDataLength = data
            }
            offset += Self.space(message.payload)
        }
        (operationOffset, ivOffset, self.ivSize, associatedDataLengthOffset) = (operation, iv, ivSize, associatedDataLength)
    }

    /// The skcipher layout: `ALG_SET_OP`, then `ALG_SET_IV` when the cipher has an IV.
    convenience init(ivSize: Int) {
        self.init(ivSize > 0 ? [.operation, .iv(size: ivSize)] : [.operation])
    }

    deinit { bytes.deallocate() }

    /// Sets the operation (`ALG_OP_ENCRYPT` or `ALG_OP_DECRYPT`) and the IV for the next request (the IV is copied
    /// up to the laid-out size).
    func set(encrypting: Bool, iv: UnsafeRawBufferPointer) {
        let base = bytes.baseAddress!
        (base + operationOffset).storeBytes(
            of: UInt32(encrypting ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT), as: UInt32.self)
        if ivSize > 0 { (base + ivOffset).copyMemory(from: iv.baseAddress!, byteCount: min(ivSize, iv.count)) }
    }

    /// Sets the `ALG_SET_AEAD_ASSOCLEN` value for the next request; the layout must include it.
    func setAssociatedDataLength(_ length: Int) {
        precondition(associatedDataLengthOffset >= 0, "no ALG_SET_AEAD_ASSOCLEN in this control layout")
        (bytes.baseAddress! + associatedDataLengthOffset).storeBytes(of: UInt32(length), as: UInt32.self)
    }

    /// Bytes a control message with `payload` bytes occupies (`CMSG_SPACE`).
    static func space(_ payload: Int) -> Int {
        align(MemoryLayout<cmsghdr>.size) + align(payload)
    }

    /// Writes a `cmsghdr` (`SOL_ALG`, `type`, `payload` bytes: `CMSG_LEN`) at `offset` in `buffer`; returns where
    /// its data goes (`CMSG_DATA`).
    private static func putHeader(
        _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, type: CInt, payload: Int
    ) -> Int {
        var header = cmsghdr()
        header.cmsg_len = MemoryLayout<cmsghdr>.size + payload
        header.cmsg_level = SOL_ALG
        header.cmsg_type = type
        (buffer.baseAddress! + offset).storeBytes(of: header, as: cmsghdr.self)
        return offset + align(MemoryLayout<cmsghdr>.size)
    }

    /// Rounds up to the `cmsghdr` alignment (`CMSG_ALIGN`: `sizeof(long)`).
    private static func align(_ n: Int) -> Int {
        let a = MemoryLayout<Int>.size
        return (n + a - 1) & ~(a - 1)
    }
}
