#if CryptoInterop
// swift-crypto-shaped AEAD calls (trait CryptoInterop): `SymmetricKey` in, swift-crypto's `AES.GCM.SealedBox` /
// `ChaChaPoly.SealedBox` out and back, so sealed boxes move between the two libraries in both directions.
public import Crypto
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// `AES.GCM.seal` / `AES.GCM.open` on this library's engines (`gcm(aes)`): `KernelAES.GCM.seal(…)` where
/// swift-crypto code says `AES.GCM.seal(…)`.
public enum KernelAES {
    /// AES-GCM with 16-byte tags, as swift-crypto's `AES.GCM`.
    public enum GCM {
        /// Seals `message` under `key` (16, 24 or 32 bytes) and a nonce (random 12 bytes when nil) as swift-crypto's
        /// `AES.GCM.seal` does; the kernel and OpenSSL take 12-byte nonces only (others: `.invalidIVLength`).
        public static func seal(
            _ message: some ContiguousBytes, using key: SymmetricKey, nonce: AES.GCM.Nonce? = nil,
            authenticating authenticatedData: some ContiguousBytes = [UInt8](), engine: EnginePreference = .automatic
        ) throws(KernelCipherError) -> AES.GCM.SealedBox {
            let gcm = try AEADTransform("gcm(aes)", engine: engine)
            defer { gcm.release() }
            try gcm.setKey(key)
            return try gcm.seal(message, nonce: nonce ?? AES.GCM.Nonce(), authenticating: authenticatedData)
        }

        /// Opens a box sealed by either library (`AES.GCM.open`); a box that does not verify is
        /// `.authenticationFailed` and no plaintext is returned.
        public static func open(
            _ box: AES.GCM.SealedBox, using key: SymmetricKey,
            authenticating authenticatedData: some ContiguousBytes = [UInt8](), engine: EnginePreference = .automatic
        ) throws(KernelCipherError) -> Data {
            let gcm = try AEADTransform("gcm(aes)", engine: engine)
            defer { gcm.release() }
            try gcm.setKey(key)
            return try gcm.open(box, authenticating: authenticatedData)
        }
    }
}

/// `ChaChaPoly.seal` / `ChaChaPoly.open` on this library's engines (`rfc7539(chacha20,poly1305)`).
public enum KernelChaChaPoly {
    /// Seals `message` under a 32-byte `key` and a 12-byte nonce (random when nil), as `ChaChaPoly.seal`.
    public static func seal(
        _ message: some ContiguousBytes, using key: SymmetricKey, nonce: ChaChaPoly.Nonce? = nil,
        authenticating authenticatedData: some ContiguousBytes = [UInt8](), engine: EnginePreference = .automatic
    ) throws(KernelCipherError) -> ChaChaPoly.SealedBox {
        let aead = try AEADTransform(chaChaPolyAlgorithm, engine: engine)
        defer { aead.release() }
        try aead.setKey(key)
        return try aead.seal(message, nonce: nonce ?? ChaChaPoly.Nonce(), authenticating: authenticatedData)
    }

    /// Opens a box sealed by either library (`ChaChaPoly.open`); `.authenticationFailed` when it does not verify.
    public static func open(
        _ box: ChaChaPoly.SealedBox, using key: SymmetricKey,
        authenticating authenticatedData: some ContiguousBytes = [UInt8](), engine: EnginePreference = .automatic
    ) throws(KernelCipherError) -> Data {
        let aead = try AEADTransform(chaChaPolyAlgorithm, engine: engine)
        defer { aead.release() }
        try aead.setKey(key)
        return try aead.open(box, authenticating: authenticatedData)
    }

    /// The kernel's name for RFC 8439 ChaCha20-Poly1305 (12-byte nonce, 16-byte tag).
    public static let chaChaPolyAlgorithm = "rfc7539(chacha20,poly1305)"
}

extension AEADTransform {
    /// Seals under the key set (a `gcm(aes)` transform with 16-byte tags) into swift-crypto's `AES.GCM.SealedBox`.
    public func seal(
        _ message: some ContiguousBytes, nonce: AES.GCM.Nonce,
        authenticating authenticatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> AES.GCM.SealedBox {
        let sealed = try sealForBox(message, nonce: nonce, authenticatedData: authenticatedData)
        do {
            return try AES.GCM.SealedBox(nonce: nonce, ciphertext: sealed.ciphertext, tag: sealed.tag)
        } catch {
            throw .software(operation: "AES.GCM.SealedBox", detail: "\(error)")
        }
    }

    /// Opens swift-crypto's `AES.GCM.SealedBox` under the key set (`.authenticationFailed` when it does not verify).
    public func open(
        _ box: AES.GCM.SealedBox, authenticating authenticatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> Data {
        try openBox(nonce: box.nonce, ciphertext: box.ciphertext, tag: box.tag, authenticatedData: authenticatedData)
    }

    /// Seals under the key set (`rfc7539(chacha20,poly1305)`) into swift-crypto's `ChaChaPoly.SealedBox`.
    public func seal(
        _ message: some ContiguousBytes, nonce: ChaChaPoly.Nonce,
        authenticating authenticatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> ChaChaPoly.SealedBox {
        let sealed = try sealForBox(message, nonce: nonce, authenticatedData: authenticatedData)
        do {
            return try ChaChaPoly.SealedBox(nonce: nonce, ciphertext: sealed.ciphertext, tag: sealed.tag)
        } catch {
            throw .software(operation: "ChaChaPoly.SealedBox", detail: "\(error)")
        }
    }

    /// Opens swift-crypto's `ChaChaPoly.SealedBox` under the key set (`.authenticationFailed` when it does not verify).
    public func open(
        _ box: ChaChaPoly.SealedBox, authenticating authenticatedData: some ContiguousBytes = [UInt8]()
    ) throws(KernelCipherError) -> Data {
        try openBox(nonce: box.nonce, ciphertext: box.ciphertext, tag: box.tag, authenticatedData: authenticatedData)
    }

    /// Encrypts and splits ciphertext ‖ tag; swift-crypto's boxes carry 16-byte tags only.
    private func sealForBox(
        _ message: some ContiguousBytes, nonce: some ContiguousBytes, authenticatedData: some ContiguousBytes
    ) throws(KernelCipherError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        guard tagSize == 16 else { throw .invalidTagLength(tagSize, allowed: [16]) }
        let sealed = try encrypt(message, iv: nonce, associatedData: authenticatedData)
        return (Array(sealed[..<(sealed.count - 16)]), Array(sealed[(sealed.count - 16)...]))
    }

    private func openBox(
        nonce: some ContiguousBytes, ciphertext: Data, tag: Data, authenticatedData: some ContiguousBytes
    ) throws(KernelCipherError) -> Data {
        guard tagSize == 16 else { throw .invalidTagLength(tagSize, allowed: [16]) }
        var input = [UInt8](ciphertext)
        input.append(contentsOf: tag)
        return Data(try decrypt(input, iv: nonce, associatedData: authenticatedData))
    }
}
#endif
