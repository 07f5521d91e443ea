#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import CLibCrypto

/// The NIST SP 800-108 KDF in counter, feedback or double-pipeline mode (libkcapi's `kcapi_kdf_ctr`, `_fb`,
/// `_dpi`) over any keyed hash of the hash family (`hmac(…)`, `cmac(aes)`), with libkcapi's layout: a 32-bit
/// big-endian counter from 1 placed before the fixed input (Label ‖ 0x00 ‖ Context ‖ [L]₂, given whole, as NIST's
/// CAVP files give it). The master key may be a kernel keyring key: the PRF is keyed by serial and only the derived
/// bytes enter the process. Engines: kernel (one `algif_hash` op socket), software (OpenSSL `EVP_KDF` "KBKDF" for
/// counter and feedback; OpenSSL 3.0 has no double-pipeline mode, so that mode runs the loop over OpenSSL's MAC).
public struct SP800108KeyDerivation: Sendable {
    /// The SP 800-108 mode.
    public enum Mode: String, Sendable, CaseIterable {
        /// K(i) = PRF(K_I, [i]₂ ‖ fixed input).
        case counter
        /// K(i) = PRF(K_I, K(i−1) ‖ [i]₂ ‖ fixed input), K(0) = the IV.
        case feedback
        /// A(i) = PRF(K_I, A(i−1)) with A(0) = the fixed input; K(i) = PRF(K_I, A(i) ‖ [i]₂ ‖ fixed input).
        case doublePipeline = "double-pipeline"
    }

    /// The mode.
    public let mode: Mode
    /// The PRF's kernel name, e.g. `hmac(sha256)` or `cmac(aes)`.
    public var prf: String { function.algorithm }
    /// The engine serving the PRF and why it was chosen.
    public var selection: EngineSelection { function.selection }
    /// h: the PRF's output length; at most (2³² − 1) · h bytes can be derived (the 32-bit counter).
    public var blockSize: Int { function.outputSize }

    let function: KDFPRF
    /// Run the loop over the MAC even on the software engine (host tests of the kernel engine's code).
    let forceMACLoop: Bool

    /// The KDF in `mode` over `prf` (a MAC) on the preferred engine; `.unsuitablePRF` for an unkeyed hash.
    public init(
        mode: Mode, prf: String = "hmac(sha256)", engine: EnginePreference = .automatic
    ) throws(KernelCipherError) {
        try self.init(mode: mode, prf: prf, engine: engine, forceMACLoop: false)
    }

    init(mode: Mode, prf: String, engine: EnginePreference, forceMACLoop: Bool) throws(KernelCipherError) {
        self.mode = mode
        function = try KDFPRF(prf, engine: engine, hmacOnly: false, kdf: "SP 800-108")
        self.forceMACLoop = forceMACLoop
    }

    /// Derives `count` bytes (1…(2³² − 1) · h) from the key-derivation key `key`. `iv` is feedback mode's K(0): empty
    /// or h bytes (OpenSSL's and libkcapi's rule; `.invalidIVLength` otherwise); other modes refuse one
    /// (`.unsupportedOption`).
    public func deriveKey(
        from key: some ContiguousBytes, fixedInput: [UInt8], iv: [UInt8] = [], count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        try derive(.bytes(key.withUnsafeBytes { SecureBytes(copying: $0) }), fixedInput: fixedInput, iv: iv, count: count)
    }

    /// Derives `count` bytes from a key-derivation key in the kernel keyring (`ALG_SET_KEY_BY_KEY_SERIAL`, kernel
    /// engine only; Linux 6.2+): the key never enters the process, only the derived bytes do.
    public func deriveKey(
        from key: KernelKey, fixedInput: [UInt8], iv: [UInt8] = [], count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        try derive(.kernel(key), fixedInput: fixedInput, iv: iv, count: count)
    }

    private func derive(
        _ key: KDFMasterKey, fixedInput: [UInt8], iv: [UInt8], count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        defer { if case .bytes(let secure) = key { secure.wipe() } }
        if mode != .feedback, !iv.isEmpty {
            throw .unsupportedOption("an IV is used in feedback mode only, not in \(mode.rawValue) mode")
        }
        if mode == .feedback, !iv.isEmpty, iv.count != blockSize {
            throw .invalidIVLength(iv.count, expected: blockSize)
        }
        try function.checkLength(count, maximumBlocks: Int(UInt32.max))
        return try deriveSecret(count: count) { (output) throws(KernelCipherError) in
            if case .bytes(let secure) = key, function.selection.engine == .software, mode != .doublePipeline,
                !forceMACLoop {
                try function.checkKeyLength(secure.count)
                let params = EVPKDFParameters()
                params.utf8(OSSL_KDF_PARAM_MODE, mode.rawValue)
                EVPKDF.macParameters(function, keyLength: secure.count, into: params)
                secure.withUnsafeBytes { params.octets(OSSL_KDF_PARAM_KEY, $0) }
                // The whole fixed input as the "label", no separator byte and no [L]₂ of OpenSSL's own.
                params.octets(OSSL_KDF_PARAM_SALT, fixedInput)
                params.int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, 0)
                params.int(OSSL_KDF_PARAM_KBKDF_USE_L, 0)
                if mode == .feedback { params.octets(OSSL_KDF_PARAM_SEED, iv) }
                try EVPKDF.derive("KBKDF", params, into: output)
            } else {
                let keyed = try function.keyed(key)
                try MACConstructions.sp800108(keyed, mode: mode, fixedInput: fixedInput, iv: iv, into: output)
            }
        }
    }
}
