#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An op socket as the AIO queue holds it: the AF_ALG op socket (`accept(2)` on a keyed transform socket) of one
/// family's slot. The queue queues reads on `descriptor` and closes a failed one by dropping the slot.
protocol AFALGOpSlot: AnyObject {
    /// The op socket's descriptor, for `iocb.aio_fildes`; it stays owned by the slot.
    var descriptor: CInt { get }
    /// `read(fd, buffer, count)` on the op socket: the blocking read used where `io_submit` refuses one.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int
}

/// What an AIO request driver asks the queue to do next for its request.
enum AIOStep {
    /// Queue a read into this buffer (`io_submit` IOCB_CMD_PREAD, or a blocking read where that is refused); its
    /// result comes back to `AIORequestDriver.advance(_:on:after:)`.
    case read(UnsafeMutableRawBufferPointer)
    /// Queue one read scattered over these buffers (IOCB_CMD_PREADV, or a blocking `readv`); the `iovec`s must stay
    /// valid until the result comes back (the driver or its slot owns them).
    case readVector(UnsafeMutableBufferPointer<iovec>)
    /// The request's kernel work is over (successfully or not): the queue calls `finish`.
    case finished
}

/// One family's request logic on one op socket for `AIOQueue` (the queue itself knows nothing of the family):
/// what to send before each read (data, control messages, `MSG_MORE`), where each read goes, what a read result
/// means, and the request's output. Each AIO slot holds its own copy, made from the queue's prototype, reused
/// request after request; it runs on the thread that drives its request.
protocol AIORequestDriver: SendableMetatype {
    /// What one request does.
    associatedtype Work: Sendable
    /// What one request returns.
    associatedtype Output: Sendable
    /// The op socket holder the family's engine opens.
    associatedtype Slot: AFALGOpSlot

    /// Takes up a started job's `work` on `slot` (control data, output place); `advance(after: nil)` follows.
    mutating func begin(_ work: Work, on slot: Slot)
    /// Given the previous read's result (bytes read, or −errno; nil right after `begin`), sends what must precede
    /// the next read (`sendmsg`) and says where it goes, or that the request is over.
    mutating func advance(_ work: Work, on slot: Slot, after read: Int?) -> AIOStep
    /// The finished request's result; clears the per-request state. A failure makes the queue close the op
    /// socket (it may still hold the request's data).
    mutating func finish(_ work: Work) -> Result<Output, KernelCipherError>
}
