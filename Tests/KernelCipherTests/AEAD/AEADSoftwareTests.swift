import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@testable import KernelCipher

/// The software AEAD engine against NIST GCM/CCM and RFC 8439 vectors, through all three request paths.
@Suite("AEAD: software engine")
struct AEADSoftwareTests {
    static let families = ["gcm", "ccm", "chacha20poly1305"]

    @Test(arguments: families, AEADConformance.Path.allCases)
    func knownAnswers(family: String, path: AEADConformance.Path) async throws {
        try await AEADConformance.knownAnswers(AEADVectors.families[family]!, .software, path: path)
    }

    @Test func vectorsIncludeFailCases() {
        for (family, vectors) in AEADVectors.families {
            #expect(vectors.contains { !$0.valid }, "\(family)")
            #expect(vectors.contains { $0.valid }, "\(family)")
        }
        // Every vendored block parsed (counted with grep -c '^Count' / '^COUNT'; all 5 + 11 ChaCha20-Poly1305 ones
        // have 12-byte nonces), ESP copies of the ChaCha20-Poly1305 ones included.
        #expect(AEADVectors.gcmAll.count == 1200 && AEADVectors.ccmAll.count == 582)
        #expect(AEADVectors.chachaAll.count == 2 * 16)
        #expect(AEADVectors.chachaAll.contains { $0.algorithm == "rfc7539esp(chacha20,poly1305)" })
    }

    /// rfc4106 = gcm with nonce salt ‖ IV; rfc4309 = ccm with IV 3 ‖ salt ‖ IV ‖ 0000 (L = 4): the layouts the
    /// kernel's crypto/gcm.c and crypto/ccm.c build.
    @Test func espLayoutsMatchTheirBaseModes() throws {
        var rng = SeededGenerator(state: 4106)
        for _ in 0..<20 {
            let key = randomBytes(16, using: &rng), salt = randomBytes(4, using: &rng)
            let iv = randomBytes(8, using: &rng), ad = randomBytes(8, using: &rng)
            let pt = randomBytes(Int.random(in: 0...100, using: &rng), using: &rng)
            let esp = try AEADConformance.make("rfc4106(gcm(aes))", .software, key: key + salt)
            let gcm = try AEADConformance.make("gcm(aes)", .software, key: key)
            #expect(try esp.encrypt(pt, iv: iv, associatedData: ad) == gcm.encrypt(pt, iv: salt + iv, associatedData: ad))
            let esp2 = try AEADConformance.make("rfc4309(ccm(aes))", .software, key: key + salt[0..<3])
            let ccm = try AEADConformance.make("ccm(aes)", .software, key: key)
            let ccmIV = [3] + salt[0..<3] + iv + [0, 0, 0, 0]
            #expect(try esp2.encrypt(pt, iv: iv, associatedData: ad) == ccm.encrypt(pt, iv: ccmIV, associatedData: ad))
        }
    }

    @Test func errors() throws { try AEADErrorChecks.run(.software) }

    @Test func parallelRequests() throws { try AEADErrorChecks.parallel(.software, requests: 2000) }

    @Test func properties() throws {
        let gcm = try AEADTransform("gcm(aes)", tagSize: 12, engine: .software)
        #expect(gcm.ivSize == 12 && gcm.tagSize == 12 && gcm.maximumTagSize == 16 && gcm.keySizes == [16, 24, 32])
        #expect(gcm.driver == "openssl:aes-128-gcm" && gcm.engine == .software && gcm.completionMode == .threads)
        try gcm.setKey([UInt8](repeating: 1, count: 32))
        #expect(gcm.driver == "openssl:aes-256-gcm")
        let esp = try AEADTransform("rfc4309(ccm(aes))", engine: .software)
        #expect(esp.ivSize == 8 && esp.tagSize == 16 && esp.keySizes == [19, 27, 35])
        #expect(AEADTransform.isAvailable("rfc7539(chacha20,poly1305)", engine: .software))
        #expect(!AEADTransform.isAvailable("gcm(nosuch)", engine: .software))
        #expect(throws: KernelCipherError.algorithmNotFound("cbc(aes)", engine: .software)) {
            try AEADTransform("cbc(aes)", engine: .software)
        }
    }

    @Test func keyIsZeroizedOnRelease() throws {
        let tfm = try AEADConformance.make("gcm(aes)", .software, key: [UInt8](repeating: 0x5A, count: 16))
        let storage = try #require(tfm.keyStorage)
        _ = try tfm.encrypt([UInt8](repeating: 0, count: 10), iv: [UInt8](repeating: 0, count: 12))
        tfm.release()
        #expect(tfm.isReleased)
        #expect(throws: KernelCipherError.transformReleased) {
            try tfm.encrypt([UInt8](), iv: [UInt8](repeating: 0, count: 12))
        }
        _ = storage
    }
}
