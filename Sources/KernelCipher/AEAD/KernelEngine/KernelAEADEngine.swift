#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// The kernel AEAD engine: an AF_ALG `aead` transform socket (bind, `ALG_SET_AEAD_AUTHSIZE`, `ALG_SET_KEY`) with
/// one op socket per slot. Facts come from the project's layout table and /proc/crypto (ivsize, maxauthsize,
/// driver), read right after the bind; a name without a known layout is served with the kernel's sizes.
final class KernelAEADEngine: AEADEngine {
    let kind = EngineKind.kernel
    let properties: AEADProperties
    /// The transform socket, keying and op-socket accounting every kernel engine shares.
    private let handle: KernelEngineSocket
    /// The request limit: what one `sendmsg` can queue and one `read` can return without blocking.
    let maximumRequest: (limit: Int, reason: String)?

    /// Binds `algorithm` and sets the tag size (`setsockopt(ALG_SET_AEAD_AUTHSIZE)` before any `accept`).
    init(algorithm: String, tagSize: Int?) throws(KernelCipherError) {
        let handle = try KernelEngineSocket(type: .aead, algorithm: algorithm)
        let socket = try handle.socket()
        let entry = handle.entry
        let name = entry?.name ?? algorithm
        let layout = AEADAlgorithm.lookup(name)
        guard let ivSize = entry?.ivSize ?? layout?.ivSize,
              let maxTag = entry?.maxAuthSize ?? layout?.maximumTagSize
        else { throw .algorithmNotFound(algorithm, engine: .kernel) }
        let allowed = layout?.tagSizes ?? Array(1...max(1, maxTag))
        let tag = tagSize ?? maxTag
        guard allowed.contains(tag) else { throw .invalidTagLength(tag, allowed: allowed) }
        switch socket.setOption(.aeadAuthSize, length: tag) {
        case .success: break
        case .failure(let errno) where errno == .invalidArgument: throw .invalidTagLength(tag, allowed: allowed)
        case .failure(let errno): throw .kernel(operation: "setsockopt(ALG_SET_AEAD_AUTHSIZE)", errno: errno)
        }
        self.handle = handle
        self.properties = AEADProperties(
            name: name, ivSize: ivSize, tagSize: tag, maximumTagSize: maxTag, tagSizes: allowed, keySizes: layout?.keySizes,
            driver: entry?.driver ?? name, layout: layout)
        let limit = Self.socketBufferLimit()
        self.maximumRequest = (limit,
            "algif_aead takes a whole request in one sendmsg and one read, within the socket buffers (net.core."
            + "wmem_default/rmem_default: \(limit) bytes)")
    }

    /// Bytes an op socket queues (`af_alg_sndbuf`: `sk_sndbuf & PAGE_MASK`) and returns (`sk_rcvbuf`) without
    /// waiting: the smaller of `net.core.wmem_default` and `rmem_default`, whole pages (64 KiB when unreadable).
    static func socketBufferLimit() -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let w = SmallFile.integer("/proc/sys/net/core/wmem_default"),
              let r = SmallFile.integer("/proc/sys/net/core/rmem_default") else {
            return 64 << 10
        }
        return max(page, min(w, r) & ~(page - 1))
    }

    /// A driver may complete asynchronously, so only small async calls stay inline.
    let defaultAsyncInlineLimit = 16 << 10

    /// `ALG_SET_KEY`; the kernel holds the key afterwards and no Swift copy is kept.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) { try handle.setKey(key, keySizes: properties.keySizes ?? []) }

    /// `ALG_SET_KEY_BY_KEY_SERIAL`: the key never enters this process.
    func setKey(_ key: KernelKey) throws(KernelCipherError) { try handle.setKey(key, keySizes: properties.keySizes ?? []) }

    func makeSlot() throws(KernelCipherError) -> any AEADSlot { try makeKernelSlot() }

    /// A new op socket of this transform (`accept(2)`).
    func makeKernelSlot() throws(KernelCipherError) -> KernelAEADSlot {
        try handle.accept { op, lease in
            KernelAEADSlot(socket: op, lease: lease, ivSize: properties.ivSize, tagSize: properties.tagSize,
                           ivInAssociatedData: properties.layout?.ivInAssociatedData ?? false)
        }
    }

    /// The completion mode the options ask for (`.automatic`: `AIOProbe.automaticMode`, as for skcipher): with
    /// `.aio`, an AIO queue on op sockets of this engine (`KernelAEADAIODriver`); otherwise worker threads.
    func makeDispatcher(slots: AEADSlotPool, options: TransformOptions) -> AEADDispatcher {
        let mode = options.completionMode == .automatic ? AIOProbe.automaticMode : options.completionMode
        guard mode == .aio else { return .workers(slots: slots, options: options, run: AEADWork.run(on:_:)) }
        return AEADDispatcher(mode: .aio) { [self] () throws(KernelCipherError) in
            try AIOQueue(
                maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit, driver: KernelAEADAIODriver()
            ) { () throws(KernelCipherError) in try self.makeKernelSlot() }
        }
    }

    func release() { handle.release() }
}

