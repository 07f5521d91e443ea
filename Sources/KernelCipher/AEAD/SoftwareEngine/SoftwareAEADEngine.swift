internal import CLibCrypto

/// The software AEAD engine: OpenSSL EVP (`AES-*-GCM`, `AES-*-CCM`, `ChaCha20-Poly1305`) with the kernel's key,
/// IV and tag layouts, so both engines give identical bytes. Each slot owns an encrypt and a decrypt context.
final class SoftwareAEADEngine: AEADEngine {
    let kind = EngineKind.software
    let properties: AEADProperties
    let algorithm: AEADAlgorithm
    /// The key new slots are keyed from and the EVP cipher it selects.
    private let key: SoftwareKey

    /// Looks the name up in the AEAD table, checks the tag size and that the installed OpenSSL has the cipher.
    init(algorithm name: String, tagSize: Int?) throws(KernelCipherError) {
        guard let algorithm = AEADAlgorithm.lookup(name) else { throw .algorithmNotFound(name, engine: .software) }
        let provided = algorithm.keySizes.filter { EVPCipherCache.cipher(named: algorithm.evpName(keyLength: $0)) != nil }
        guard let first = provided.first else { throw .algorithmNotFound(name, engine: .software) }
        let tag = tagSize ?? algorithm.maximumTagSize
        guard algorithm.tagSizes.contains(tag) else { throw .invalidTagLength(tag, allowed: algorithm.tagSizes) }
        self.algorithm = algorithm
        let driver = Self.driverName(algorithm.evpName(keyLength: first))
        self.properties = AEADProperties(
            name: name, ivSize: algorithm.ivSize, tagSize: tag, maximumTagSize: algorithm.maximumTagSize,
            tagSizes: algorithm.tagSizes, keySizes: provided, driver: driver, layout: algorithm)
        self.key = SoftwareKey(driver: driver)
    }

    private static func driverName(_ evp: String) -> String { SoftwareKey.driverName(evp) }

    /// The EVP cipher for the key set last (before any key: for the smallest key length).
    var driver: String { key.driver }

    /// EVP calls are pure CPU work: async calls up to 1 MiB stay inline.
    let defaultAsyncInlineLimit = 1 << 20
    /// EVP lengths are `int`: one request stays below 1 GiB.
    var maximumRequest: (limit: Int, reason: String)? { (1 << 30, "OpenSSL EVP processes one request in one update") }

    /// Keys a throw-away slot first, so a refused key fails here; then stores it for new slots.
    func setKey(_ newKey: SecureBytes) throws(KernelCipherError) {
        _ = try EVPAEADSlot(algorithm: algorithm, tagSize: properties.tagSize, key: newKey)
        key.store(newKey, driver: Self.driverName(algorithm.evpName(keyLength: newKey.count)))
    }

    func makeSlot() throws(KernelCipherError) -> any AEADSlot {
        try EVPAEADSlot(algorithm: algorithm, tagSize: properties.tagSize, key: try key.current())
    }

    func release() { key.release() }
}

/// One software AEAD slot: an encrypt and a decrypt `EVP_CIPHER_CTX` keyed at creation. CCM bakes the tag and
/// length-field sizes into the key schedule (`CRYPTO_ccm128_init`), so a CCM slot keeps its key bytes (cleansed
/// in `deinit`) to re-key a context when a request's L differs from the previous one.
final class EVPAEADSlot: AEADSlot {
    private let algorithm: AEADAlgorithm
    private let tagSize: Int
    private let cipher: OpaquePointer
    private let encryptContext: OpaquePointer
    private let decryptContext: OpaquePointer
    /// Key bytes without the salt, zeroized when the slot goes (CCM only, to re-key a context for another L; nil otherwise).
    private let cipherKey: SecureBytes?
    /// The salt's length (ESP forms: the key's tail, kept at the start of `nonce`).
    private let saltCount: Int
    /// Plain `ccm(aes)`: the IV is L − 1 ‖ nonce, rather than the nonce itself.
    private let ivCarriesLength: Bool
    /// The CCM nonce length each context was keyed for (0: not yet).
    private var encryptNonceLength = 0, decryptNonceLength = 0
    /// Per-request nonce: salt ‖ IV (raw memory: no exclusivity check per byte, as a class's array property costs).
    /// Allocated once every earlier step of `init` has succeeded (a throwing `init` with unset properties runs no
    /// `deinit`, so an allocation in a property initializer would leak).
    private let nonce: UnsafeMutableRawBufferPointer

