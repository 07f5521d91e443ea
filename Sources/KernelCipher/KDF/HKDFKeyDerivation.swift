#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import CLibCrypto

/// HKDF (RFC 5869, libkcapi's `kcapi_hkdf`) over an HMAC of the hash family: `extract` (PRK from input keying
/// material and a salt), `expand` (output keying material from a PRK and info) and `deriveKey` (both). The PRK may
/// be a kernel keyring key: the HMAC is keyed by serial, the PRK never enters the process, only the derived bytes
/// do. The kernel engine runs RFC 5869's loop on one `algif_hash` op socket; the software engine is OpenSSL's
/// `EVP_KDF` "HKDF". Thread-safe.
public struct HKDFKeyDerivation: Sendable {
    /// The PRF's kernel name, e.g. `hmac(sha256)`.
    public var prf: String { function.algorithm }
    /// The engine serving the PRF and why it was chosen.
    public var selection: EngineSelection { function.selection }
    /// HashLen: the PRF's output length, the PRK's length, and 1/255 of the longest output.
    public var hashLength: Int { function.outputSize }

    let function: KDFPRF
    /// Run RFC 5869's loop over the MAC even on the software engine (host tests of the kernel engine's code).
    let forceMACLoop: Bool

    /// HKDF over `prf` (an HMAC) on the preferred engine; `.unsuitablePRF` for anything else.
    public init(prf: String = "hmac(sha256)", engine: EnginePreference = .automatic) throws(KernelCipherError) {
        try self.init(prf: prf, engine: engine, forceMACLoop: false)
    }

    init(prf: String, engine: EnginePreference, forceMACLoop: Bool) throws(KernelCipherError) {
        function = try KDFPRF(prf, engine: engine, hmacOnly: true, kdf: "HKDF")
        self.forceMACLoop = forceMACLoop
    }

    private var usesMACLoop: Bool { function.selection.engine == .kernel || forceMACLoop }

    /// HKDF-Extract: the HashLen-byte PRK = HMAC(salt, IKM). An empty salt is HashLen zero bytes (RFC 5869 §2.2).
    public func extract(inputKey: some ContiguousBytes, salt: [UInt8] = []) throws(KernelCipherError) -> SecretBytes {
        let ikm = inputKey.withUnsafeBytes { SecureBytes(copying: $0) }
        defer { ikm.wipe() }
        let key = salt.isEmpty ? [UInt8](repeating: 0, count: hashLength) : salt
        return try deriveSecret(count: hashLength) { (output) throws(KernelCipherError) in
            if usesMACLoop {
                let keyed = try function.keyed(.bytes(key.withUnsafeBytes { SecureBytes(copying: $0) }))
                try MACConstructions.extract(keyed, inputKey: ikm, into: output)
            } else {
                try evp(mode: EVP_KDF_HKDF_MODE_EXTRACT_ONLY, key: ikm, salt: key, info: [], into: output)
            }
        }
    }

    /// HKDF-Expand: `count` bytes (1…255 · HashLen) from `pseudorandomKey` and `info`.
    public func expand(
        pseudorandomKey: some ContiguousBytes, info: [UInt8] = [], count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        try expand(.bytes(pseudorandomKey.withUnsafeBytes { SecureBytes(copying: $0) }), info: info, count: count)
    }

    /// HKDF-Expand with the PRK in the kernel keyring: the HMAC is keyed by serial (`ALG_SET_KEY_BY_KEY_SERIAL`,
    /// kernel engine only; Linux 6.2+), so only the `count` derived bytes enter the process.
    public func expand(pseudorandomKey: KernelKey, info: [UInt8] = [], count: Int) throws(KernelCipherError) -> SecretBytes {
        try expand(.kernel(pseudorandomKey), info: info, count: count)
    }

    /// Extract then expand: `count` bytes (1…255 · HashLen) from `inputKey`, `salt` and `info`.
    public func deriveKey(
        inputKey: some ContiguousBytes, salt: [UInt8] = [], info: [UInt8] = [], count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        try function.checkLength(count, maximumBlocks: 255)
        let prk = try extract(inputKey: inputKey, salt: salt)
        return try expand(.bytes(prk.storage), info: info, count: count)
    }

    private func expand(_ key: KDFMasterKey, info: [UInt8], count: Int) throws(KernelCipherError) -> SecretBytes {
        try function.checkLength(count, maximumBlocks: 255)
        return try deriveSecret(count: count) { (output) throws(KernelCipherError) in
            if case .bytes(let prk) = key, !usesMACLoop {
                try evp(mode: EVP_KDF_HKDF_MODE_EXPAND_ONLY, key: prk, salt: [], info: info, into: output)
            } else {
                try MACConstructions.hkdfExpand(try function.keyed(key), info: info, into: output)
            }
        }
    }

    /// `EVP_KDF` "HKDF" in `mode` with `key` (IKM or PRK).
    private func evp(
        mode: Int32, key: SecureBytes, salt: [UInt8], info: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let params = EVPKDFParameters()
        params.int(OSSL_KDF_PARAM_MODE, mode)
        params.utf8(OSSL_KDF_PARAM_DIGEST, function.hmacDigest!)
        key.withUnsafeBytes { params.octets(OSSL_KDF_PARAM_KEY, $0) }
        if !salt.isEmpty { params.octets(OSSL_KDF_PARAM_SALT, salt) }
        if !info.isEmpty { params.octets(OSSL_KDF_PARAM_INFO, info) }
        try EVPKDF.derive("HKDF", params, into: output)
    }
}
