#if CryptoInterop
// swift-crypto `HashFunction` conformances for this library's engines (trait CryptoInterop): generic code over
// `HashFunction` (swift-crypto's `HMAC<H>`, `HKDF<H>`, an app's `func fingerprint<H: HashFunction>`) runs on them.
public import Crypto
import Synchronization

/// A hash algorithm and the engine that computes it, for `EngineHash` (swift-crypto's `HashFunction`).
public protocol EngineHashAlgorithm: Sendable {
    /// The kernel algorithm name (`sha256`).
    static var algorithm: String { get }
    /// The engine that computes it.
    static var engine: EnginePreference { get }
    /// Digest length in bytes.
    static var byteCount: Int { get }
    /// Block length in bytes (what `HMAC<H>` pads keys to).
    static var blockByteCount: Int { get }
}

/// A swift-crypto `HashFunction` computed by this library's engines: one shared `HashTransform` per algorithm and
/// engine, one `HashContext` per hasher (value semantics: a copy clones the partial state).
///
/// `HashFunction`'s calls cannot throw, so an engine failure traps with the typed error's text: a `Kernel…` type
/// where AF_ALG does not serve the algorithm (check `EngineHash.check()` first, or use the `Auto…` types, which
/// fall back to OpenSSL), or the process out of descriptors.
public struct EngineHash<Algorithm: EngineHashAlgorithm>: HashFunction {
    /// The algorithm's block length in bytes.
    public static var blockByteCount: Int { Algorithm.blockByteCount }
    /// The digest type.
    public typealias Digest = EngineDigest<Algorithm>

    private var context: HashContext

    /// A hasher over the algorithm's shared transform.
    public init() {
        do {
            context = try EngineHashTransforms.transform(Algorithm.self).makeContext()
        } catch {
            preconditionFailure("\(Algorithm.algorithm) on the \(Algorithm.engine) engine: \(error)")
        }
    }

    /// Throws the typed error `init()` would trap on (no engine serves the algorithm here).
    public static func check() throws(KernelCipherError) {
        _ = try EngineHashTransforms.transform(Algorithm.self)
    }

    /// Feeds bytes to the hash.
    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        do { try context.update(bufferPointer: bufferPointer) } catch {
            preconditionFailure("\(Algorithm.algorithm) update: \(error)")
        }
    }

    /// The digest of everything fed so far (the hasher stays usable).
    public func finalize() -> Digest {
        do { return Digest(bytes: try context.finalize()) } catch {
            preconditionFailure("\(Algorithm.algorithm) finalize: \(error)")
        }
    }
}

/// The digest an `EngineHash` returns: swift-crypto's `Digest` (constant-time `==`, hex `description`).
public struct EngineDigest<Algorithm: EngineHashAlgorithm>: Crypto.Digest {
    private let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Digest length in bytes.
    public static var byteCount: Int { Algorithm.byteCount }

    /// Calls `body` with the digest's bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    /// Compares in constant time (`CRYPTO_memcmp`).
    public static func == (lhs: Self, rhs: Self) -> Bool { ConstantTime.equals(lhs.bytes, rhs.bytes) }

    /// Hashes the digest's bytes.
    public func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

/// The transforms `EngineHash` hashers share, one per algorithm and engine, made on first use.
enum EngineHashTransforms {
    private static let shared = LockedValue<[String: HashTransform]>([:])

