import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The software engine (OpenSSL EVP_MD / EVP_MAC) against every vendored vector, and the API's rules.
@Suite struct SoftwareHashTests {
    @Test("every vendored vector through digest, context, request and async (software)")
    func knownAnswers() async throws {
        try await HashConformance.check(HashVectors.all, engine: .software)
    }

    /// Every vendored case read (VectorReaderTests counts them per file), and the subset the kernel suite
    /// (AFALGHashTests) takes: a reader or mapping that drops cases fails here, on the host.
    @Test func vectorCounts() {
        #expect(HashVectors.all.count == 656)
        let perAlgorithm = Dictionary(grouping: HashVectors.all, by: \.algorithm).mapValues(\.count)
        #expect(perAlgorithm == ["sha1": 71, "sha224": 71, "sha256": 71, "sha384": 135, "sha512": 135, "sha3-224": 40,
                                 "sha3-256": 38, "sha3-384": 30, "sha3-512": 22, "hmac(sha1)": 7, "hmac(sha224)": 6,
                                 "hmac(sha256)": 6, "hmac(sha384)": 6, "hmac(sha512)": 6, "cmac(aes)": 12])
        #expect(HashVectors.subset(stride: 12).count == 76)
    }

    @Test("sizes and keyed flags", arguments: [
        ("sha1", 20, 64, false), ("sha256", 32, 64, false), ("sha512", 64, 128, false), ("sha3-256", 32, 136, false),
        ("hmac(sha256)", 32, 64, true), ("hmac(sha3-512)", 64, 72, true), ("cmac(aes)", 16, 16, true),
    ])
    func sizes(_ name: String, _ digestSize: Int, _ blockSize: Int, _ keyed: Bool) throws {
        let hash = try HashTransform(name, engine: .software)
        #expect(hash.digestSize == digestSize && hash.blockSize == blockSize && hash.isKeyed == keyed)
        #expect(hash.completionMode == .threads && hash.driver.hasPrefix("openssl:"))
        #expect(HashTransform.isAvailable(name, engine: .software))
    }

    @Test("a keyed algorithm without a key fails with keyNotSet on every path")
    func keyNotSet() async throws {
        for name in ["hmac(sha256)", "cmac(aes)"] {
            let hash = try HashTransform(name, engine: .software)
            #expect(throws: KernelCipherError.keyNotSet) { try hash.digest([1, 2, 3]) }
            #expect(throws: KernelCipherError.keyNotSet) { try hash.makeContext() }
            #expect(throws: KernelCipherError.keyNotSet) {
                try HashRequest(transform: hash, input: [UInt8](), context: 0) { _, _ in }.digest()
            }
            await #expect(throws: KernelCipherError.keyNotSet) { try await hash.digest([UInt8](repeating: 0, count: 2 << 20)) }
        }
    }

    @Test("key length rules: unkeyed refuses a key, cmac(aes) takes 16/24/32, hmac any length (also empty)")
    func keyLengths() throws {
        #expect(throws: KernelCipherError.invalidKeyLength(3, allowed: [])) {
            try HashTransform("sha256", engine: .software).setKey([1, 2, 3])
        }
        let cmac = try HashTransform("cmac(aes)", engine: .software)
        #expect(cmac.keySizes == [16, 24, 32])
        #expect(throws: KernelCipherError.invalidKeyLength(15, allowed: [16, 24, 32])) { try cmac.setKey([UInt8](repeating: 1, count: 15)) }
        try cmac.setKey([UInt8](repeating: 1, count: 32))
        #expect(cmac.driver == "openssl:cmac-aes-256-cbc")
        let hmac = try HashTransform("hmac(sha256)", engine: .software)
        #expect(hmac.keySizes == nil)
        try hmac.setKey([UInt8]())
        // HMAC-SHA256 with an empty key over "" (openssl dgst -sha256 -hmac '' </dev/null).
        #expect(Hex.encode(try hmac.digest([UInt8]())) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("re-keying: digests after setKey use the new key; a context made before keeps its key")
    func rekey() throws {
        let hmac = try HashTransform("hmac(sha1)", engine: .software)
        let vectors = HashVectors.all.filter { $0.algorithm == "hmac(sha1)" }
        try hmac.setKey(vectors[0].key)
        var context = try hmac.makeContext()
        _ = try hmac.digest(vectors[0].message)  // pools a state under key 0
        try hmac.setKey(vectors[1].key)
        #expect(try hmac.digest(vectors[1].message) == vectors[1].digest)
        try context.update(data: vectors[0].message)
        #expect(try context.finalize() == vectors[0].digest)
    }

    @Test("unknown names are not found; a released transform refuses work")
    func unknownAndReleased() throws {
        #expect(throws: KernelCipherError.algorithmNotFound("nosuchhash", engine: .software)) {
            try HashTransform("nosuchhash", engine: .software)
        }
        #expect(throws: KernelCipherError.algorithmNotFound("hmac(nosuch)", engine: .software)) {
            try HashTransform("hmac(nosuch)", engine: .software)
        }
        #expect(!HashTransform.isAvailable("cbc(aes)", engine: .software))
        let hash = try HashTransform("sha256", engine: .software)
        var context = try hash.makeContext()
        hash.release()
        #expect(hash.isReleased)
        #expect(throws: KernelCipherError.transformReleased) { try hash.digest([1]) }
        #expect(throws: KernelCipherError.transformReleased) { try context.update(data: [1]) }
    }
}
