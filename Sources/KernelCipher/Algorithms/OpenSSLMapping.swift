/// How the software engine runs a catalog algorithm with OpenSSL EVP: the cipher name per key length, and where
/// the kernel's key/IV layout or request rules differ from EVP's.
struct OpenSSLMapping: Sendable, Hashable {
    /// The first part of an EVP name for ecb/cbc/ctr.
    enum Stem: Sendable, Hashable {
        /// The stem followed by the key length in bits: `AES` → `AES-128`.
        case bits(String)
        /// The stem alone, for ciphers with one key length: `SM4`, `DES-EDE3`.
        case fixed(String)
    }

    /// How the EVP name is formed from the cipher key length.
    enum Naming: Sendable, Hashable {
        /// `<stem>-<mode>`: `AES-256-CBC`.
        case stem(Stem, mode: String)
        /// `AES-<bits of one half>-XTS` (EVP takes both halves as its key).
        case aesXTS
        /// `AES-<bits>-CBC-CTS`.
        case aesCBCCTS
        /// One name whatever the key: `ChaCha20`.
        case fixed(String)
    }

    /// Key-and-IV layout differences between the kernel name and the EVP cipher.
    enum Layout: Sendable, Hashable {
        /// Key and IV pass through unchanged.
        case direct
        /// rfc3686(ctr(aes)): key = AES key ‖ 4-byte nonce; IV (8 bytes) → nonce ‖ IV ‖ 0x00000001.
        case rfc3686
        /// chacha20: IV = 32-bit block counter (little endian) ‖ 96-bit nonce; the counter wraps to 0 and the nonce
        /// stays (the kernel's rule; OpenSSL alone would carry into the nonce).
        case chacha20
    }

    /// Largest input per request, with the reason.
    struct InputLimit: Sendable, Hashable {
        let limit: Int
        let reason: String
    }

    let naming: Naming
    let layout: Layout
    /// The whole message must go through one `EVP_CipherUpdate` (xts, cts).
    let singleShot: Bool
    /// OpenSSL's `cts_mode` parameter is `CS3` (the kernel's cts is CBC-CS3).
    let ctsCS3: Bool
    /// Largest input per request OpenSSL accepts, if it has a limit for this cipher.
    let maximumInput: InputLimit?

    init(
        naming: Naming, layout: Layout = .direct, singleShot: Bool = false, ctsCS3: Bool = false,
        maximumInput: (limit: Int, reason: String)? = nil
    ) {
        self.naming = naming
        self.layout = layout
        self.singleShot = singleShot
        self.ctsCS3 = ctsCS3
        self.maximumInput = maximumInput.map { InputLimit(limit: $0.limit, reason: $0.reason) }
    }

    /// The EVP cipher name for an EVP key of `keyLength` bytes (the kernel key without layout bytes).
    func name(cipherKeyLength keyLength: Int) -> String {
        switch naming {
        case .stem(.bits(let stem), let mode): "\(stem)-\(keyLength * 8)-\(mode)"
        case .stem(.fixed(let stem), let mode): "\(stem)-\(mode)"
        case .aesXTS: "AES-\(keyLength * 4)-XTS"
        case .aesCBCCTS: "AES-\(keyLength * 8)-CBC-CTS"
        case .fixed(let name): name
        }
    }
}
