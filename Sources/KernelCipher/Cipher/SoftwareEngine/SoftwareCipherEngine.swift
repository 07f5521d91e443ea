internal import CLibCrypto

/// The software engine: OpenSSL libcrypto's EVP interface, behind the same transform API as the kernel engine.
/// Each slot owns one encrypt and one decrypt `EVP_CIPHER_CTX`, keyed once, so a request costs only
/// an IV reset, one update and one final.
final class SoftwareCipherEngine: CipherEngine {
    let kind = EngineKind.software
    let algorithm: SoftwareAlgorithm
    let properties: AlgorithmProperties
    /// The key new slots are keyed from and the EVP cipher it selects.
    private let key: SoftwareKey

    /// Looks the kernel name up in the EVP mapping and checks the installed OpenSSL provides a cipher for it.
    init(algorithm name: String) throws(KernelCipherError) {
        guard let algorithm = SoftwareAlgorithm.lookup(name),
              let firstKey = algorithm.keySizes.first(where: {
                  EVPCipherCache.cipher(named: algorithm.evpName(algorithm.evpKeyLength($0))) != nil })
        else { throw .algorithmNotFound(name, engine: .software) }
        let evp = algorithm.evpName(algorithm.evpKeyLength(firstKey))
        self.algorithm = algorithm
        let provided = algorithm.keySizes.filter {
            EVPCipherCache.cipher(named: algorithm.evpName(algorithm.evpKeyLength($0))) != nil }
        self.properties = AlgorithmProperties(
            name: name, ivSize: algorithm.ivSize, blockSize: algorithm.blockSize, keySizes: provided,
            requiresBlockMultiple: algorithm.requiresBlockMultiple, minimumInput: algorithm.minimumInput,
            driver: Self.driverName(evp), priority: nil)
        self.key = SoftwareKey(driver: Self.driverName(evp))
    }

    /// The driver name for an EVP cipher name: `openssl:aes-256-xts`.
    private static func driverName(_ evp: String) -> String { SoftwareKey.driverName(evp) }

    /// The EVP cipher serving requests: it depends on the key length (`AES-128-XTS` vs `AES-256-XTS`).
    var driver: String { key.driver }

    /// True when the software engine offers `name` with the installed OpenSSL.
    static func isAvailable(_ name: String) -> Bool {
        (try? SoftwareCipherEngine(algorithm: name)) != nil
    }

    var maximumInput: (limit: Int, reason: String)? { algorithm.maximumInput }
    /// EVP calls are pure CPU work (1 MiB takes ≤ about 1 ms here), so async calls up to 1 MiB stay inline.
    let defaultAsyncInlineLimit = 1 << 20

    /// Keys a throw-away slot first, so a refused key (e.g. XTS with equal halves) fails here, like the kernel's
    /// setkey. The previous key is not wiped here: a `makeSlot` on another thread may still be keying from it.
    /// Its storage is zeroized when the last reference goes (`SecureBytes.deinit`).
    func setKey(_ newKey: SecureBytes) throws(KernelCipherError) {
        _ = try EVPSlot(algorithm: algorithm, key: newKey)
        key.store(newKey, driver: Self.driverName(algorithm.evpName(algorithm.evpKeyLength(newKey.count))))
    }

    /// A slot keyed (both directions) from the current key; the slot keeps no reference to the key storage.
    func makeSlot() throws(KernelCipherError) -> any CipherSlot {
        try EVPSlot(algorithm: algorithm, key: try key.current())
    }

    /// Whether the engine holds a key (tests: none may be left after release).
    var hasKey: Bool { key.isSet }

    /// Drops the key reference; the storage is zeroized once no slot creation still reads it.
    func release() { key.release() }
}

/// One op slot of the software engine: an encrypt and a decrypt EVP context, both keyed when the slot is made
/// (`EVP_CipherInit_ex2`). The slot holds no key storage afterwards: the key schedules live in the contexts,
/// which `EVP_CIPHER_CTX_free` cleanses, so a re-key or release elsewhere cannot change what a slot encrypts with.
final class EVPSlot: CipherSlot {
    private let algorithm: SoftwareAlgorithm
    private let encryptContext: OpaquePointer
    private let decryptContext: OpaquePointer
    /// rfc3686's counter block (nonce ‖ IV ‖ 1), in raw memory cleansed in `deinit` (the nonce is key material; raw
    /// memory also spares the per-byte exclusivity checks a class's array property costs).
    private let counterBlock = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
    /// `algorithm.layout == .rfc3686`, read once (the per-request path checks it).
    private let isRFC3686: Bool
    /// `algorithm.layout == .chacha20`: the block counter wraps at 32 bits, as in the kernel.
    private let isChaCha20: Bool