/// One AF_ALG aead op socket. A request is one `sendmsg` of AAD ‖ input with `ALG_SET_OP`, `ALG_SET_IV` and
/// `ALG_SET_AEAD_ASSOCLEN`, and one `readv` of AAD ‖ output (algif_aead copies the AAD through): the associated data
/// goes through a per-slot scratch buffer (cleansed after each request), the payload straight from and into the
/// caller's memory. The two halves are separate so the AIO driver (`KernelAEADAIODriver`) can queue the read.
final class KernelAEADSlot: AEADSlot {
    let socket: AFALGSocket
    private let control: AFALGControl
    private let ivSize: Int
    private let tagSize: Int
    private let ivInAssociatedData: Bool
    private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Associated-data bytes of the request in flight, in scratch until `wipe`.
    private var pending = 0
    /// The read's two iovecs (echoed associated data, output), in memory that outlives a queued AIO read.
    private let readParts = UnsafeMutableBufferPointer<iovec>.allocate(capacity: 2)
    /// Keeps the op socket counted as open on its transform until the slot goes.
    private let lease: OpSocketLease?

    init(socket: consuming AFALGSocket, lease: OpSocketLease? = nil, ivSize: Int, tagSize: Int, ivInAssociatedData: Bool) {
        self.socket = socket
        self.lease = lease
        self.ivSize = ivSize
        self.tagSize = tagSize
        self.ivInAssociatedData = ivInAssociatedData
        control = AFALGControl([.operation, .iv(size: ivSize), .associatedDataLength])
        readParts.initialize(repeating: iovec())
    }

    deinit {
        cleanse(scratch)
        scratch.deallocate()
        readParts.deallocate()
    }

