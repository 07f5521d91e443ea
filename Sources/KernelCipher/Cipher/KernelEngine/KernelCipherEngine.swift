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
    /// The transform socket, keying and op-socket accounting every kernel engine shares.
    private let handle: KernelEngineSocket
    /// Inputs larger than one chunk go through several sendmsg(MSG_MORE)/read rounds; the kernel chains the
    /// IV between them for these modes only. Others must fit one round.
    private let chains: Bool

    init(algorithm: String, options: TransformOptions) throws(KernelCipherError) {
        let handle = try KernelEngineSocket(type: .skcipher, algorithm: algorithm)
        guard let info = handle.entry.flatMap(KernelAlgorithmInfo.init) else {
            throw .algorithmNotFound(algorithm, engine: .kernel)
        }
        self.handle = handle
        self.algorithm = algorithm
        let rules = info.rules
        self.chains = rules.continuesAcrossRounds
        self.properties = AlgorithmProperties(
            name: info.name, ivSize: info.ivSize, blockSize: info.blockSize, keySizes: rules.keySizes,
            requiresBlockMultiple: rules.requiresBlockMultiple, minimumInput: rules.minimumInput,
            driver: info.driver, priority: info.priority)
    }

    /// A driver may complete asynchronously (e.g. cryptd), so a read can wait: only small async calls stay inline.
    let defaultAsyncInlineLimit = 16 << 10

    var maximumInput: (limit: Int, reason: String)? {
        chains ? nil : (KernelSlot.chunk,
                        "the kernel does not chain \(algorithm)'s IV across AF_ALG chunks, so one request must fit one")
    }

    /// `ALG_SET_KEY`; the kernel holds the key afterwards and no Swift copy is kept.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) { try handle.setKey(key, keySizes: properties.keySizes) }

    /// `ALG_SET_KEY_BY_KEY_SERIAL`: the key never enters this process.
    func setKey(_ key: KernelKey) throws(KernelCipherError) { try handle.setKey(key, keySizes: properties.keySizes) }

    func makeSlot() throws(KernelCipherError) -> any CipherSlot { try makeKernelSlot() }

    /// The completion mode the options ask for (`.automatic`: `AIOProbe.automaticMode`): with `.aio`, an AIO queue
    /// on op sockets of this engine; otherwise worker threads on the transform's slot pool.
    func makeDispatcher(slots: CipherSlotPool, options: TransformOptions) -> CipherDispatcher {
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
        try handle.accept { op, lease in KernelSlot(socket: op, chains: chains, ivSize: properties.ivSize, lease: lease) }
    }

    /// Drops the engine's reference to the transform socket (op sockets keep their own kernel reference).
    func release() { handle.release() }
}

/// One AF_ALG op socket; runs one request at a time with sendmsg(MSG_MORE)/read rounds of 64 KiB.
final class KernelSlot: CipherSlot {
    /// Bytes per sendmsg/read round (one AF_ALG chunk).
    static let chunk = 64 << 10
    let socket: AFALGSocket
    private let chains: Bool
    /// Control messages (ALG_SET_OP + ALG_SET_IV) reused for every request on this socket.
    let control: AFALGControl

    /// Keeps the op socket counted as open on its transform until the slot goes (a re-key waits for none).
    private let lease: OpSocketLease?

    /// Takes ownership of op socket `socket` (closed when the slot goes), counted by `lease`.
    init(socket: consuming AFALGSocket, chains: Bool, ivSize: Int, lease: OpSocketLease? = nil) {
        self.socket = socket
        self.chains = chains
        self.lease = lease
        control = AFALGControl(ivSize: ivSize)
    }

    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        control.set(encrypting: operation == .encrypt, iv: iv)
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

    private func map(_ errno: Errno, _ operation: String) -> KernelCipherError { .opSocket(operation, errno) }
}
