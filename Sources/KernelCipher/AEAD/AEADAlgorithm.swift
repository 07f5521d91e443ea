/// What the project knows about an AEAD algorithm name: key, IV and tag layouts as the kernel defines them
/// (crypto/gcm.c, crypto/ccm.c, crypto/chacha20poly1305.c), and the EVP cipher that gives the same bytes.
struct AEADAlgorithm: Sendable, Hashable {
    /// The construction underneath.
    enum Mode: Sendable, Hashable { case gcm, ccm, chacha20Poly1305 }

    /// The kernel name, e.g. `rfc4106(gcm(aes))`.
    let name: String
    let mode: Mode
    /// Accepted key lengths, salt included (`rfc4106`: AES key ‖ 4-byte salt).
    let keySizes: [Int]
    /// Salt bytes at the key's tail (rfc4106/rfc7539esp 4, rfc4309 3, otherwise 0).
    let saltSize: Int
    /// Bytes of IV per request (`crypto_aead_ivsize`).
    let ivSize: Int
    /// Accepted tag sizes (`crypto_aead_setauthsize`), ascending; the largest is the default.
    let tagSizes: [Int]
    /// The IPsec ESP forms (rfc4106, rfc4309, rfc7539esp): the kernel takes the IV again at the end of the
    /// associated data and does not authenticate those 8 bytes; the transform appends it itself.
    let ivInAssociatedData: Bool
    /// Associated-data lengths the kernel accepts (rfc4106/rfc4309: `crypto_ipsec_check_assoclen`, 16 or 20 with
    /// the IV, so 8 or 12 without); nil when any length is accepted.
    let associatedDataSizes: [Int]?

    /// The largest tag size.
    var maximumTagSize: Int { tagSizes.last ?? 0 }

    /// Plain `ccm(aes)`: its 16-byte IV starts with L − 1, then the nonce (the ESP form takes a salt and an 8-byte IV).
    var ivCarriesLength: Bool { mode == .ccm && saltSize == 0 }

    /// The EVP cipher for a key of `keyLength` bytes (salt included).
    func evpName(keyLength: Int) -> String {
        switch mode {
        case .gcm: return "AES-\((keyLength - saltSize) * 8)-GCM"
        case .ccm: return "AES-\((keyLength - saltSize) * 8)-CCM"
        case .chacha20Poly1305: return "ChaCha20-Poly1305"
        }
    }

    /// The algorithms with a known layout (both engines), by kernel name.
    static let known: [String: AEADAlgorithm] = {
        let aes = [16, 24, 32]
        let list = [
            AEADAlgorithm(name: "gcm(aes)", mode: .gcm, keySizes: aes, saltSize: 0, ivSize: 12,
                          tagSizes: [4, 8, 12, 13, 14, 15, 16], ivInAssociatedData: false, associatedDataSizes: nil),
            AEADAlgorithm(name: "rfc4106(gcm(aes))", mode: .gcm, keySizes: aes.map { $0 + 4 }, saltSize: 4, ivSize: 8,
                          tagSizes: [8, 12, 16], ivInAssociatedData: true, associatedDataSizes: [8, 12]),
            AEADAlgorithm(name: "ccm(aes)", mode: .ccm, keySizes: aes, saltSize: 0, ivSize: 16,
                          tagSizes: [4, 6, 8, 10, 12, 14, 16], ivInAssociatedData: false, associatedDataSizes: nil),
            AEADAlgorithm(name: "rfc4309(ccm(aes))", mode: .ccm, keySizes: aes.map { $0 + 3 }, saltSize: 3, ivSize: 8,
                          tagSizes: [8, 12, 16], ivInAssociatedData: true, associatedDataSizes: [8, 12]),
            AEADAlgorithm(name: "rfc7539(chacha20,poly1305)", mode: .chacha20Poly1305, keySizes: [32], saltSize: 0,
                          ivSize: 12, tagSizes: [16], ivInAssociatedData: false, associatedDataSizes: nil),
            AEADAlgorithm(name: "rfc7539esp(chacha20,poly1305)", mode: .chacha20Poly1305, keySizes: [36], saltSize: 4,
                          ivSize: 8, tagSizes: [16], ivInAssociatedData: true, associatedDataSizes: nil),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()

    /// The layout for a kernel name, or nil when the project does not know it (the kernel engine may still bind it).
    static func lookup(_ name: String) -> AEADAlgorithm? { known[name] }

    /// The CCM length-field size L for a 16-byte ccm IV (`iv[0] = L - 1`, 2…8), or nil when the flag byte is
    /// outside 1…7 (the kernel's `crypto_ccm_check_iv` refuses it with EINVAL).
    static func ccmLengthFieldSize(_ iv: UnsafeRawBufferPointer) -> Int? {
        guard let flag = iv.first, (1...7).contains(flag) else { return nil }
        return Int(flag) + 1
    }
}

/// The facts of an AEAD transform as its engine provides them.
public struct AEADProperties: Sendable, Hashable {
    /// The resolved algorithm name (`/proc/crypto` name on the kernel engine).
    public let name: String
    /// Bytes of IV per request (`crypto_aead_ivsize`).
    public let ivSize: Int
    /// The tag size requests use (`crypto_aead_authsize`).
    public let tagSize: Int
    /// The largest tag the algorithm produces (`maxauthsize`).
    public let maximumTagSize: Int
    /// Every tag size the algorithm accepts, ascending (what `AEADTransform(_:tagSize:)` may ask for).
    public let tagSizes: [Int]
    /// Accepted key lengths (salt included for the ESP forms), or nil when this library does not restrict the length:
    /// a name without a known layout, whose length only the kernel's setkey checks. The same rule as every family's.
    public let keySizes: [Int]?
    /// The kernel driver or `openssl:<cipher>` (the cipher for the key set last).
    public internal(set) var driver: String
    /// The known layout, nil for a kernel-only name.
    let layout: AEADAlgorithm?
}
