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
    let facts: HashProperties
    /// The transform socket, keying and op-socket accounting every kernel engine shares.
    private let handle: KernelEngineSocket

    init(algorithm: String) throws(KernelCipherError) {
        let handle = try KernelEngineSocket(type: .hash, algorithm: algorithm)
        guard let entry = handle.entry, let digestSize = entry.digestSize, digestSize > 0 else {
            throw .algorithmNotFound(algorithm, engine: .kernel)
        }
        let name = entry.name ?? algorithm
        self.handle = handle
        facts = HashProperties(
            digestSize: digestSize, blockSize: entry.blockSize ?? 1, isKeyed: HashProperties.isKeyedName(name),
            keySizes: HashProperties.keySizes(for: name), driver: entry.driver ?? name)
    }

    /// `setsockopt(ALG_SET_KEY)`; the kernel keeps the key, the Swift copy is wiped.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) { try handle.setKey(key, keySizes: facts.keySizes ?? []) }

    /// `setsockopt(ALG_SET_KEY_BY_KEY_SERIAL)`: keys the transform from a keyring key; no byte of it enters this
    /// process.
    func setKey(_ key: KernelKey) throws(KernelCipherError) { try handle.setKey(key, keySizes: facts.keySizes ?? []) }

    /// `accept4` on the transform socket: a fresh op socket. On a keyed algorithm without a key the kernel still
    /// accepts (accept_nokey) and the first send or read fails with ENOKEY, reported as `.keyNotSet`.
    func makeState() throws(KernelCipherError) -> any HashState {
        try handle.accept { socket, lease in KernelHashState(socket, lease: lease, digestSize: facts.digestSize) }
    }

    func release() { handle.release() }
}

/// One algif_hash op socket: a streaming hash state in the kernel.
final class KernelHashState: HashState {
    /// Bytes per `sendmsg` (the kernel maps at most ALG_MAX_PAGES pages per call internally anyway).
    static let chunk = 64 << 10
    private let socket: AFALGSocket
    private let digestSize: Int
    /// Keeps the op socket counted as open on its transform until the state goes (a clone has its own).
    private let lease: OpSocketLease?

    init(_ socket: consuming AFALGSocket, lease: OpSocketLease?, digestSize: Int) {
        self.socket = socket
        self.lease = lease
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
                throw .opSocket("sendmsg", error)
            }
        }
    }

    /// `read(digestSize)`: `crypto_ahash_final` (or init + final when nothing was sent); the op socket is fresh after.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        let count: Int
        do throws(Errno) { count = try socket.receive(into: output) } catch {
            throw .opSocket("read", error)
        }
        guard count == digestSize else { throw .kernel(operation: "read (\(count) of \(digestSize) bytes)", errno: Errno(rawValue: EIO)) }
    }

    /// `accept4` on the op socket: the kernel exports this state and imports it into a new op socket.
    func copy() throws(KernelCipherError) -> any HashState {
        do throws(Errno) { return KernelHashState(try socket.accept(), lease: lease?.another(), digestSize: digestSize) } catch {
            throw .kernel(operation: "accept (clone)", errno: error)
        }
    }
}