    /// Keys both directions from `key` (`EVP_CIPHER_CTX_new`, `EVP_CipherInit_ex2`); reads `key` only here.
    init(algorithm: SoftwareAlgorithm, key: SecureBytes) throws(KernelCipherError) {
        let evpKeyLength = algorithm.evpKeyLength(key.count)
        guard let cipher = EVPCipherCache.cipher(named: algorithm.evpName(evpKeyLength)) else {
            throw .algorithmNotFound(algorithm.name, engine: .software)
        }
        let encrypt = try Self.keyedContext(algorithm, cipher, key, encrypt: true)
        let decrypt: OpaquePointer
        do throws(KernelCipherError) {
            decrypt = try Self.keyedContext(algorithm, cipher, key, encrypt: false)
        } catch {
            EVP_CIPHER_CTX_free(encrypt)
            throw error
        }
        self.algorithm = algorithm
        self.encryptContext = encrypt
        self.decryptContext = decrypt
        self.isRFC3686 = algorithm.layout == .rfc3686
        self.isChaCha20 = algorithm.layout == .chacha20
        counterBlock.initializeMemory(as: UInt8.self, repeating: 0)
        if isRFC3686 {
            key.withUnsafeBytes { counterBlock.baseAddress!.copyMemory(from: $0.baseAddress! + evpKeyLength, byteCount: 4) }
            counterBlock[15] = 1
        }
    }

    deinit {
        // EVP_CIPHER_CTX_free cleanses the key schedule; the counter block holds the rfc3686 nonce.
        EVP_CIPHER_CTX_free(encryptContext)
        EVP_CIPHER_CTX_free(decryptContext)
        cleanse(counterBlock)
        counterBlock.deallocate()
    }

