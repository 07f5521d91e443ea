import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Finding and reading keyring keys: keyring system calls only, no AF_ALG, so this runs on the host too.
@Suite("Kernel keyring key lookup", .serialized)
struct KernelKeyLookupTests {
    @Test func lookupByTypeAndDescriptionFindsTheSerial() throws {
        let ring = try TestKeyring()
        let user = try ring.add("user", "disk", payload: randomBytes(16))
        let logon = try ring.add("logon", "disk", payload: randomBytes(16))
        let found = try KernelKey.lookup(type: "user", description: ring.description(of: "disk"))
        #expect(found.serial == user.serial)
        #expect(found.name == "user:\(ring.description(of: "disk"))")
        // The combined form splits at the first colon only: descriptions keep theirs.
        #expect(try KernelKey.lookup("logon:\(ring.description(of: "disk"))").serial == logon.serial)
    }

    @Test func missingKeyIsNotFound() throws {
        let ring = try TestKeyring()
        let error = kernelKeyError { () throws(KernelCipherError) in
            _ = try KernelKey.lookup(type: "logon", description: ring.description(of: "absent"))
        }
        #expect(error == .notFound(key: "logon:\(ring.description(of: "absent"))"))
        #expect(error?.description.contains("not found") == true)
    }

    @Test func revokedKeyIsReportedRevoked() throws {
        let ring = try TestKeyring()
        let key = try ring.add("user", "k", payload: randomBytes(16))
        try Keyring.revoke(key)
        let error = kernelKeyError { () throws(KernelCipherError) in _ = try key.readPayload() }
        #expect(error == .revoked(key: key.description))
    }

    @Test(arguments: ["", "user", ":desc", "user:"])
    func malformedReferenceIsRefused(text: String) {
        let error = kernelKeyError { () throws(KernelCipherError) in _ = try KernelKey.lookup(text) }
        #expect(error == .invalidReference(text))
    }

    @Test func userKeyPayloadReadsBackLogonKeyDoesNot() throws {
        let ring = try TestKeyring()
        let bytes = randomBytes(32)
        let user = try ring.add("user", "u", payload: bytes)
        let logon = try ring.add("logon", "l", payload: bytes)
        let payload = try user.readPayload()
        #expect(payload == SecretBytes(copying: bytes))
        #expect(payload.withUnsafeBytes { Array($0) } == bytes)
        #expect(payload.description == "SecretBytes(\(bytes.count) bytes, redacted)")
        let error = kernelKeyError { () throws(KernelCipherError) in _ = try logon.readPayload() }
        #expect(error == .unreadable(key: logon.description))
    }

    /// A keyring key never falls back to OpenSSL by itself: a software transform refuses it and names why.
    @Test func softwareTransformRefusesAKernelKey() throws {
        let ring = try TestKeyring()
        let key = try ring.add("user", "k", payload: randomBytes(16))
        let tfm = try CipherTransform("cbc(aes)", engine: .software)
        defer { tfm.release() }
        let error = kernelKeyError { () throws(KernelCipherError) in try tfm.setKey(key) }
        guard case .requiresKernelEngine(let reason) = error else {
            Issue.record("expected requiresKernelEngine, got \(String(describing: error))"); return
        }
        #expect(reason.contains("software"))
        #expect(throws: KernelCipherError.keyNotSet) { _ = try tfm.encrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: 16)) }
        // The explicit way to use a readable user key in software: read it, key with the bytes.
        try tfm.setKey(try key.readPayload())
    }

    @Test func descriptionsNameTheKeyNotItsPayload() throws {
        let ring = try TestKeyring()
        let bytes: [UInt8] = Array("SECRET-PAYLOAD-16".utf8.prefix(16))
        let key = try ring.add("user", "k", payload: bytes)
        let found = try KernelKey.lookup(type: "user", description: ring.description(of: "k"))
        #expect(found.description == "key \(key.serial) (user:\(ring.description(of: "k")))")
        #expect(KernelKey(serial: 42).description == "key 42")
        let errors: [KernelKeyError] = [.revoked(key: found.description), .unreadable(key: found.description),
                                        .rejectedByAlgorithm(key: found.description, algorithm: "cbc(aes)", allowedLengths: [16])]
        for error in errors { #expect(!error.description.contains("SECRET")) }
    }
}

/// Wipes test key copies.
enum HexWipe {
    static func wipe(_ bytes: inout [UInt8]) { for i in bytes.indices { bytes[i] = 0 } }
}