    /// One request on the calling thread: `send`, a blocking `readv`, `check`.
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        defer { wipe() }
        let expected = try send(operation, iv: iv, associatedData: associatedData, input: input, outputCount: output.count)
        let got: Int
        do throws(Errno) {
            // Without associated data the read is the output alone: `read(2)` into it, without building the vector
            // (≈ 60 instructions a request, callgrind in the guest, gcm(aes) 16 B).
            got = try pending == 0 && output.count > 0
                ? socket.receive(into: output) : socket.receive(into: readVector(output))
        } catch {
            got = -Int(error.rawValue)
        }
        if got != expected { try check(read: got, expected: expected, output: output) }
    }

    /// Sends one request: `sendmsg` gathers the associated data (and, for the ESP forms, the IV) from scratch and the
    /// input from the caller's memory. Returns the bytes the read must return (associated data + output).
    /// Inlined into `run` and the AIO driver: as a call it cost ≈ 20 instructions a request (callgrind, gcm 16 B).
    @inline(__always)
    func send(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, outputCount: Int
    ) throws(KernelCipherError) -> Int {
        let assoc = associatedData.count + (ivInAssociatedData ? iv.count : 0)
        let sent = assoc + input.count
        // Scratch holds the associated data both ways; at least 1 byte: never a zero-length read (the kernel returns
        // 0 at once without running the request, which would leave it queued: an empty decrypt unverified, the next
        // sendmsg EINVAL).
        if scratch.count < max(assoc, 1) {
            cleanse(scratch)
            scratch.deallocate()
            scratch = .allocate(byteCount: max(assoc, 64), alignment: 16)
        }
        let base = scratch.baseAddress!
        pending = assoc
        if associatedData.count > 0 { base.copyMemory(from: associatedData.baseAddress!, byteCount: associatedData.count) }
        if ivInAssociatedData { (base + associatedData.count).copyMemory(from: iv.baseAddress!, byteCount: iv.count) }
        control.set(encrypting: operation == .encrypt, iv: iv)
        control.setAssociatedDataLength(assoc)
        var done = 0
        var controlBytes: UnsafeMutableRawBufferPointer? = control.bytes
        if assoc == 0 {
            // No associated data (the common case): the input alone, one buffer, without building a vector.
            do throws(Errno) { done = try socket.send(input, control: controlBytes, more: false) } catch {
                throw map(error, "sendmsg")
            }
            if done == sent { return outputCount }
            controlBytes = nil
        }
        var parts = (iovec(iov_base: base, iov_len: assoc),
                     iovec(iov_base: UnsafeMutableRawPointer(mutating: input.baseAddress), iov_len: input.count))
        repeat {
            // After a partial send (not expected: requests are limited to the socket buffers) resend the rest.
            let first = min(done, assoc), second = done - first
            parts.0 = iovec(iov_base: base + first, iov_len: assoc - first)
            parts.1 = iovec(iov_base: UnsafeMutableRawPointer(mutating: input.baseAddress.map { $0 + second }),
                            iov_len: input.count - second)
            do throws(Errno) {
                done += try withUnsafeMutableBytes(of: &parts) { raw throws(Errno) in
                    try socket.send(Self.nonEmpty(raw.bindMemory(to: iovec.self)), control: controlBytes, more: false)
                }
            } catch {
                throw map(error, "sendmsg")
            }
            controlBytes = nil
        } while done < sent
        return assoc + outputCount
    }

    /// Where the read goes: the echoed associated data into scratch (1 byte when the whole read is empty), the
    /// output into `output`. The iovecs live in the slot, valid until the next request.
    func readVector(_ output: UnsafeMutableRawBufferPointer) -> UnsafeMutableBufferPointer<iovec> {
        readParts[0] = iovec(iov_base: scratch.baseAddress, iov_len: pending + output.count == 0 ? 1 : pending)
        readParts[1] = iovec(iov_base: output.baseAddress, iov_len: output.count)
        return Self.nonEmpty(readParts)
    }

    /// The read's outcome (bytes, or −errno): EBADMSG is `.authenticationFailed`; a failure or a short read zeroes
    /// `output`.
    func check(read got: Int, expected: Int, output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        if got == expected { return }
        cleanse(output)
        if got == -Int(EBADMSG) { throw .authenticationFailed }
        if got < 0 { throw map(Errno(rawValue: CInt(-got)), "read") }
        throw .kernel(operation: "read (\(got) of \(expected) bytes)", errno: .invalidArgument)
    }

    /// Cleanses the request's associated data from scratch.
    func wipe() {
        if pending > 0, let base = scratch.baseAddress { cleanse(UnsafeMutableRawBufferPointer(start: base, count: pending)) }
        pending = 0
    }

    /// The two iovecs without a leading empty one (no associated data): the kernel then maps one buffer, as for a
    /// plain read (about 55 guest instructions per message fewer on 6.1).
    private static func nonEmpty(_ parts: UnsafeMutableBufferPointer<iovec>) -> UnsafeMutableBufferPointer<iovec> {
        parts[0].iov_len == 0 ? UnsafeMutableBufferPointer(rebasing: parts[1...]) : parts
    }

    private func map(_ errno: Errno, _ operation: String) -> KernelCipherError {
        .opSocket(operation, errno)
    }
}

extension KernelAEADSlot: AFALGOpSlot {
    /// The op socket's descriptor (`AFALGSocket.descriptor`).
    var descriptor: CInt { socket.descriptor }

    /// `read(fd, buffer, count)` on the op socket (`AFALGSocket.receive`).
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { try socket.receive(into: buffer) }
}