    init(algorithm: AEADAlgorithm, tagSize: Int, key: SecureBytes) throws(KernelCipherError) {
        guard let cipher = EVPCipherCache.cipher(named: algorithm.evpName(keyLength: key.count)) else {
            throw .algorithmNotFound(algorithm.name, engine: .software)
        }
        let keyLength = key.count - algorithm.saltSize
        self.algorithm = algorithm
        self.tagSize = tagSize
        self.cipher = cipher
        self.saltCount = key.count - keyLength
        self.ivCarriesLength = algorithm.ivCarriesLength
        self.cipherKey = algorithm.mode == .ccm
            ? key.withUnsafeBytes { SecureBytes(copying: UnsafeRawBufferPointer(rebasing: $0[..<keyLength])) } : nil
        guard let encrypt = EVP_CIPHER_CTX_new() else { throw openSSLError("EVP_CIPHER_CTX_new") }
        guard let decrypt = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_CTX_free(encrypt)
            throw openSSLError("EVP_CIPHER_CTX_new")
        }
        self.encryptContext = encrypt
        self.decryptContext = decrypt
        self.nonce = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        nonce.initializeMemory(as: UInt8.self, repeating: 0)
        let ok = key.withUnsafeBytes { bytes in
            EVP_CipherInit_ex2(encrypt, cipher, bytes.baseAddress, nil, 1, nil) == 1
                && EVP_CipherInit_ex2(decrypt, cipher, bytes.baseAddress, nil, 0, nil) == 1
        }
        guard ok else { throw openSSLError("EVP_CipherInit_ex2") }
        key.withUnsafeBytes { nonce.baseAddress!.copyMemory(from: $0.baseAddress! + keyLength, byteCount: saltCount) }
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptContext)
        EVP_CIPHER_CTX_free(decryptContext)
        cleanse(nonce)
        nonce.deallocate()
    }

    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let encrypt = operation == .encrypt
        let ctx = encrypt ? encryptContext : decryptContext
        let payload = encrypt ? input.count : input.count - tagSize
        // The nonce: salt ‖ IV for the ESP forms, the IV's nonce part for ccm (after its L - 1 byte), else the IV.
        let nonceLength: Int
        if ivCarriesLength {
            nonceLength = 15 - (Int(iv[0]) + 1)
            nonce.baseAddress!.copyMemory(from: iv.baseAddress! + 1, byteCount: nonceLength)
        } else {
            if iv.count > 0 { (nonce.baseAddress! + saltCount).copyMemory(from: iv.baseAddress!, byteCount: iv.count) }
            nonceLength = saltCount + iv.count
        }
        let tag = UnsafeMutableRawPointer(mutating: input.baseAddress.map { $0 + payload } ?? UnsafeRawPointer(bitPattern: 1)!)
        if algorithm.mode == .ccm {
            try prepareCCM(ctx, encrypt: encrypt, nonceLength: nonceLength, tag: encrypt ? nil : tag)
        } else {
            let ok = EVP_CipherInit_ex2(ctx, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), -1, nil)
            guard ok == 1 else { throw openSSLError("EVP_CipherInit_ex2") }
        }
        var written: Int32 = 0
        if algorithm.mode == .ccm {  // CCM needs the payload length before the associated data
            guard EVP_CipherUpdate(ctx, nil, &written, nil, Int32(payload)) == 1 else {
                throw openSSLError("EVP_CipherUpdate")
            }
        }
        if associatedData.count > 0 {
            guard EVP_CipherUpdate(ctx, nil, &written, associatedData.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                   Int32(associatedData.count)) == 1
            else { throw openSSLError("EVP_CipherUpdate") }
        }
        if !encrypt && algorithm.mode != .ccm {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagSize), tag) == 1 else {
                throw openSSLError("EVP_CIPHER_CTX_ctrl(SET_TAG)")
            }
        }
        // A non-NULL pointer for empty inputs (CCM only processes data given a non-NULL input). A local, not a stored
        // property: `&property` on a class costs a dynamic exclusivity check (≈ 117 instructions) per request.
        var empty: UInt8 = 0
        try withUnsafeMutablePointer(to: &empty) { (dummy) throws(KernelCipherError) in
            let inBase = payload > 0 ? input.baseAddress!.assumingMemoryBound(to: UInt8.self) : UnsafePointer(dummy)
            let outBase = payload > 0 ? output.baseAddress!.assumingMemoryBound(to: UInt8.self) : dummy
            let updated = EVP_CipherUpdate(ctx, outBase, &written, inBase, Int32(payload)) == 1
            var tail: Int32 = 0
            let finished = updated && EVP_CipherFinal_ex(ctx, outBase + payload, &tail) == 1
            guard finished else {
                cleanse(UnsafeMutableRawBufferPointer(rebasing: output[..<payload]))
                if !encrypt { ERR_clear_error(); throw .authenticationFailed }
                throw openSSLError(updated ? "EVP_CipherFinal_ex" : "EVP_CipherUpdate")
            }
        }
        if encrypt {
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagSize), output.baseAddress! + payload) == 1
            else { throw openSSLError("EVP_CIPHER_CTX_ctrl(GET_TAG)") }
        }
    }

    /// CCM: sets the nonce length, tag size (and, decrypting, the expected tag), re-keying the context when the
    /// nonce length changed since its last request, then the nonce (`EVP_CIPHER_CTX_ctrl`, `EVP_CipherInit_ex2`).
    private func prepareCCM(
        _ ctx: OpaquePointer, encrypt: Bool, nonceLength: Int, tag: UnsafeMutableRawPointer?
    ) throws(KernelCipherError) {
        let keyedFor = encrypt ? encryptNonceLength : decryptNonceLength
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonceLength), nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagSize), tag) == 1
        else { throw openSSLError("EVP_CIPHER_CTX_ctrl") }
        let ok = (cipherKey?.withUnsafeBytes { key in
            EVP_CipherInit_ex2(ctx, nil, keyedFor == nonceLength ? nil : key.baseAddress?.assumingMemoryBound(to: UInt8.self),
                               nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), -1, nil)
        }) ?? 0
        guard ok == 1 else { throw openSSLError("EVP_CipherInit_ex2") }
        if encrypt { encryptNonceLength = nonceLength } else { decryptNonceLength = nonceLength }
    }
}