    /// A new context keyed for one direction (`EVP_CIPHER_CTX_new`, `EVP_CipherInit_ex2`, no padding).
    private static func keyedContext(
        _ algorithm: SoftwareAlgorithm, _ cipher: OpaquePointer, _ key: SecureBytes, encrypt: Bool
    ) throws(KernelCipherError) -> OpaquePointer {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw openSSLError("EVP_CIPHER_CTX_new") }
        let ok = key.withUnsafeBytes { keyBytes in
            withCipherParams(algorithm) { params in
                EVP_CipherInit_ex2(ctx, cipher, keyBytes.baseAddress, nil, encrypt ? 1 : 0, params)
            }
        }
        guard ok == 1 else {
            EVP_CIPHER_CTX_free(ctx)
            let detail = drainOpenSSLErrors()
            if detail.contains("duplicated keys") || detail.contains("xts") {
                throw .keyRejected(reason: "the two XTS key halves are equal")
            }
            throw .software(operation: "EVP_CipherInit_ex2", detail: detail)
        }
        EVP_CIPHER_CTX_set_padding(ctx, 0)
        return ctx
    }

    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let ctx = operation == .encrypt ? encryptContext : decryptContext
        let ok: Int32
        if isRFC3686 {
            (counterBlock.baseAddress! + 4).copyMemory(from: iv.baseAddress!, byteCount: 8)
            ok = EVP_CipherInit_ex2(ctx, nil, nil, counterBlock.baseAddress!.assumingMemoryBound(to: UInt8.self), -1, nil)
        } else {
            ok = EVP_CipherInit_ex2(ctx, nil, nil, iv.baseAddress, -1, nil)
        }
        guard ok == 1 else { throw openSSLError("EVP_CipherInit_ex2") }
        guard input.count > 0 else { return }
        let inBase = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let outBase = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if isChaCha20 {
            // Bytes until the 32-bit block counter (IV bytes 0..3, little endian) wraps.
            let counter = UInt32(littleEndian: iv.loadUnaligned(as: UInt32.self))
            let beforeWrap = (Int(UInt32.max - counter) + 1) * 64
            if input.count > beforeWrap {
                return try runAcrossCounterWrap(ctx, iv: iv, inBase, outBase, count: input.count, first: beforeWrap)
            }
        }
        var done = 0
        if input.count <= 1 << 30 {
            // One update (every request up to 1 GiB).
            var written: Int32 = 0
            guard EVP_CipherUpdate(ctx, outBase, &written, inBase, Int32(truncatingIfNeeded: input.count)) == 1,
                  Int(written) == input.count
            else { throw openSSLError("EVP_CipherUpdate") }
            done = input.count
        }
        // EVP lengths are Int32: feed larger inputs in pieces; the context chains the IV between them.
        let piece = algorithm.singleShot ? input.count : 1 << 30
        while done < input.count {
            let n = min(piece, input.count - done)
            var written: Int32 = 0
            guard n <= Int32.max,
                  EVP_CipherUpdate(ctx, outBase + done, &written, inBase + done, Int32(n)) == 1,
                  Int(written) == n
            else { throw openSSLError("EVP_CipherUpdate") }
            done += n
        }
        var tail: Int32 = 0
        guard EVP_CipherFinal_ex(ctx, outBase + done, &tail) == 1, tail == 0 else {
            throw openSSLError("EVP_CipherFinal_ex")
        }
    }

    /// chacha20 past the 32-bit block counter: the kernel wraps the counter to 0 and keeps the nonce, OpenSSL
    /// carries into the nonce. So the EVP work is split at each wrap (`first` bytes, then every 2^32 blocks) and
    /// the context re-initialised with counter 0 and the same nonce (`EVP_CipherInit_ex2`, `EVP_CipherUpdate`).
    private func runAcrossCounterWrap(
        _ ctx: OpaquePointer, iv: UnsafeRawBufferPointer,
        _ inBase: UnsafePointer<UInt8>, _ outBase: UnsafeMutablePointer<UInt8>, count: Int, first: Int
    ) throws(KernelCipherError) {
        var wrappedIV = [UInt8](iv)
        for i in 0..<4 { wrappedIV[i] = 0 }
        var done = 0, segment = first
        while done < count {
            if done > 0 {
                let ok = wrappedIV.withUnsafeBytes { EVP_CipherInit_ex2(ctx, nil, nil, $0.baseAddress, -1, nil) }
                guard ok == 1 else { throw openSSLError("EVP_CipherInit_ex2") }
            }
            let end = min(count, done + segment)
            while done < end {
                let n = min(1 << 30, end - done)
                var written: Int32 = 0
                guard EVP_CipherUpdate(ctx, outBase + done, &written, inBase + done, Int32(n)) == 1, Int(written) == n
                else { throw openSSLError("EVP_CipherUpdate") }
                done += n
            }
            segment = 64 << 32
        }
        var tail: Int32 = 0
        guard EVP_CipherFinal_ex(ctx, outBase + done, &tail) == 1, tail == 0 else {
            throw openSSLError("EVP_CipherFinal_ex")
        }
    }

    /// Builds the OSSL_PARAM list for the cipher (the CTS variant) and runs `body` with it.
    /// OpenSSL keeps the parameter's key and value pointers while `EVP_CipherInit_ex2` runs (OSSL_PARAM_locate
    /// compares keys with strcmp), so both are static strings in the binary, never temporaries bridged from a
    /// `String` (a temporary C string died before OpenSSL read it: issue 10 item 7b, found by ASan).
    private static func withCipherParams(
        _ algorithm: SoftwareAlgorithm, _ body: (UnsafePointer<OSSL_PARAM>?) -> Int32
    ) -> Int32 {
        guard let mode = algorithm.ctsMode else { return body(nil) }
        var params = [
            OSSL_PARAM_construct_utf8_string(cString(ctsModeKey), UnsafeMutablePointer(mutating: cString(mode)), 0),
            OSSL_PARAM_construct_end(),
        ]
        return params.withUnsafeMutableBufferPointer { body($0.baseAddress) }
    }

    /// `OSSL_CIPHER_PARAM_CTS_MODE`, as a static C string.
    private static let ctsModeKey: StaticString = "cts_mode"
}
