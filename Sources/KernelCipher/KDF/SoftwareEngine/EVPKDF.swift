internal import CLibCrypto

/// The software engine of the key derivations: OpenSSL's `EVP_KDF` ("PBKDF2", "HKDF", "KBKDF") with the PRF's kernel
/// name mapped as the hash family maps it (`hmac(sha256)` → HMAC over `sha256`, `cmac(aes)` → CMAC over
/// `aes-<bits>-cbc` by the key length).
enum EVPKDF {
    /// `EVP_KDF_fetch(name)` + `EVP_KDF_CTX_new` + `EVP_KDF_derive(output, params)`. The parameter copies (keys,
    /// passwords) are cleansed before they are freed.
    static func derive(
        _ name: String, _ params: EVPKDFParameters, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        guard let kdf = EVP_KDF_fetch(nil, name, nil) else { throw openSSLError("EVP_KDF_fetch(\(name))") }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { throw openSSLError("EVP_KDF_CTX_new") }
        defer { EVP_KDF_CTX_free(context) }
        let ok = params.withParameters { list in
            EVP_KDF_derive(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count, list)
        }
        guard ok == 1 else { throw openSSLError("EVP_KDF_derive(\(name))") }
    }

    /// The MAC parameters of a KBKDF over `prf` keyed with `keyLength` bytes: HMAC with its digest, or CMAC with the
    /// AES cipher of that key length.
    static func macParameters(_ prf: KDFPRF, keyLength: Int, into params: EVPKDFParameters) {
        if let digest = prf.hmacDigest {
            params.utf8(OSSL_KDF_PARAM_MAC, "HMAC")
            params.utf8(OSSL_KDF_PARAM_DIGEST, digest)
        } else {
            params.utf8(OSSL_KDF_PARAM_MAC, "CMAC")
            params.utf8(OSSL_KDF_PARAM_CIPHER, "aes-\(keyLength * 8)-cbc")
        }
    }
}

/// An `OSSL_PARAM` list whose keys and values live in memory this object owns (OpenSSL keeps only pointers until
/// the call); octet values are cleansed when it goes.
final class EVPKDFParameters {
    private var allocations: [UnsafeMutableRawBufferPointer] = []
    private var entries: [(key: UnsafeMutablePointer<CChar>, kind: Kind, value: UnsafeMutableRawBufferPointer)] = []
    private enum Kind { case utf8, octets, int, uint }

    init() {}

    deinit {
        for buffer in allocations {
            cleanse(buffer)
            buffer.deallocate()
        }
    }

    private func copy(_ bytes: UnsafeRawBufferPointer, terminate: Bool = false) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + 1, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        if bytes.count > 0 { buffer.copyMemory(from: bytes) }
        allocations.append(buffer)
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(bytes.count + (terminate ? 1 : 0))])
    }

    private func add(_ key: String, _ kind: Kind, _ value: UnsafeMutableRawBufferPointer) {
        let keyBuffer = Array(key.utf8).withUnsafeBytes { copy($0, terminate: true) }
        entries.append((keyBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), kind, value))
    }

    /// A UTF-8 string parameter.
    func utf8(_ key: String, _ value: String) {
        add(key, .utf8, Array(value.utf8).withUnsafeBytes { copy($0, terminate: true) })
    }

    /// An octet-string parameter (copied; cleansed on deinit). Zero bytes still get a non-NULL pointer.
    func octets(_ key: String, _ value: UnsafeRawBufferPointer) {
        add(key, .octets, copy(value))
    }

    /// An octet-string parameter from an array.
    func octets(_ key: String, _ value: [UInt8]) {
        value.withUnsafeBytes { octets(key, $0) }
    }

    /// A C `int` parameter.
    func int(_ key: String, _ value: Int32) {
        add(key, .int, withUnsafeBytes(of: value) { copy($0) })
    }

    /// A C `unsigned int` parameter.
    func uint(_ key: String, _ value: UInt32) {
        add(key, .uint, withUnsafeBytes(of: value) { copy($0) })
    }

    /// Runs `body` with the `OSSL_PARAM` array (ended by `OSSL_PARAM_construct_end`).
    func withParameters<R>(_ body: (UnsafePointer<OSSL_PARAM>) -> R) -> R {
        var list: [OSSL_PARAM] = entries.map { entry in
            let base = entry.value.baseAddress!
            switch entry.kind {
            case .utf8:
                return OSSL_PARAM_construct_utf8_string(entry.key, base.assumingMemoryBound(to: CChar.self), 0)
            case .octets:
                return OSSL_PARAM_construct_octet_string(entry.key, base, entry.value.count)
            case .int:
                return OSSL_PARAM_construct_int(entry.key, base.assumingMemoryBound(to: Int32.self))
            case .uint:
                return OSSL_PARAM_construct_uint(entry.key, base.assumingMemoryBound(to: UInt32.self))
            }
        }
        list.append(OSSL_PARAM_construct_end())
        return list.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
