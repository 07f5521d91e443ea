import Crypto
import Foundation
import KernelCipher
import Testing

/// Sealed boxes move between swift-crypto and this library's engines in both directions, byte for byte.
enum AEADInterop {
    static func gcm(_ engine: EnginePreference) throws {
        for (index, length) in Engines.aeadLengths(engine).enumerated() {
            let key = SymmetricKey(data: Engines.bytes([16, 24, 32][index % 3], seed: UInt64(index)))
            let message = Engines.bytes(length, seed: 1000 + UInt64(index))
            let aad = Engines.bytes(index * 3, seed: 2000 + UInt64(index))
            let nonce = try AES.GCM.Nonce(data: Engines.bytes(12, seed: 3000 + UInt64(index)))
            // Same inputs, same bytes.
            let theirs = try AES.GCM.seal(message, using: key, nonce: nonce, authenticating: aad)
            let mine = try KernelAES.GCM.seal(message, using: key, nonce: nonce, authenticating: aad, engine: engine)
            #expect(mine.combined == theirs.combined, "gcm \(engine) \(length)")
            // Sealed by one, opened by the other.
            #expect(try KernelAES.GCM.open(theirs, using: key, authenticating: aad, engine: engine) == Data(message))
            #expect(try AES.GCM.open(mine, using: key, authenticating: aad) == Data(message))
            // A random nonce (nil) still opens on the other side; a changed AAD does not.
            let fresh = try KernelAES.GCM.seal(message, using: key, authenticating: aad, engine: engine)
            #expect(try AES.GCM.open(fresh, using: key, authenticating: aad) == Data(message))
            #expect(throws: KernelCipherError.authenticationFailed) {
                try KernelAES.GCM.open(theirs, using: key, authenticating: aad + [0], engine: engine)
            }
        }
        // A box from swift-crypto's combined representation, and a transform reused with a SymmetricKey.
        let key = SymmetricKey(size: .bits256)
        let box = try AES.GCM.SealedBox(combined: AES.GCM.seal(Array("combined".utf8), using: key).combined!)
        let gcm = try AEADTransform("gcm(aes)", engine: engine)
        try gcm.setKey(key)
        #expect(try gcm.open(box) == Data("combined".utf8))
        // swift-crypto boxes carry 16-byte tags: a 12-byte-tag transform refuses to make one, by name.
        let short = try AEADTransform("gcm(aes)", tagSize: 12, engine: engine)
        try short.setKey(key)
        #expect(throws: KernelCipherError.invalidTagLength(12, allowed: [16])) {
            try short.seal([1, 2, 3], nonce: AES.GCM.Nonce())
        }
    }

    static func chaChaPoly(_ engine: EnginePreference) throws {
        for (index, length) in Engines.aeadLengths(engine).enumerated() {
            let key = SymmetricKey(data: Engines.bytes(32, seed: 4000 + UInt64(index)))
            let message = Engines.bytes(length, seed: 5000 + UInt64(index))
            let aad = Engines.bytes(index, seed: 6000 + UInt64(index))
            let nonce = try ChaChaPoly.Nonce(data: Engines.bytes(12, seed: 7000 + UInt64(index)))
            let theirs = try ChaChaPoly.seal(message, using: key, nonce: nonce, authenticating: aad)
            let mine = try KernelChaChaPoly.seal(message, using: key, nonce: nonce, authenticating: aad, engine: engine)
            #expect(mine.combined == theirs.combined, "chachapoly \(engine) \(length)")
            #expect(try KernelChaChaPoly.open(theirs, using: key, authenticating: aad, engine: engine) == Data(message))
            #expect(try ChaChaPoly.open(mine, using: key, authenticating: aad) == Data(message))
            var tampered = Array(theirs.combined)
            tampered[tampered.count - 1] ^= 0x80
            #expect(throws: KernelCipherError.authenticationFailed) {
                try KernelChaChaPoly.open(ChaChaPoly.SealedBox(combined: tampered), using: key, authenticating: aad,
                                          engine: engine)
            }
        }
    }

    /// `SymmetricKey` where a key is, and a derived key back as one: HKDF on the engine equals swift-crypto's.
    static func keys(_ engine: EnginePreference) throws {
        let ikm = SymmetricKey(data: Engines.bytes(22, seed: 8000))
        let salt = Engines.bytes(13, seed: 8001), info = Engines.bytes(10, seed: 8002)
        let derived = try HKDFKeyDerivation(prf: "hmac(sha256)", engine: engine)
            .deriveKey(inputKey: ikm, salt: salt, info: info, count: 42).symmetricKey
        let reference = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, outputByteCount: 42)
        #expect(derived == reference)
        let mac = try HashTransform("hmac(sha256)", engine: engine)
        try mac.setKey(derived)
        let message = Engines.bytes(100, seed: 8003)
        #expect(try mac.digest(message) == Array(HMAC<SHA256>.authenticationCode(for: message, using: reference)))
        let ctr = try CipherTransform("ctr(aes)", engine: engine)
        try ctr.setKey(SymmetricKey(data: derived.withUnsafeBytes { Array($0.prefix(32)) }))
        #expect(try ctr.encrypt(message, iv: [UInt8](repeating: 0, count: 16)).count == message.count)
    }
}

@Suite("client: sealed boxes and keys on the software engine")
struct AEADInteropTests {
    @Test func aesGCM() throws { try AEADInterop.gcm(.software) }
    @Test func chaChaPoly() throws { try AEADInterop.chaChaPoly(.software) }
    @Test func keys() throws { try AEADInterop.keys(.software) }
}

@Suite("client: sealed boxes and keys on the kernel engine", .enabled(if: Engines.runKernel, "AF_ALG unavailable here"))
struct AFALGAEADInteropTests {
    @Test func aesGCM() throws { try AEADInterop.gcm(.kernel) }
    @Test func chaChaPoly() throws { try AEADInterop.chaChaPoly(.kernel) }
    @Test func keys() throws { try AEADInterop.keys(.kernel) }
}
