import Testing
@testable import KernelCipher

/// A keyring key never falls back to the software engine on any family, and an unkeyed hash takes no key.
@Suite struct KernelKeyFamiliesTests {
    static let key = KernelKey(serial: 12345)

    @Test func softwareAEADRefusesAKeyringKey() throws {
        let tfm = try AEADTransform("gcm(aes)", engine: .software)
        defer { tfm.release() }
        guard case .requiresKernelEngine? = kernelKeyError({ () throws(KernelCipherError) in try tfm.setKey(Self.key) })
        else { Issue.record("software AEAD took a keyring key"); return }
        #expect(throws: KernelCipherError.keyNotSet) { try tfm.encrypt([1, 2, 3], iv: [UInt8](repeating: 0, count: 12)) }
    }

    @Test func softwareMACRefusesAKeyringKey() throws {
        let mac = try HashTransform("hmac(sha256)", engine: .software)
        defer { mac.release() }
        guard case .requiresKernelEngine? = kernelKeyError({ () throws(KernelCipherError) in try mac.setKey(Self.key) })
        else { Issue.record("software HMAC took a keyring key"); return }
        #expect(throws: KernelCipherError.keyNotSet) { try mac.digest([1, 2, 3]) }
    }

    @Test func unkeyedHashRefusesAKeyringKey() throws {
        let hash = try HashTransform("sha256", engine: .software)
        defer { hash.release() }
        #expect(throws: KernelCipherError.invalidKeyLength(0, allowed: [])) { try hash.setKey(Self.key) }
    }
}
