import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@testable import KernelCipher

/// Transforms keyed from kernel keyring keys (`ALG_SET_KEY_BY_KEY_SERIAL`) through real AF_ALG sockets, on every
/// kernel of the matrix: ≥ 6.2 the bytes must equal the raw key's, < 6.2 every use reports the unsupported kernel.
/// `cbc(aes)` binds for root and `xts(aes)` for everyone under `af_alg_restrict=1` (7.3), so no refusal applies.
@Suite("AF_ALG keyring keys", .requiresAFALG, .serialized)
struct AFALGKernelKeyTests {
    static let supported = KernelExpectation.version >= (6, 2)
    static let zeroIV = [UInt8](repeating: 0, count: 16)

    /// Keys `tfm` from `key`; below 6.2 asserts the typed "needs Linux 6.2" refusal instead and returns false.
    static func key(_ tfm: CipherTransform, _ key: KernelKey, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        if supported {
            try tfm.setKey(key)
            return true
        }
        let error = kernelKeyError(sourceLocation: sourceLocation) { () throws(KernelCipherError) in try tfm.setKey(key) }
        guard case .unsupportedKernel(let release)? = error else {
            Issue.record("expected unsupportedKernel, got \(String(describing: error))", sourceLocation: sourceLocation)
            return false
        }
        #expect(release == KernelRelease.current, sourceLocation: sourceLocation)
        #expect(error?.description.contains("need Linux 6.2") == true, sourceLocation: sourceLocation)
        return false
    }

    /// The error keying a fresh `cbc(aes)` kernel transform from `key` gives (nil below 6.2, where that is asserted).
    static func keyingError(_ key: KernelKey, algorithm: String = "cbc(aes)") throws -> KernelKeyError? {
        let tfm = try CipherTransform(algorithm, engine: .kernel)
        defer { tfm.release() }
        guard supported else { _ = try Self.key(tfm, key); return nil }
        return kernelKeyError { () throws(KernelCipherError) in try tfm.setKey(key) }
    }

    @Test func supportProbeMatchesTheRelease() throws {
        try requireAFALG()
        let support = KernelKeySupport.probe()
        #expect(support == (Self.supported ? .supported : .unsupportedKernel(release: KernelRelease.current)))
    }