    static func transform<A: EngineHashAlgorithm>(_: A.Type) throws(KernelCipherError) -> HashTransform {
        let key = "\(A.engine.rawValue):\(A.algorithm)"
        if let existing = shared.withLock({ $0[key] }) { return existing }
        let made = try HashTransform(A.algorithm, engine: A.engine)
        return shared.withLock { table in
            if let existing = table[key] { return existing }
            table[key] = made
            return made
        }
    }
}

/// The algorithms behind the `KernelSHA256` … `AutoSHA512` hash functions.
public enum EngineHashAlgorithms {
    /// `sha256` on the kernel engine only (AF_ALG `algif_hash`).
    public enum KernelSHA256: EngineHashAlgorithm {
        /// `sha256`.
        public static let algorithm = "sha256"
        /// `.kernel`.
        public static let engine = EnginePreference.kernel
        /// 32 bytes.
        public static let byteCount = 32
        /// 64 bytes.
        public static let blockByteCount = 64
    }
    /// `sha384` on the kernel engine only (AF_ALG `algif_hash`).
    public enum KernelSHA384: EngineHashAlgorithm {
        /// `sha384`.
        public static let algorithm = "sha384"
        /// `.kernel`.
        public static let engine = EnginePreference.kernel
        /// 48 bytes.
        public static let byteCount = 48
        /// 128 bytes.
        public static let blockByteCount = 128
    }
    /// `sha512` on the kernel engine only (AF_ALG `algif_hash`).
    public enum KernelSHA512: EngineHashAlgorithm {
        /// `sha512`.
        public static let algorithm = "sha512"
        /// `.kernel`.
        public static let engine = EnginePreference.kernel
        /// 64 bytes.
        public static let byteCount = 64
        /// 128 bytes.
        public static let blockByteCount = 128
    }
    /// `sha256` on the software engine (OpenSSL EVP).
    public enum SoftwareSHA256: EngineHashAlgorithm {
        /// `sha256`.
        public static let algorithm = "sha256"
        /// `.software`.
        public static let engine = EnginePreference.software
        /// 32 bytes.
        public static let byteCount = 32
        /// 64 bytes.
        public static let blockByteCount = 64
    }
    /// `sha384` on the software engine (OpenSSL EVP).
    public enum SoftwareSHA384: EngineHashAlgorithm {
        /// `sha384`.
        public static let algorithm = "sha384"
        /// `.software`.
        public static let engine = EnginePreference.software
        /// 48 bytes.
        public static let byteCount = 48
        /// 128 bytes.
        public static let blockByteCount = 128
    }
    /// `sha512` on the software engine (OpenSSL EVP).
    public enum SoftwareSHA512: EngineHashAlgorithm {
        /// `sha512`.
        public static let algorithm = "sha512"
        /// `.software`.
        public static let engine = EnginePreference.software
        /// 64 bytes.
        public static let byteCount = 64
        /// 128 bytes.
        public static let blockByteCount = 128
    }
    /// `sha256` on `.automatic`: the kernel where it binds here, else OpenSSL.
    public enum AutoSHA256: EngineHashAlgorithm {
        /// `sha256`.
        public static let algorithm = "sha256"
        /// `.automatic`.
        public static let engine = EnginePreference.automatic
        /// 32 bytes.
        public static let byteCount = 32
        /// 64 bytes.
        public static let blockByteCount = 64
    }
    /// `sha384` on `.automatic`: the kernel where it binds here, else OpenSSL.
    public enum AutoSHA384: EngineHashAlgorithm {
        /// `sha384`.
        public static let algorithm = "sha384"
        /// `.automatic`.
        public static let engine = EnginePreference.automatic
        /// 48 bytes.
        public static let byteCount = 48
        /// 128 bytes.
        public static let blockByteCount = 128
    }
    /// `sha512` on `.automatic`: the kernel where it binds here, else OpenSSL.
    public enum AutoSHA512: EngineHashAlgorithm {
        /// `sha512`.
        public static let algorithm = "sha512"
        /// `.automatic`.
        public static let engine = EnginePreference.automatic
        /// 64 bytes.
        public static let byteCount = 64
        /// 128 bytes.
        public static let blockByteCount = 128
    }
}

/// swift-crypto's `SHA256` computed by the kernel engine only (AF_ALG `algif_hash`).
public typealias KernelSHA256 = EngineHash<EngineHashAlgorithms.KernelSHA256>
/// swift-crypto's `SHA384` computed by the kernel engine only (AF_ALG `algif_hash`).
public typealias KernelSHA384 = EngineHash<EngineHashAlgorithms.KernelSHA384>
/// swift-crypto's `SHA512` computed by the kernel engine only (AF_ALG `algif_hash`).
public typealias KernelSHA512 = EngineHash<EngineHashAlgorithms.KernelSHA512>
/// swift-crypto's `SHA256` computed by the software engine (OpenSSL EVP).
public typealias SoftwareSHA256 = EngineHash<EngineHashAlgorithms.SoftwareSHA256>
/// swift-crypto's `SHA384` computed by the software engine (OpenSSL EVP).
public typealias SoftwareSHA384 = EngineHash<EngineHashAlgorithms.SoftwareSHA384>
/// swift-crypto's `SHA512` computed by the software engine (OpenSSL EVP).
public typealias SoftwareSHA512 = EngineHash<EngineHashAlgorithms.SoftwareSHA512>
/// swift-crypto's `SHA256` computed by `.automatic`: the kernel where it binds here, else OpenSSL.
public typealias AutoSHA256 = EngineHash<EngineHashAlgorithms.AutoSHA256>
/// swift-crypto's `SHA384` computed by `.automatic`: the kernel where it binds here, else OpenSSL.
public typealias AutoSHA384 = EngineHash<EngineHashAlgorithms.AutoSHA384>
/// swift-crypto's `SHA512` computed by `.automatic`: the kernel where it binds here, else OpenSSL.
public typealias AutoSHA512 = EngineHash<EngineHashAlgorithms.AutoSHA512>
#endif
