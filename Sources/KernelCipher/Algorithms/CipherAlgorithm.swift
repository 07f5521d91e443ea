/// What the library knows about one kernel symmetric cipher (`skcipher`) by name, whichever engine runs it:
/// key and IV sizes and layouts, the block rule, how a stream continues across requests, and the OpenSSL cipher
/// that gives the same bytes. Facts come from one table (the algorithm catalog); the kernel engine, the software
/// engine and `Transform.ivChaining` all read it.
///
/// ```swift
/// let cbc = CipherAlgorithm(named: "cbc(aes)")!   // keySizes [16, 24, 32], ivSize 16, .lastCiphertextBlock
/// ```
public struct CipherAlgorithm: Sendable, Hashable {
    /// The parsed kernel name, e.g. `rfc3686(ctr(aes))`.
    public let name: AlgorithmName
    /// The AF_ALG socket type the algorithm binds as (`skcipher` for every entry today).
    public let family: AFALGSocketType
    /// Every key length the kernel accepts (`crypto_skcipher_setkey`), ascending, including layout bytes.
    public let keySizes: [Int]
    /// How those key bytes are laid out.
    public let keyLayout: KeyLayout
    /// Bytes of IV per request (`crypto_skcipher_ivsize`).
    public let ivSize: Int
    /// What the IV bytes mean.
    public let ivLayout: IVLayout
    /// `crypto_skcipher_blocksize`: the cipher's block for block modes, 1 for stream modes (ctr, chacha20).
    public let blockSize: Int
    /// How a message split into several requests continues (the next request's IV).
    public let ivChaining: IVChaining
    /// Inputs must be a whole number of blocks (ecb, cbc).
    public let requiresBlockMultiple: Bool
    /// Smallest accepted input in bytes (one block for xts and cts, else 0).
    public let minimumInput: Int

    /// AF_ALG continues the IV across the `sendmsg(MSG_MORE)` rounds of one request (ecb, cbc, ctr), so the
    /// kernel engine may split a request; otherwise a request must fit one round.
    let kernelContinuesAcrossRounds: Bool
    /// How the software engine maps this algorithm onto OpenSSL EVP, or nil when it does not.
    let openSSL: OpenSSLMapping?

    /// Every algorithm in the catalog, in table order.
    public static var all: [CipherAlgorithm] { AlgorithmCatalog.all }

    /// The OpenSSL EVP cipher name (`EVP_CIPHER_fetch`) that gives this algorithm's bytes for a key of
    /// `keyLength` bytes as the kernel takes it (e.g. 20 → `AES-128-CTR` for `rfc3686(ctr(aes))`), or nil when the
    /// length is not one of `keySizes` or no OpenSSL cipher corresponds. Whether the installed OpenSSL provides it
    /// is a separate question (`Transform.isAvailable(_:engine: .software)`).
    public func openSSLName(keyLength: Int) -> String? {
        guard keySizes.contains(keyLength), let openSSL else { return nil }
        return openSSL.name(cipherKeyLength: keyLayout.cipherKeyLength(keyLength))
    }
}

extension CipherAlgorithm {
    /// The catalog entry for a kernel algorithm name (`cbc(aes)`), or nil when the name is malformed or not in
    /// the catalog (driver names such as `cbc-aes-aesni` are not; look the algorithm name up instead).
    public init?(named name: String) {
        guard let parsed = AlgorithmName(name), let entry = AlgorithmCatalog.entry(for: parsed) else { return nil }
        self = entry
    }
}

/// How the key bytes given to `setKey` are laid out.
public enum KeyLayout: Sendable, Hashable {
    /// One key of the cipher.
    case single
    /// xts: the data key followed by the tweak key, both of one cipher key length (twice the cipher's sizes).
    case xtsKeyPair
    /// rfc3686: the cipher key followed by a nonce of `nonceSize` (4) bytes, the counter block's first bytes.
    case keyThenNonce(nonceSize: Int)

    /// The key lengths the kernel takes for a cipher that takes `cipherSizes`.
    func kernelSizes(_ cipherSizes: [Int]) -> [Int] {
        switch self {
        case .single: cipherSizes
        case .xtsKeyPair: cipherSizes.map { $0 * 2 }
        case .keyThenNonce(let nonce): cipherSizes.map { $0 + nonce }
        }
    }

    /// The bytes of a kernel key of `keyLength` that OpenSSL takes as its key (rfc3686 drops the nonce).
    func cipherKeyLength(_ keyLength: Int) -> Int {
        switch self {
        case .single, .xtsKeyPair: keyLength
        case .keyThenNonce(let nonce): keyLength - nonce
        }
    }
}

/// What a request's IV bytes mean.
public enum IVLayout: Sendable, Hashable {
    /// No IV (ecb).
    case none
    /// One block XORed into the first block (cbc, and cts over cbc).
    case chainingBlock
    /// The whole counter block, a big-endian integer incremented per cipher block (ctr).
    case counterBlock
    /// The tweak (sector number) that xts encrypts with its second key.
    case tweak
    /// rfc3686: 8 bytes per request; the counter block is the key's nonce ‖ these 8 bytes ‖ 00000001 (big endian).
    case rfc3686
    /// chacha20: a 32-bit little-endian block counter ‖ a 96-bit nonce (16 bytes).
    case chacha20
    /// xchacha: a 192-bit nonce ‖ a 64-bit little-endian stream position (32 bytes).
    case xchacha
}