    @Test(arguments: [("cbc(aes)", 16), ("cbc(aes)", 32), ("xts(aes)", 64)], ["user", "logon"])
    func sameBytesAsTheRawKey(algorithm: (name: String, keyLength: Int), type: String) throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let bytes = randomBytes(algorithm.keyLength)
        let key = try ring.add(type, "k", payload: bytes)
        let tfm = try CipherTransform(algorithm.name, engine: .kernel)
        defer { tfm.release() }
        guard try Self.key(tfm, key) else { return }
        let reference = try CipherTransform(algorithm.name, engine: .software)
        defer { reference.release() }
        try reference.setKey(bytes)
        let plaintext = randomBytes(4096), iv = randomBytes(16)
        let ciphertext = try tfm.encrypt(plaintext, iv: iv)
        #expect(ciphertext == (try reference.encrypt(plaintext, iv: iv)))
        #expect(try tfm.decrypt(ciphertext, iv: iv) == plaintext)
        #expect(tfm.keyStorage == nil)  // no copy of a key the process never had
    }

    @Test func byDescriptionThroughTheConvenienceInitializer() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let bytes = randomBytes(32)
        _ = try ring.add("logon", "disk", payload: bytes)
        let key = try KernelKey.lookup("logon:\(ring.description(of: "disk"))")
        guard Self.supported else {
            #expect(throws: KernelCipherError.kernelKey(.unsupportedKernel(release: KernelRelease.current))) {
                _ = try CipherTransform("cbc(aes)", kernelKey: key)
            }
            return
        }
        let tfm = try CipherTransform("cbc(aes)", kernelKey: key)
        defer { tfm.release() }
        #expect(tfm.engine == .kernel)
        let reference = try CipherTransform("cbc(aes)", engine: .software)
        defer { reference.release() }
        try reference.setKey(bytes)
        let plaintext = randomBytes(1024)
        #expect(try tfm.encrypt(plaintext, iv: Self.zeroIV) == (try reference.encrypt(plaintext, iv: Self.zeroIV)))
    }

    @Test func revokedKey() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("logon", "k", payload: randomBytes(16))
        try Keyring.revoke(key)
        guard let error = try Self.keyingError(key) else { return }
        #expect(error == .revoked(key: key.description))
    }

    @Test func invalidatedKey() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("user", "k", payload: randomBytes(16))
        try Keyring.invalidate(key)
        guard let error = try Self.keyingError(key) else { return }
        // Invalidated: EKEYREVOKED until the collector runs, ENOKEY after; both name the key.
        #expect(error == .revoked(key: key.description) || error == .notFound(key: key.description))
    }

    @Test func unlinkedKey() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("user", "k", payload: randomBytes(16))
        try Keyring.unlink(key, from: ring.ring.serial)
        guard let error = try Self.keyingError(key) else { return }
        #expect(error == .notFound(key: key.description))
    }

    @Test func expiredKey() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("user", "k", payload: randomBytes(16))
        try Keyring.setTimeout(key, seconds: 1)
        var request = timespec(tv_sec: 1, tv_nsec: 200_000_000), rest = timespec()
        while nanosleep(&request, &rest) != 0 { request = rest }
        guard let error = try Self.keyingError(key) else { return }
        #expect(error == .expired(key: key.description))
    }

    @Test func noSuchSerial() throws {
        try requireAFALG()
        guard let error = try Self.keyingError(KernelKey(serial: Int32.max)) else { return }
        #expect(error == .notFound(key: "key \(Int32.max)"))
    }

    @Test(arguments: [15, 20, 33])
    func wrongLengthForTheAlgorithm(length: Int) throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("logon", "k", payload: randomBytes(length))
        guard let error = try Self.keyingError(key) else { return }
        #expect(error == .rejectedByAlgorithm(key: key.description, algorithm: "cbc(aes)", allowedLengths: [16, 24, 32]))
    }

    @Test func keyringIsNotAKeyTypeAFALGTakes() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        guard let error = try Self.keyingError(ring.ring) else { return }
        #expect(error == .unsupportedKeyType(key: ring.ring.description))
    }

    /// Possessor, user, group and other all lack `search` (0x08 in each byte): the kernel refuses with EACCES.
    @Test func noSearchPermission() throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let key = try ring.add("logon", "k", payload: randomBytes(16))
        try Keyring.setPermissions(key, 0x3700_0000)
        guard let error = try Self.keyingError(key) else { return }
        #expect(error == .permissionDenied(key: key.description))
    }

    /// Callback requests, async calls and re-keying between a keyring key and bytes behave as with a byte key.
    @Test func callbacksAsyncAndRekeying() async throws {
        try requireAFALG()
        let ring = try TestKeyring()
        let bytes = randomBytes(16), other = randomBytes(16)
        let key = try ring.add("logon", "k", payload: bytes)
        let tfm = try CipherTransform("cbc(aes)", engine: .kernel, options: .init(maxInFlight: 4))
        defer { tfm.release() }
        guard try Self.key(tfm, key) else { return }
        let reference = try CipherTransform("cbc(aes)", engine: .software)
        defer { reference.release() }
        try reference.setKey(bytes)

        let inputs = (0..<8).map { _ in randomBytes(16 << 10) }
        let expected = try inputs.map { try reference.encrypt($0, iv: Self.zeroIV) }
        let results = Mutex([Int: [UInt8]]())
        let done = DispatchSemaphore(value: 0)
        for (index, input) in inputs.enumerated() {
            try CipherRequest(transform: tfm, input: input, iv: Self.zeroIV, context: index) { request, result in
                results.withLock { $0[request.context] = try? result.get() }
                done.signal()
            }.encrypt()
        }
        for _ in inputs { done.wait() }
        results.withLock { got in
            for index in inputs.indices { #expect(got[index] == expected[index], "request \(index)") }
        }
        let large = randomBytes(128 << 10)  // above the kernel engine's 16 KiB inline limit: runs on a worker
        let asyncOut = try await tfm.encrypt(large, iv: Self.zeroIV)
        #expect(asyncOut == (try Self.encrypt(reference, large)))

        // Bytes, then the keyring key again: each request after setKey returns runs under the new key.
        try tfm.setKey(other)
        try reference.setKey(other)
        #expect(try Self.encrypt(tfm, inputs[0]) == (try Self.encrypt(reference, inputs[0])))
        try tfm.setKey(key)
        #expect(try Self.encrypt(tfm, inputs[0]) == expected[0])
    }

    /// The synchronous encrypt (an async context would pick the async overload).
    static func encrypt(_ tfm: CipherTransform, _ input: [UInt8]) throws -> [UInt8] { try tfm.encrypt(input, iv: zeroIV) }
}

