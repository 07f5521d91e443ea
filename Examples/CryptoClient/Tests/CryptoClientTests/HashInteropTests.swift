import Crypto
import CryptoClient
import KernelCipher
import Testing

/// Generic `HashFunction` code (the app's `fingerprint`, swift-crypto's `HMAC<H>` and `HKDF<H>`) gives the same
/// bytes over swift-crypto's SHA-2 and over this library's engines.
enum HashInterop {
    static func same<Reference: HashFunction, Engine: HashFunction>(_: Reference.Type, _: Engine.Type) {
        #expect(Engine.Digest.byteCount == Reference.Digest.byteCount)
        #expect(Engine.blockByteCount == Reference.blockByteCount)
        for (index, length) in Engines.lengths.enumerated() {
            let data = Engines.bytes(length, seed: UInt64(index))
            // One-shot and streamed in uneven chunks, through the app's generic code.
            #expect(Array(Engine.hash(data: data)) == Array(Reference.hash(data: data)), "\(Engine.self) \(length)")
            #expect(fingerprint(data, using: Engine.self, chunk: 77) == fingerprint(data, using: Reference.self),
                    "\(Engine.self) \(length)")
        }
        // swift-crypto's HMAC and HKDF, generic over the hash, run on the engine unchanged.
        for (index, keyLength) in [0, 16, 32, 200].enumerated() {
            let key = SymmetricKey(data: Engines.bytes(keyLength, seed: 100 + UInt64(index)))
            let message = Engines.bytes(300, seed: 200 + UInt64(index)), salt = Engines.bytes(13, seed: 300)
            let mine = macAndDerive(message, key: key, salt: salt, using: Engine.self)
            let theirs = macAndDerive(message, key: key, salt: salt, using: Reference.self)
            #expect(mine.mac == theirs.mac && mine.derived == theirs.derived, "\(Engine.self) key \(keyLength)")
        }
        // A hasher is a value: a copy carries the partial state and diverges independently.
        var first = Engine()
        first.update(data: [1, 2, 3])
        var second = first
        second.update(data: [4])
        first.update(data: [4])
        #expect(first.finalize() == second.finalize())
        #expect(Array(first.finalize()) == Array(Reference.hash(data: [1, 2, 3, 4])))
    }
}

@Suite("client: HashFunction on the software engine")
struct HashInteropTests {
    @Test func sha256() { HashInterop.same(SHA256.self, SoftwareSHA256.self) }
    @Test func sha384() { HashInterop.same(SHA384.self, SoftwareSHA384.self) }
    @Test func sha512() { HashInterop.same(SHA512.self, SoftwareSHA512.self) }
    @Test func automatic() { HashInterop.same(SHA256.self, AutoSHA256.self) }
}

@Suite("client: HashFunction on the kernel engine", .enabled(if: Engines.runKernel, "AF_ALG unavailable here"))
struct AFALGHashInteropTests {
    @Test func sha256() throws {
        try KernelSHA256.check()
        HashInterop.same(SHA256.self, KernelSHA256.self)
    }
    @Test func sha384() throws {
        try KernelSHA384.check()
        HashInterop.same(SHA384.self, KernelSHA384.self)
    }
    @Test func sha512() throws {
        try KernelSHA512.check()
        HashInterop.same(SHA512.self, KernelSHA512.self)
    }
}
