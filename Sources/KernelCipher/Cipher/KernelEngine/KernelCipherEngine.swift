#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI
import Synchronization

/// The kernel engine: an AF_ALG `skcipher` transform socket (bind + setkey), with one op socket per slot.
///
/// What uses what, and why: `socket`/`bind`/`setsockopt`/`accept` and the per-request `sendmsg`/`read` are
/// driven here directly, because libkcapi exposes no op socket (needed for per-request AIO), its one-shot calls
/// resend the IV every 64 KiB (libkcapi#127, corrupts CBC), and `kcapi_cipher_init` needs the crypto_user
/// netlink, which many kernels lack. Metadata (IV size, block size, key sizes, driver) comes from /proc/crypto,
/// which the bind has just populated. libkcapi provides `kcapi_memset_secure` for key zeroization.
final class KernelCipherEngine: CipherEngine {
    let kind = EngineKind.kernel
    let properties: AlgorithmProperties
    let algorithm: String
    /// The transform socket; nil once released. Each call takes its own reference, so the descriptor closes when
    /// the last call using it returns, never under one.
    private let transformSocket: LockedValue<AFALGTransformSocket?>
    /// Op sockets of this transform that are open (their `KernelSlot`s alive).
    private let openOpSockets = OpSocketCount()
    /// Inputs larger than one chunk go through several sendmsg(MSG_MORE)/read rounds; the kernel chains the
    /// IV between them for these modes only. Others must fit one round.
    private let chains: Bool

    init(algorithm: String, options: Transform.Options) throws(KernelCipherError) {
        let socket = try AFALGTransformSocket.bound(type: .skcipher, name: algorithm)
        guard let info = KernelAlgorithmInfo.lookup(algorithm) else {
            throw .algorithmNotFound(algorithm, engine: .kernel)
        }
        self.transformSocket = LockedValue(socket)
        self.algorithm = algorithm
        let rules = info.rules
        self.chains = rules.continuesAcrossRounds
        self.properties = AlgorithmProperties(
            name: info.name, ivSize: info.ivSize, blockSize: info.blockSize, keySizes: rules.keySizes,
            requiresBlockMultiple: rules.requiresBlockMultiple, minimumInput: rules.minimumInput,
            driver: info.driver, priority: info.priority)
    }

    /// True when `bind(2)` of this skcipher name succeeds here (this may autoload kernel modules).
    static func isAvailable(_ algorithm: String) -> Bool {
        guard AFALGAvailability.current.isAvailable,
              case .success = AFALGBinding.check(type: .skcipher, name: algorithm) else { return false }
        return true
    }

    /// A driver may complete asynchronously (e.g. cryptd), so a read can wait: only small async calls stay inline.
    let defaultAsyncInlineLimit = 16 << 10

    var maximumInput: (limit: Int, reason: String)? {
        chains ? nil : (KernelSlot.chunk,
                        "the kernel does not chain \(algorithm)'s IV across AF_ALG chunks, so one request must fit one")
    }

    func setKey(_ key: SecureBytes) throws(KernelCipherError) {
        let result = try retryingBusy { tfm in key.withUnsafeBytes { tfm.setKey($0) } }
        switch result {
        case .success: key.wipe()  // the kernel holds the key now; no Swift copy is kept
        case .failure(let errno) where errno == .invalidArgument:
            throw .invalidKeyLength(key.count, allowed: properties.keySizes)
        case .failure(let errno):
            throw .kernel(operation: "setsockopt(ALG_SET_KEY)", errno: errno)
        }
    }

    func setKey(_ key: KernelKey) throws(KernelCipherError) {
        var failure: KernelCipherError?
        let result = try retryingBusy { tfm -> Result<Void, Errno> in
            switch tfm.setKey(key, algorithm: algorithm, keySizes: properties.keySizes) {
            case .success: failure = nil; return .success(())
            case .failure(.kernel(_, let errno)) where errno == .busy: failure = nil; return .failure(errno)
            case .failure(let error): failure = error; return .success(())
            }
        }
        if let failure { throw failure }
        if case .failure(let errno) = result {
            throw .kernel(operation: "setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)", errno: errno)
        }
    }

    /// Runs `attempt` on the transform socket; on EBUSY although every op socket of ours is closed, tries again:
    /// an AIO read that completed in a kernel worker (an asynchronous driver, e.g. cryptd) drops its file reference
    /// from deferred work a jiffy or so later, and the kernel counts that op socket until then. Waits at most
    /// about one second.
    private func retryingBusy(
        _ attempt: (AFALGTransformSocket) -> Result<Void, Errno>
    ) throws(KernelCipherError) -> Result<Void, Errno> {
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        var result = attempt(tfm)
        var pause: useconds_t = 50, waited: useconds_t = 0
        while case .failure(.busy) = result, openOpSockets.value.load(ordering: .acquiring) == 0, waited < 1_000_000 {
            usleep(pause)
            waited += pause
            pause = min(pause * 2, 5_000)
            result = attempt(tfm)
        }
        return result
    }

