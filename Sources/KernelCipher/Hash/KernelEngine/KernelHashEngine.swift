#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel engine for hashes and MACs: an AF_ALG `hash` transform socket (bind + setkey) and one op socket
/// per streaming state (algif_hash). `sendmsg(MSG_MORE)` per update, `read(digestSize)` finalizes (a read with
/// nothing sent hashes the empty message), `accept()` on an op socket clones its partial state.
final class KernelHashEngine: HashEngine {
    let kind = EngineKind.kernel
    let facts: HashFacts
    /// The transform socket; nil once released.
    private let transformSocket: LockedValue<AFALGTransformSocket?>

    init(algorithm: String) throws(KernelCipherError) {
        let socket = try AFALGTransformSocket.bound(type: .hash, name: algorithm)
        guard let entry = Self.lookup(algorithm), let digestSize = entry.digestSize, digestSize > 0 else {
            throw .algorithmNotFound(algorithm, engine: .kernel)
        }
        let name = entry.name ?? algorithm
        transformSocket = LockedValue(socket)
        facts = HashFacts(
            digestSize: digestSize, blockSize: entry.blockSize ?? 1, isKeyed: HashFacts.isKeyedName(name),
            keySizes: HashFacts.keySizes(for: name), driver: entry.driver ?? name)
    }

    /// The highest-priority selectable hash entry in /proc/crypto named `algorithm` (or its driver), read after
    /// `bind`, which instantiates templates such as `hmac(sha256)`.
    private static func lookup(_ algorithm: String) -> CryptoAlgorithmEntry? {
        guard let table = try? ProcCrypto.read() else { return nil }
        let matches = table.entries.filter {
            $0.socketType == .hash && ($0.name == algorithm || $0.driver == algorithm)
                && ($0.isSelectable || $0.driver == algorithm)
        }
        return matches.first { $0.driver == algorithm } ?? ProcCrypto.sortedByPriority(matches).first
    }

    /// True when `bind(2)` of this hash name succeeds here (this may autoload kernel modules).
    static func isAvailable(_ algorithm: String) -> Bool {
        guard AFALGAvailability.current.isAvailable,
              case .success = AFALGBinding.check(type: .hash, name: algorithm) else { return false }
        return true
    }

    /// `setsockopt(ALG_SET_KEY)`; the kernel keeps the key, the Swift copy is wiped.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) {
        defer { key.wipe() }
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        switch key.withUnsafeBytes({ tfm.setKey($0) }) {
        case .success: return
        case .failure(let errno) where errno == .invalidArgument:
            throw .invalidKeyLength(key.count, allowed: facts.keySizes ?? [])
        case .failure(let errno):
            throw .kernel(operation: "setsockopt(ALG_SET_KEY)", errno: errno)
        }
    }

    /// `setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`: keys the transform from a keyring key; no byte of it enters this
    /// process (errnos mapped by `AFALGTransformSocket.setKey(_:algorithm:keySizes:)`).
    func setKey(_ key: KernelKey, algorithm: String) throws(KernelCipherError) {
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        try tfm.setKey(key, algorithm: algorithm, keySizes: facts.keySizes ?? []).get()
    }

    /// `accept4` on the transform socket: a fresh op socket. On a keyed algorithm without a key the kernel still
    /// accepts (accept_nokey) and the first send or read fails with ENOKEY, reported as `.keyNotSet`.
    func makeState() throws(KernelCipherError) -> any HashState {
        guard let tfm = transformSocket.withLock({ $0 }) else { throw .transformReleased }
        switch tfm.accept() {
        case .success(let socket): return KernelHashState(socket, digestSize: facts.digestSize)
        case .failure(let errno): throw .kernel(operation: "accept", errno: errno)
        }
    }

    func release() { transformSocket.withLock { $0 = nil } }
}

/// One algif_hash op socket: a streaming hash state in the kernel.
final class KernelHashState: HashState {
    /// Bytes per `sendmsg` (the kernel maps at most ALG_MAX_PAGES pages per call internally anyway).
    static let chunk = 64 << 10
    private let socket: AFALGSocket
    private let digestSize: Int

    init(_ socket: consuming AFALGSocket, digestSize: Int) {
        self.socket = socket
        self.digestSize = digestSize
    }

    /// `sendmsg(MSG_MORE)` in chunks of at most 64 KiB, partial sends resumed.
    func update(_ data: UnsafeRawBufferPointer) throws(KernelCipherError) {
        try send(data, last: false)
    }

    /// A one-shot digest: the last chunk goes without MSG_MORE, so the kernel finishes the hash inside that
    /// `sendmsg` (`crypto_ahash_finup`, as a raw AF_ALG loop does: about 960 guest instructions per message fewer
    /// than an update followed by a final in `read`), and `read` only copies the digest out. An empty input is a
    /// `read` alone (init + final).
    func digest(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        try send(input, last: true)
        try finish(into: output)
    }

    /// `sendmsg` in chunks of at most 64 KiB, partial sends resumed; all with MSG_MORE unless `last`, when the final
    /// chunk goes without it.
    private func send(_ data: UnsafeRawBufferPointer, last: Bool) throws(KernelCipherError) {
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + Self.chunk)
            do throws(Errno) {
                offset += try socket.send(UnsafeRawBufferPointer(rebasing: data[offset..<end]), control: nil,
                                          more: !last || end < data.count)
            } catch {
                // An op socket accepted before any key (the kernel's accept_nokey) refuses data with ENOKEY.
                throw error.rawValue == ENOKEY ? .keyNotSet : .kernel(operation: "sendmsg", errno: error)
            }
        }
    }

    /// `read(digestSize)`: `crypto_ahash_final` (or init + final when nothing was sent); the op socket is fresh after.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        let count: Int
        do throws(Errno) { count = try socket.receive(into: output) } catch {
            throw error.rawValue == ENOKEY ? .keyNotSet : .kernel(operation: "read", errno: error)
        }
        guard count == digestSize else { throw .kernel(operation: "read (\(count) of \(digestSize) bytes)", errno: Errno(rawValue: EIO)) }
    }

    /// `accept4` on the op socket: the kernel exports this state and imports it into a new op socket.
    func copy() throws(KernelCipherError) -> any HashState {
        do throws(Errno) { return KernelHashState(try socket.accept(), digestSize: digestSize) } catch {
            throw .kernel(operation: "accept (clone)", errno: error)
        }
    }
}
