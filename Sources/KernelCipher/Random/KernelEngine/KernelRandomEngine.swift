#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// The kernel random generator: an AF_ALG `rng` transform socket (`algif_rng`) and one op socket it reads from.
///
/// What the kernel does (observed on Debian 6.1, 6.12 and 7.2): a DRBG (`stdrng`, `drbg_*`) reads `EINVAL` until
/// `ALG_SET_KEY` seeds it (`crypto_rng_reset`); any seed length does, the bytes become the DRBG's personalization
/// string and the DRBG takes its entropy from the kernel itself. `ansi_cprng` (seedsize 48) refuses seeds shorter
/// than 32 bytes (key + V; `EINVAL`) and takes a 48-byte seed's last 16 as its DT. `jitterentropy_rng` needs no
/// seed. So the engine seeds once when made, with `seedsize` bytes from `getrandom(2)` (none when `seedsize` is
/// 0), as `crypto_get_default_rng` does inside the kernel. 7.2 and later bind only `jitterentropy_rng`.
/// One `read(2)` returns at most 128 bytes (algif_rng's `MAXSIZE`): larger fills loop. `ALG_SET_KEY` fails with
/// `EBUSY` while an op socket is open, so a re-seed closes the op socket first; calls are serialized by one lock
/// (the kernel DRBG serializes on its own mutex anyway).
final class KernelRandomEngine: RandomEngine {
    /// Bytes one `read(2)` of an algif_rng op socket returns at most (`MAXSIZE` in crypto/algif_rng.c).
    static let maximumRead = 128

    let kind = EngineKind.kernel
    let driver: String
    let seedSize: Int
    private let algorithm: String
    /// The transform socket every kernel engine shares (bind, accept, release).
    private let handle: KernelEngineSocket
    /// The op socket reads go through (made on first use, closed before a re-seed); nil once released.
    private let state: LockedValue<State>
    private struct State { var released = false; var op: RandomOpSocket? }

    /// `socket` + `bind(rng, algorithm)`, then the first seeding (see the type's note).
    init(algorithm: String) throws(KernelCipherError) {
        let handle = try KernelEngineSocket(type: .rng, algorithm: algorithm)
        let entry = handle.entry
        self.handle = handle
        self.algorithm = algorithm
        self.driver = entry?.driver ?? algorithm
        self.seedSize = entry?.seedSize ?? 0
        self.state = LockedValue(State())
        var initial = [UInt8](repeating: 0, count: seedSize)
        defer { initial.withUnsafeMutableBytes { cleanse($0) } }
        let seeded = initial.withUnsafeMutableBytes { bytes in
            Result { () throws(KernelCipherError) in
                try Self.systemRandom(bytes)
                try self.seed(UnsafeRawBufferPointer(bytes))
            }
        }
        try seeded.get()
    }

    /// `setsockopt(tfm, SOL_ALG, ALG_SET_KEY, seed, len)` (`crypto_rng_reset`), after closing the op socket.
    func seed(_ seed: UnsafeRawBufferPointer) throws(KernelCipherError) {
        try state.withLock { (s) throws(KernelCipherError) in
            if s.released { throw .transformReleased }
            let transform = try handle.socket()
            s.op = nil  // ALG_SET_KEY is EBUSY while an op socket of the transform is open
            // A zero-length seed still needs a non-NULL pointer for a uniform call; nothing is read from it.
            var none: UInt8 = 0
            let result = seed.count > 0
                ? transform.setKey(seed)
                : withUnsafeBytes(of: &none) { transform.setKey(UnsafeRawBufferPointer(rebasing: $0[0..<0])) }
            switch result {
            case .success: return
            case .failure(let errno) where errno == .invalidArgument:
                throw .keyRejected(reason: "\(algorithm) refused a seed of \(seed.count) bytes"
                    + (seedSize > 0 ? " (its seedsize is \(seedSize))" : ""))
            case .failure(let errno): throw .kernel(operation: "setsockopt(ALG_SET_KEY)", errno: errno)
            }
        }
    }

    /// `setsockopt(tfm, SOL_ALG, ALG_SET_DRBG_ENTROPY, entropy, len)`: only kernels built with
    /// `CONFIG_CRYPTO_USER_API_RNG_CAVP` know it (`ENOPROTOOPT` elsewhere, e.g. Debian's), and only for
    /// `CAP_SYS_ADMIN`; the entropy is used by the next `seed`.
    func setEntropy(_ entropy: UnsafeRawBufferPointer) throws(KernelCipherError) {
        try state.withLock { (s) throws(KernelCipherError) in
            if s.released { throw .transformReleased }
            let transform = try handle.socket()
            s.op = nil
            if case .failure(let errno) = transform.setOption(.drbgEntropy, value: entropy) {
                throw .kernel(operation: "setsockopt(ALG_SET_DRBG_ENTROPY)", errno: errno)
            }
        }
    }

    /// `read(op, buffer, ≤ 128)` until `buffer` is full, on the transform's op socket (`accept(2)`ed on first use).
    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        try state.withLock { (s) throws(KernelCipherError) in
            if s.released { throw .transformReleased }
            let op: RandomOpSocket
            if let existing = s.op {
                op = existing
            } else {
                op = try handle.accept { socket, lease in RandomOpSocket(socket, lease: lease) }
                s.op = op
            }
            var offset = 0
            while offset < buffer.count {
                let part = UnsafeMutableRawBufferPointer(
                    rebasing: buffer[offset..<(offset + min(Self.maximumRead, buffer.count - offset))])
                let got: Int
                do throws(Errno) { got = try op.socket.receive(into: part) } catch {
                    throw error == .invalidArgument ? .keyNotSet : .kernel(operation: "read", errno: error)
                }
                if got <= 0 { throw .kernel(operation: "read", errno: .invalidArgument) }
                offset += got
            }
        }
    }

    /// Closes the op socket and drops the transform socket; waits for a fill in progress.
    func release() {
        let closing = state.withLock { s -> RandomOpSocket? in
            defer { s.released = true; s.op = nil }
            return s.op
        }
        handle.release()
        _ = closing  // closed here, outside the lock
    }

    /// `getrandom(buffer, len, 0)` until full, EINTR retried: seed bytes from the kernel's pool.
    static func systemRandom(_ buffer: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let result = valueOrErrno(retryOnInterrupt: true) { getrandom(base + offset, buffer.count - offset, 0) }
            switch result {
            case .success(let n): offset += n
            case .failure(let errno): throw .kernel(operation: "getrandom", errno: errno)
            }
        }
    }
}

/// An algif_rng op socket, owned (closed when the last reference goes).
final class RandomOpSocket: Sendable {
    let socket: AFALGSocket
    /// Keeps the op socket counted as open on its transform.
    private let lease: OpSocketLease
    /// Takes ownership of `socket`.
    init(_ socket: consuming AFALGSocket, lease: OpSocketLease) {
        self.socket = socket
        self.lease = lease
    }
}