    func makeSlot() throws(KernelCipherError) -> any CipherSlot { try makeKernelSlot() }

    /// The completion mode the options ask for (`.automatic`: `AIOProbe.automaticMode`): with `.aio`, an AIO queue
    /// on op sockets of this engine; otherwise worker threads on the transform's slot pool.
    func makeDispatcher(slots: CipherSlotPool, options: Transform.Options) -> CipherDispatcher {
        let mode = options.completionMode == .automatic ? AIOProbe.automaticMode : options.completionMode
        guard mode == .aio else { return .workers(slots: slots, options: options) }
        return CipherDispatcher(mode: .aio) { [self] () throws(KernelCipherError) in
            try AIOQueue(
                maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit, driver: KernelCipherAIODriver()
            ) { () throws(KernelCipherError) in try self.makeKernelSlot() }
        }
    }

    /// A new op socket of this transform (`accept(2)`).
    func makeKernelSlot() throws(KernelCipherError) -> KernelSlot {
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        switch tfm.accept() {
        case .success(let op): return KernelSlot(socket: op, chains: chains, ivSize: properties.ivSize, count: openOpSockets)
        case .failure(let errno): throw .kernel(operation: "accept", errno: errno)
        }
    }

    /// Drops the engine's reference to the transform socket: it closes now, or when the last call still using it
    /// returns. Op sockets keep their own kernel reference to the transform.
    func release() {
        let socket = transformSocket.withLock { socket -> AFALGTransformSocket? in
            defer { socket = nil }
            return socket
        }
        _ = socket  // closed here (outside the lock) unless a call still holds it
    }
}

/// One AF_ALG op socket; runs one request at a time with sendmsg(MSG_MORE)/read rounds of 64 KiB.
final class KernelSlot: CipherSlot {
    /// Bytes per sendmsg/read round (one AF_ALG chunk).
    static let chunk = 64 << 10
    let socket: AFALGSocket
    private let chains: Bool
    /// Control messages (ALG_SET_OP + ALG_SET_IV) reused for every request on this socket.
    let control: AFALGControl

    /// Counts the open op sockets of a transform (`KernelSlot` init/deinit), so a re-key knows all are closed.
    private let count: OpSocketCount?

    /// Takes ownership of op socket `socket` (closed when the slot goes), counted in `count`.
    init(socket: consuming AFALGSocket, chains: Bool, ivSize: Int, count: OpSocketCount? = nil) {
        self.socket = socket
        self.chains = chains
        self.count = count
        control = AFALGControl(ivSize: ivSize)
        count?.value.add(1, ordering: .relaxed)
    }

    deinit {  // `socket` closes right after, as the slot's storage goes
        count?.value.subtract(1, ordering: .releasing)
    }

    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        control.set(operation, iv: iv)
        let total = input.count
        var controlBytes: UnsafeMutableRawBufferPointer? = control.bytes
        var offset = 0
        repeat {
            // One round: the control messages go with the first data only, so the kernel chains the IV.
            let n = min(KernelSlot.chunk, total - offset)
            let more = offset + n < total
            var sent = 0
            repeat {
                let part = UnsafeRawBufferPointer(start: input.baseAddress.map { $0 + offset + sent }, count: n - sent)
                do throws(Errno) { sent += try socket.send(part, control: controlBytes, more: more) } catch {
                    throw map(error, "sendmsg")
                }
                controlBytes = nil
            } while sent < n
            var produced = 0
            while produced < n {
                let target = UnsafeMutableRawBufferPointer(
                    start: output.baseAddress.map { $0 + offset + produced }, count: n - produced)
                let got: Int
                do throws(Errno) { got = try socket.receive(into: target) } catch { throw map(error, "read") }
                if got == 0 { throw .kernel(operation: "read", errno: .invalidArgument) }
                produced += got
            }
            offset += n
        } while offset < total
    }

    private func map(_ errno: Errno, _ operation: String) -> KernelCipherError {
        errno == .noKey ? .keyNotSet : .kernel(operation: operation, errno: errno)
    }
}

/// The number of open op sockets of one transform.
final class OpSocketCount: Sendable {
    let value = Atomic<Int>(0)
}
