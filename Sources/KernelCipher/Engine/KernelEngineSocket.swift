#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// What every family's kernel engine (skcipher, AEAD, hash, RNG) does with its AF_ALG transform socket, written
/// once: the policy-aware bind, the `/proc/crypto` entry the bind selected, `ALG_SET_KEY` from bytes or a keyring
/// key with the one EBUSY rule, `accept(2)` of op sockets that are counted while open, and release.
///
/// The transform socket is nil once released; each call takes its own reference, so the descriptor closes when the
/// last call using it returns, never under one.
final class KernelEngineSocket: Sendable {
    /// The name the transform was bound with.
    let algorithm: String
    /// The socket type (`skcipher`, `aead`, `hash`, `rng`).
    let type: AFALGSocketType
    /// The `/proc/crypto` entry the kernel selected for the bind (read right after it), nil when none matched.
    let entry: CryptoAlgorithmEntry?
    private let transformSocket: LockedValue<AFALGTransformSocket?>
    /// Op sockets of this transform that are open (`OpSocketLease`s alive).
    private let openOpSockets = Atomic<Int>(0)

    /// `socket(AF_ALG)` + `bind(type, algorithm)` through the AF_ALG policy (a 7.3 allowlist refusal is
    /// `.refusedByPolicy`, never "not found"), then the `/proc/crypto` entry the bind selected.
    init(type: AFALGSocketType, algorithm: String) throws(KernelCipherError) {
        let socket = try AFALGTransformSocket.bound(type: type, name: algorithm)
        self.algorithm = algorithm
        self.type = type
        self.transformSocket = LockedValue(socket)
        self.entry = (try? ProcCrypto.read())?.boundEntry(algorithm, type: type)
    }

    /// True when `bind(2)` of `algorithm` as `type` succeeds here (this may autoload kernel modules).
    static func isAvailable(_ algorithm: String, type: AFALGSocketType) -> Bool {
        guard AFALGAvailability.current.isAvailable,
              case .success = AFALGBinding.check(type: type, name: algorithm) else { return false }
        return true
    }

    /// The transform socket, or `.transformReleased`.
    func socket() throws(KernelCipherError) -> AFALGTransformSocket {
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        return tfm
    }

    /// `setsockopt(ALG_SET_KEY)`; `key` is wiped once the kernel holds it (and on failure). EINVAL is
    /// `.invalidKeyLength` naming `keySizes`; EBUSY is retried as `retryingBusy` says.
    func setKey(_ key: SecureBytes, keySizes: [Int]) throws(KernelCipherError) {
        defer { key.wipe() }
        switch try retryingBusy({ tfm in key.withUnsafeBytes { tfm.setKey($0) } }) {
        case .success: return
        case .failure(let errno) where errno == .invalidArgument:
            throw .invalidKeyLength(key.count, allowed: keySizes)
        case .failure(let errno):
            throw .kernel(operation: "setsockopt(ALG_SET_KEY)", errno: errno)
        }
    }

    /// `setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)` (Linux 6.2+): no byte of the key enters this process. Errnos are
    /// mapped by `AFALGTransformSocket.setKey(_:algorithm:keySizes:)`; EBUSY is retried as for bytes.
    func setKey(_ key: KernelKey, keySizes: [Int]) throws(KernelCipherError) {
        var failure: KernelCipherError?
        let result = try retryingBusy { tfm -> Result<Void, Errno> in
            switch tfm.setKey(key, algorithm: algorithm, keySizes: keySizes) {
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
    /// about one second. An EBUSY while one of our op sockets is open (a `HashContext`, a running request) is
    /// returned at once: only the caller can close those.
    func retryingBusy(
        _ attempt: (AFALGTransformSocket) -> Result<Void, Errno>
    ) throws(KernelCipherError) -> Result<Void, Errno> {
        let tfm = try socket()
        var result = attempt(tfm)
        var pause: useconds_t = 50, waited: useconds_t = 0
        while case .failure(.busy) = result, openOpSockets.load(ordering: .acquiring) == 0, waited < 1_000_000 {
            usleep(pause)
            waited += pause
            pause = min(pause * 2, 5_000)
            result = attempt(tfm)
        }
        return result
    }

    /// A new op socket of this transform (`accept(2)`), handed to `make` with the lease that counts it as open
    /// until the lease goes (the slot made keeps both).
    func accept<Slot>(_ make: (consuming AFALGSocket, OpSocketLease) -> Slot) throws(KernelCipherError) -> Slot {
        let tfm = try socket()
        switch tfm.accept() {
        case .success(let op): return make(op, OpSocketLease(self))
        case .failure(let errno): throw .kernel(operation: "accept", errno: errno)
        }
    }

    /// Counts one more open op socket (an `OpSocketLease` was made).
    fileprivate func opened() { openOpSockets.add(1, ordering: .relaxed) }
    /// Counts one op socket closed.
    fileprivate func closed() { openOpSockets.subtract(1, ordering: .releasing) }

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

/// Keeps one op socket counted as open on its engine socket: held by the slot that owns the op socket, so the
/// count drops when the slot (and with it the op socket) goes.
final class OpSocketLease: Sendable {
    private let owner: KernelEngineSocket
    fileprivate init(_ owner: KernelEngineSocket) {
        self.owner = owner
        owner.opened()
    }
    deinit { owner.closed() }

    /// A lease for one more op socket of the same transform (an op socket cloned by `accept(2)` on this one).
    func another() -> OpSocketLease { OpSocketLease(owner) }
}

extension KernelCipherError {
    /// The typed error for a failed op-socket call: ENOKEY (an op socket accepted before any key, the kernel's
    /// accept_nokey) is `.keyNotSet`, anything else `.kernel(operation:errno:)`.
    static func opSocket(_ operation: String, _ errno: Errno) -> KernelCipherError {
        errno == .noKey ? .keyNotSet : .kernel(operation: operation, errno: errno)
    }
}

extension ProcCrypto {
    /// The entry the kernel selected when `algorithm` was bound as `type`: the entry whose driver is `algorithm`
    /// (a bind by driver name), else the highest-priority selectable entry named `algorithm`. Read after `bind`,
    /// which instantiates templates such as `hmac(sha256)`.
    func boundEntry(_ algorithm: String, type: AFALGSocketType) -> CryptoAlgorithmEntry? {
        let matches = entries.filter {
            $0.socketType == type && ($0.name == algorithm || $0.driver == algorithm)
        }
        return matches.first { $0.driver == algorithm }
            ?? ProcCrypto.sortedByPriority(matches.filter(\.isSelectable)).first
    }
}
