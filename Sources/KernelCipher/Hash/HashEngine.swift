/// Static facts about a hash or MAC algorithm as one engine provides it.
public struct HashProperties: Sendable, Hashable {
    /// Digest (or MAC) length in bytes (`crypto_ahash_digestsize`).
    public internal(set) var digestSize: Int
    /// The algorithm's block size (`crypto_ahash_blocksize`).
    public internal(set) var blockSize: Int
    /// Whether a key must be set before use (hmac, cmac).
    public internal(set) var isKeyed: Bool
    /// Accepted key lengths, or nil when this library does not restrict the length (hmac takes any): the same rule as
    /// every family's.
    public internal(set) var keySizes: [Int]?
    /// The implementation bound: a kernel driver (`sha256-avx2`) or `openssl:<name>`.
    public internal(set) var driver: String

    /// Whether `name` is a keyed (MAC) algorithm: the kernel templates that need `crypto_ahash_setkey`.
    static func isKeyedName(_ name: String) -> Bool {
        ["hmac(", "cmac(", "xcbc(", "cbcmac(", "vmac(", "vmac64("].contains { name.hasPrefix($0) }
    }

    /// Key lengths for `name`: AES's three for cmac/xcbc/cbcmac of aes, nil (any) otherwise.
    static func keySizes(for name: String) -> [Int]? {
        ["cmac(aes)", "xcbc(aes)", "cbcmac(aes)"].contains(name) ? [16, 24, 32] : nil
    }
}

/// The engine side of a `HashTransform`: one (keyed) algorithm instance handing out streaming states.
/// Implementations are thread-safe.
protocol HashEngine: Engine {
    /// The algorithm's facts.
    var facts: HashProperties { get }
    /// A fresh streaming state under the current key (`crypto_ahash_init`).
    func makeState() throws(KernelCipherError) -> any HashState
}

extension HashEngine {
    /// The implementation bound (`facts.driver`).
    var driver: String { facts.driver }
}

/// One streaming hash state (an AF_ALG op socket, an EVP_MD_CTX / EVP_MAC_CTX). Used by one thread at a time.
protocol HashState: AnyObject {
    /// Feeds bytes (`crypto_ahash_update`).
    func update(_ data: UnsafeRawBufferPointer) throws(KernelCipherError)
    /// Writes the digest into `output` (`crypto_ahash_final`; `output.count == digestSize`) and resets the state
    /// to a fresh one under the same key.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError)
    /// An independent state with the same partial input (`crypto_ahash_export` + `crypto_ahash_import`).
    func copy() throws(KernelCipherError) -> any HashState
    /// One whole digest on a fresh state (`crypto_ahash_digest`); a default runs `update` then `finish`.
    func digest(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError)
}

extension HashState {
    /// `update` over the whole input, then `finish`: one digest on a fresh state.
    func digest(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        try update(input)
        try finish(into: output)
    }
}
