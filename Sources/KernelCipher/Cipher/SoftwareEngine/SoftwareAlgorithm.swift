internal import CLibCrypto

/// How a kernel algorithm name maps onto an OpenSSL EVP cipher (names and layouts as the kernel has them).
struct SoftwareAlgorithm: Sendable {
    /// Key-and-IV layout differences between the kernel name and the EVP cipher.
    enum Layout: Sendable {
        /// Key and IV pass through unchanged.
        case direct
        /// rfc3686(ctr(aes)): key = AES key ‖ 4-byte nonce; IV (8 bytes) → nonce ‖ IV ‖ 0x00000001.
        case rfc3686
        /// chacha20: IV = 32-bit block counter (little endian) ‖ 96-bit nonce; the counter wraps to 0 and the nonce
        /// stays (the kernel's rule; OpenSSL alone would carry into the nonce).
        case chacha20
    }

    let name: String
    let keySizes: [Int]
    let ivSize: Int
    let blockSize: Int
    let requiresBlockMultiple: Bool
    let minimumInput: Int
    let layout: Layout
    /// The whole message must go through one `EVP_CipherUpdate` (xts, cts).
    let singleShot: Bool
    /// OpenSSL parameter: CTS variant (the kernel's cts is CBC-CS3).
    let ctsMode: StaticString?
    /// Largest input per request, with the reason (OpenSSL XTS refuses data units over 2^20 blocks).
    let maximumInput: (limit: Int, reason: String)?
    /// The EVP cipher name for a key length (after layout conversion).
    let evpName: @Sendable (Int) -> String

    /// The table of kernel names this engine understands, or nil.
    static func lookup(_ name: String) -> SoftwareAlgorithm? {
        let trimmed = name
        if let special = special[trimmed] { return special }
        guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else { return nil }
        let mode = String(trimmed[..<open])
        let inner = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        guard let cipher = ciphers[inner] else { return nil }
        switch mode {
        case "ecb", "cbc", "ctr":
            let stream = mode == "ctr"
            return SoftwareAlgorithm(
                name: trimmed, keySizes: cipher.keySizes, ivSize: mode == "ecb" ? 0 : cipher.blockSize,
                blockSize: stream ? 1 : cipher.blockSize, requiresBlockMultiple: !stream, minimumInput: 0,
                layout: .direct, singleShot: false, ctsMode: nil, maximumInput: nil,
                evpName: { "\(cipher.evpPrefix($0))-\(mode.uppercased())" })
        default:
            return nil
        }
    }

    private struct BlockCipher: Sendable {
        let keySizes: [Int]
        let blockSize: Int
        let evpPrefix: @Sendable (Int) -> String
    }

    private static let ciphers: [String: BlockCipher] = [
        "aes": BlockCipher(keySizes: [16, 24, 32], blockSize: 16, evpPrefix: { "AES-\($0 * 8)" }),
        "camellia": BlockCipher(keySizes: [16, 24, 32], blockSize: 16, evpPrefix: { "CAMELLIA-\($0 * 8)" }),
        "sm4": BlockCipher(keySizes: [16], blockSize: 16, evpPrefix: { _ in "SM4" }),
        "des3_ede": BlockCipher(keySizes: [24], blockSize: 8, evpPrefix: { _ in "DES-EDE3" }),
    ]

    private static let special: [String: SoftwareAlgorithm] = [
        "xts(aes)": SoftwareAlgorithm(
            name: "xts(aes)", keySizes: [32, 64], ivSize: 16, blockSize: 16, requiresBlockMultiple: false,
            minimumInput: 16, layout: .direct, singleShot: true, ctsMode: nil,
            maximumInput: (16 << 20, "OpenSSL limits one XTS data unit to 2^20 blocks"),
            evpName: { "AES-\($0 * 4)-XTS" }),
        "cts(cbc(aes))": SoftwareAlgorithm(
            name: "cts(cbc(aes))", keySizes: [16, 24, 32], ivSize: 16, blockSize: 16, requiresBlockMultiple: false,
            minimumInput: 16, layout: .direct, singleShot: true, ctsMode: "CS3", maximumInput: nil,
            evpName: { "AES-\($0 * 8)-CBC-CTS" }),
        "rfc3686(ctr(aes))": SoftwareAlgorithm(
            name: "rfc3686(ctr(aes))", keySizes: [20, 28, 36], ivSize: 8, blockSize: 1, requiresBlockMultiple: false,
            minimumInput: 0, layout: .rfc3686, singleShot: false, ctsMode: nil, maximumInput: nil,
            evpName: { "AES-\($0 * 8)-CTR" }),
        "chacha20": SoftwareAlgorithm(
            name: "chacha20", keySizes: [32], ivSize: 16, blockSize: 1, requiresBlockMultiple: false,
            minimumInput: 0, layout: .chacha20, singleShot: false, ctsMode: nil, maximumInput: nil,
            evpName: { _ in "ChaCha20" }),
    ]

    /// The EVP key length for a kernel key length (rfc3686 strips the nonce).
    func evpKeyLength(_ keyLength: Int) -> Int { layout == .rfc3686 ? keyLength - 4 : keyLength }
}
