#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI
import Synchronization

/// What Linux AIO does on an AF_ALG op socket here: accepted or refused by `io_submit`, and whether reads
/// complete later (the kernel queued them) or before `io_submit` returned.
public struct AIOProbeResult: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The algorithm (or driver) probed.
    public let algorithm: String
    /// `io_submit` accepted a read on the op socket.
    public let accepted: Bool
    /// Reads submitted.
    public let attempts: Int
    /// Reads that had not completed when `io_submit` returned (an `io_getevents` with zero timeout found nothing).
    public let completedLater: Int
    /// The errno or other detail when something failed.
    public let detail: String?

    /// Some reads really completed asynchronously.
    public var isAsynchronous: Bool { completedLater > 0 }

    /// One line.
    public var description: String {
        guard accepted else { return "io_submit not accepted on \(algorithm): \(detail ?? "unknown")" }
        return "io_submit accepted on \(algorithm); \(completedLater) of \(attempts) reads completed after io_submit returned"
    }
}

/// Probes AIO on AF_ALG op sockets (`io_setup`, `io_submit`, `io_getevents`).
public enum AIOProbe {
    /// Submits `attempts` encrypt reads of `size` bytes (≤ 64 KiB) on an op socket of `algorithm` (keyed with zeros)
    /// and reports. Larger reads make an asynchronous driver's queueing visible: the work then outlasts the
    /// return from `io_submit`.
    public static func run(algorithm: String = "cbc(aes)", attempts: Int = 8, size: Int = 4096) -> AIOProbeResult {
        func refused(_ detail: String) -> AIOProbeResult {
            AIOProbeResult(algorithm: algorithm, accepted: false, attempts: 0, completedLater: 0, detail: detail)
        }
        guard AFALGAvailability.current.isAvailable else { return refused(AFALGAvailability.current.description) }
        let info = (try? ProcCrypto.read())?.boundEntry(algorithm, type: .skcipher)
        let tfm: AFALGTransformSocket
        do { tfm = try AFALGTransformSocket(type: .skcipher, name: algorithm) } catch { return refused("bind: \(error)") }
        let key = [UInt8](repeating: 0, count: info?.minKeySize ?? 16)
        if case .failure(let errno) = key.withUnsafeBytes({ tfm.setKey($0) }) { return refused("setkey: \(errno)") }
        let op: AFALGSocket
        switch tfm.accept() {
        case .success(let accepted): op = accepted
        case .failure(let errno): return refused("accept: \(errno)")
        }
        let control = AFALGControl(ivSize: info?.ivSize ?? 16)
        let descriptor = op.descriptor
        var ctx = aio_context_t()
        guard ckcapi_io_setup(1, &ctx) == 0 else {
            let error = Errno.current
            return refused("io_setup: \(error)")
        }
        defer { _ = ckcapi_io_destroy(ctx) }
        let iv = [UInt8](repeating: 0, count: info?.ivSize ?? 16)
        let size = min(max(size, 16), 64 << 10) & ~15
        let input = [UInt8](repeating: 0, count: size)
        var output = [UInt8](repeating: 0, count: size)
        var later = 0
        for attempt in 0..<attempts {
            iv.withUnsafeBytes { control.set(encrypting: true, iv: $0) }
            if let sendError = send(input, on: op, control: control) { return refused("sendmsg: \(sendError)") }
            var submitError = Errno(rawValue: 0)
            let submitted = output.withUnsafeMutableBytes { buffer -> Int in
                var block = iocb()
                block.aio_lio_opcode = UInt16(IOCB_CMD_PREAD)
                block.aio_fildes = UInt32(descriptor)
                block.aio_buf = UInt64(UInt(bitPattern: buffer.baseAddress))
                block.aio_nbytes = UInt64(buffer.count)
                return withUnsafeMutablePointer(to: &block) { pointer in
                    var list: UnsafeMutablePointer<iocb>? = pointer
                    let n = ckcapi_io_submit(ctx, 1, &list)
                    if n < 0 { submitError = .current }
                    return n
                }
            }
            guard submitted == 1 else {
                let detail = "io_submit: \(submitError)"
                return attempt == 0 ? refused(detail)
                    : AIOProbeResult(algorithm: algorithm, accepted: true, attempts: attempt, completedLater: later, detail: detail)
            }
            var event = io_event()
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            if ckcapi_io_getevents(ctx, 0, 1, &event, &zero) == 0 {
                later += 1
                var wait = timespec(tv_sec: 10, tv_nsec: 0)
                guard ckcapi_io_getevents(ctx, 1, 1, &event, &wait) == 1 else {
                    return AIOProbeResult(algorithm: algorithm, accepted: true, attempts: attempt + 1,
                                          completedLater: later, detail: "no completion within 10 s")
                }
            }
            if event.res < 0 {
                return AIOProbeResult(algorithm: algorithm, accepted: true, attempts: attempt + 1, completedLater: later,
                                      detail: "read failed: \(Errno(rawValue: CInt(-event.res)))")
            }
        }
        return AIOProbeResult(algorithm: algorithm, accepted: true, attempts: attempts, completedLater: later, detail: nil)
    }

    /// `sendmsg` of `input` with `control` (no MSG_MORE) on op socket `op`; the errno on failure.
    private static func send(_ input: [UInt8], on op: borrowing AFALGSocket, control: AFALGControl) -> Errno? {
        input.withUnsafeBytes { input -> Errno? in
            do throws(Errno) { _ = try op.send(input, control: control.bytes, more: false) } catch { return error }
            return nil
        }
    }

    /// The completion mode `.automatic` resolves to (see `automaticCompletion`).
    static var automaticMode: CompletionMode { cachedChoice.mode }

    /// The completion mode `.automatic` resolves to for the kernel engine, and why: `KCAPI_COMPLETION=aio|threads`
    /// if set; worker threads where `io_submit` on an op socket is refused (one-time probe on `cbc(aes)`), or where
    /// the kernel has no socket AIO (Linux 7.2 removed it: `io_submit` is still accepted but runs each read to
    /// completion before returning, so AIO adds nothing and the submitting thread does the work); else AIO.
    public static var automaticCompletion: (mode: CompletionMode, reason: String) { cachedChoice }

    private static let cachedChoice: (mode: CompletionMode, reason: String) = {
        if let forced = getenv("KCAPI_COMPLETION").map({ String(cString: $0) }),
           let mode = CompletionMode(rawValue: forced), mode != .automatic {
            return (mode, "KCAPI_COMPLETION=\(forced)")
        }
        let probe = run(attempts: 1)
        guard probe.accepted else { return (.threads, probe.description) }
        if !kernelHasSocketAIO(release: System.kernelRelease) {
            return (.threads, "socket AIO removed in Linux 7.2: io_submit completes synchronously")
        }
        return (.aio, "io_submit accepted on op sockets")
    }()

    /// False from Linux 7.2 on ("net: Remove support for AIO on sockets").
    static func kernelHasSocketAIO(release: String) -> Bool {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return true }
        return (parts[0], parts[1]) < (7, 2)
    }
}
