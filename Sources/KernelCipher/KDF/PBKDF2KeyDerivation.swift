#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import CLibCrypto

/// PBKDF2 (RFC 8018 §5.2, libkcapi's `kcapi_pbkdf`): keys from a password, a salt and an iteration count over an
/// HMAC of the hash family. The kernel engine runs the iterations on one `algif_hash` op socket keyed with the
/// password; the software engine is OpenSSL's `EVP_KDF` "PBKDF2". Thread-safe: each derivation has its own PRF.
public struct PBKDF2KeyDerivation: Sendable {
    /// The PRF's kernel name, e.g. `hmac(sha256)`.
    public var prf: String { function.algorithm }
    /// The engine serving the PRF and why it was chosen (the hash family's rule, `af_alg_restrict` included).
    public var selection: EngineSelection { function.selection }
    /// The PRF's output length (hLen) in bytes.
    public var blockSize: Int { function.outputSize }

    let function: KDFPRF
    /// Run the RFC's loop over the MAC even on the software engine (tests of the kernel engine's code on the host).
    let forceMACLoop: Bool

    /// PBKDF2 over `prf` (an HMAC: `hmac(sha1)`, `hmac(sha256)`, …) on the preferred engine. Throws
    /// `.unsuitablePRF` for an unkeyed hash or a non-HMAC MAC, or the hash family's allocation error.
    public init(prf: String = "hmac(sha256)", engine: EnginePreference = .automatic) throws(KernelCipherError) {
        try self.init(prf: prf, engine: engine, forceMACLoop: false)
    }

    init(prf: String, engine: EnginePreference, forceMACLoop: Bool) throws(KernelCipherError) {
        function = try KDFPRF(prf, engine: engine, hmacOnly: true, kdf: "PBKDF2")
        self.forceMACLoop = forceMACLoop
    }

    /// Derives `count` bytes from `password` and `salt` with `iterations` rounds (1…2³² − 1; `count` 1 to
    /// (2³² − 1) · hLen). Neither the password nor the salt ever appears in an error.
    public func deriveKey(
        password: some ContiguousBytes, salt: [UInt8], iterations: Int, count: Int
    ) throws(KernelCipherError) -> SecretBytes {
        guard iterations >= 1, iterations <= Int(UInt32.max) else { throw .invalidIterationCount(iterations) }
        try function.checkLength(count, maximumBlocks: Int(UInt32.max))
        let secure = password.withUnsafeBytes { SecureBytes(copying: $0) }
        defer { secure.wipe() }
        return try deriveSecret(count: count) { (output) throws(KernelCipherError) in
            if function.selection.engine == .kernel || forceMACLoop {
                let keyed = try function.keyed(.bytes(secure))
                try MACConstructions.pbkdf2(keyed, salt: salt, iterations: UInt32(iterations), into: output)
            } else {
                let params = EVPKDFParameters()
                params.utf8(OSSL_KDF_PARAM_DIGEST, function.hmacDigest!)
                secure.withUnsafeBytes { params.octets(OSSL_KDF_PARAM_PASSWORD, $0) }
                params.octets(OSSL_KDF_PARAM_SALT, salt)
                params.uint(OSSL_KDF_PARAM_ITER, UInt32(iterations))
                // RFC 8018 as written: no SP 800-132 lower bounds on salt, iterations or output length.
                params.int(OSSL_KDF_PARAM_PKCS5, 1)
                try EVPKDF.derive("PBKDF2", params, into: output)
            }
        }
    }
}
