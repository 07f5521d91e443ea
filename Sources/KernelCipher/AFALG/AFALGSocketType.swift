/// The `salg_type` an AF_ALG socket is bound with (`struct sockaddr_alg`, `<linux/if_alg.h>`).
public enum AFALGSocketType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// `algif_skcipher`: symmetric ciphers (`/proc/crypto` types `skcipher` and `lskcipher`).
    case skcipher
    /// `algif_aead`: authenticated encryption (`/proc/crypto` type `aead`).
    case aead
    /// `algif_hash`: digests and MACs (`/proc/crypto` types `shash` and `ahash`).
    case hash
    /// `algif_rng`: random number generators (`/proc/crypto` type `rng`).
    case rng

    /// Maps a `/proc/crypto` `type` value to the AF_ALG socket type that can bind it, or nil when AF_ALG
    /// cannot bind that type (`cipher`, `akcipher`, `kpp`, `sig`, `scomp`, `acomp`, `compression`, `larval`, …).
    public init?(procCryptoType type: String) {
        switch type {
        case "skcipher", "lskcipher": self = .skcipher
        case "aead": self = .aead
        case "shash", "ahash": self = .hash
        case "rng": self = .rng
        default: return nil
        }
    }

    /// The `salg_type` string, e.g. `skcipher`.
    public var description: String { rawValue }
}
