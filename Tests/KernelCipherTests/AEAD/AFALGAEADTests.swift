import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The kernel AEAD engine through real algif_aead sockets (in the test VM): a subset of the vectors, the
/// kernel-vs-software differential, tag mismatches, typed errors, the request limit and parallel requests.
/// On 7.3 with `af_alg_restrict=1` every refused name is asserted as a policy refusal instead.
@Suite("AF_ALG AEAD", .requiresAFALG, .serialized)
struct AFALGAEADTests {
    /// Every 12th GCM, 6th CCM and every ChaCha20-Poly1305 vector through the synchronous path; every 60th /
    /// 30th / 2nd through requests and async (the exhaustive runs are the host's software-engine suite).
    @Test(arguments: AEADConformance.Path.allCases)
    func knownAnswers(path: AEADConformance.Path) async throws {
        try requireAFALG()
        let scale = path == .sync ? 1 : 5
        try await AEADConformance.knownAnswers(AEADVectors.gcmAll, .kernel, path: path, stride: 12 * scale)
        try await AEADConformance.knownAnswers(AEADVectors.ccmAll, .kernel, path: path, stride: 6 * scale)
        try await AEADConformance.knownAnswers(AEADVectors.chachaAll, .kernel, path: path, stride: path == .sync ? 1 : 2)
    }

    /// Random keys, IVs, AAD and lengths (0, 1, 15, 16, 17, 1000, 70000, the request limit): the kernel and the
    /// software engine seal to the same bytes and each opens the other's output.
    @Test(arguments: AEADConformance.algorithms)
    func differential(algorithm: String) throws {
        try requireAFALG()
        if AEADConformance.refused(algorithm, .kernel) { return }
        var rng = SeededGenerator(state: UInt64(algorithm.utf8.count) &* 7919)
        let probe = try AEADTransform(algorithm, engine: .kernel)
        let keySize = probe.keySizes!.last!
        let limit = try #require(probe.maximumRequestSize)
        probe.release()
        for tagSize in Set([AEADAlgorithm.lookup(algorithm)!.tagSizes.first!, AEADAlgorithm.lookup(algorithm)!.maximumTagSize]) {
            let key = randomBytes(keySize, using: &rng)
            let kernel = try AEADConformance.make(algorithm, .kernel, key: key, tagSize: tagSize)
            let software = try AEADConformance.make(algorithm, .software, key: key, tagSize: tagSize)
            #expect(kernel.ivSize == software.ivSize && kernel.tagSize == tagSize && software.tagSize == tagSize)
            for length in [0, 1, 15, 16, 17, 1000, 70_000, Int.max] {
                let ad = AEADConformance.randomAAD(algorithm, using: &rng)
                let iv = AEADConformance.randomIV(algorithm, kernel.ivSize, using: &rng)
                // ccm(aes) IVs here use L = 4, so every length fits; the ESP AAD counts toward the limit.
                let pt = randomBytes(min(length, limit - ad.count - 8 - 16), using: &rng)
                let sealed = try kernel.encrypt(pt, iv: iv, associatedData: ad)
                #expect(sealed == (try software.encrypt(pt, iv: iv, associatedData: ad)), "\(algorithm) \(pt.count)")
                #expect(try software.decrypt(sealed, iv: iv, associatedData: ad) == pt)
                #expect(try kernel.decrypt(sealed, iv: iv, associatedData: ad) == pt)
            }
        }
    }

    /// The limit is what one sendmsg and one read carry (measured: the request exactly at the limit works), and
    /// one byte more is `.inputTooLarge` naming it.
    @Test func requestLimit() throws {
        try requireAFALG()
        if AEADConformance.refused("gcm(aes)", .kernel) { return }
        let tfm = try AEADConformance.make("gcm(aes)", .kernel, key: [UInt8](repeating: 3, count: 16))
        let limit = try #require(tfm.maximumRequestSize)
        #expect(limit == KernelAEADEngine.socketBufferLimit())
        let iv = [UInt8](repeating: 0, count: 12), ad = [UInt8](repeating: 1, count: 20)
        let pt = [UInt8](repeating: 0x42, count: limit - ad.count - 16)
        let sealed = try tfm.encrypt(pt, iv: iv, associatedData: ad)
        #expect(try tfm.decrypt(sealed, iv: iv, associatedData: ad) == pt)
        #expect(throws: KernelCipherError.self) { try tfm.encrypt(pt + [0], iv: iv, associatedData: ad) }
        do {
            _ = try tfm.encrypt(pt + [0], iv: iv, associatedData: ad)
        } catch {
            guard case .inputTooLarge(let length, let reported, _) = error else { Issue.record("\(error)"); return }
            #expect(length == limit + 1 && reported == limit)
        }
        #expect(throws: KernelCipherError.self) { try tfm.decrypt(sealed + [0], iv: iv, associatedData: ad) }
        do {
            _ = try tfm.decrypt(sealed + [0], iv: iv, associatedData: ad)
        } catch {
            guard case .inputTooLarge(let length, let reported, _) = error else { Issue.record("\(error)"); return }
            #expect(length == limit + 1 && reported == limit)
        }
    }

    /// EBADMSG: the caller's output is zeroed, `.authenticationFailed` is thrown, and the same op socket (the slot
    /// is not discarded) serves the next request.
    @Test func tagMismatchZeroesOutputAndKeepsTheSocket() throws {
        try requireAFALG()
        for algorithm in AEADConformance.algorithms where !AEADConformance.refused(algorithm, .kernel) {
            let tfm = try AEADConformance.make(algorithm, .kernel, key: [UInt8](repeating: 5, count: AEADAlgorithm.lookup(algorithm)!.keySizes[0]))
            var rng = SeededGenerator(state: 1)
            let iv = AEADConformance.randomIV(algorithm, tfm.ivSize, using: &rng)
            let ad = AEADConformance.randomAAD(algorithm, using: &rng)
            let pt = [UInt8](repeating: 0x33, count: 64)
            var sealed = try tfm.encrypt(pt, iv: iv, associatedData: ad)
            sealed[sealed.count - 1] ^= 1
            let slot = try tfm.core.slots.checkout()
            var output = [UInt8](repeating: 0xFF, count: pt.count)
            let result = iv.withUnsafeBytes { iv in
                ad.withUnsafeBytes { ad in
                    sealed.withUnsafeBytes { input in
                        output.withUnsafeMutableBytes { output in
                            Result { () throws(KernelCipherError) in
                                try slot.run(.decrypt, iv: iv, associatedData: ad, input: input, output: output)
                            }
                        }
                    }
                }
            }
            #expect(throws: KernelCipherError.authenticationFailed) { try result.get() }
            #expect(output == [UInt8](repeating: 0, count: pt.count), "\(algorithm)")
            #expect(!slot.isBroken)
            sealed[sealed.count - 1] ^= 1
            let again = iv.withUnsafeBytes { iv in
                ad.withUnsafeBytes { ad in
                    sealed.withUnsafeBytes { input in
                        output.withUnsafeMutableBytes { output in
                            Result { () throws(KernelCipherError) in
                                try slot.run(.decrypt, iv: iv, associatedData: ad, input: input, output: output)
                            }
                        }
                    }
                }
            }
            #expect(throws: Never.self) { try again.get() }
            #expect(output == pt, "\(algorithm): the op socket that got EBADMSG decrypts the next request")
            tfm.core.slots.checkin(slot)
        }
    }

    @Test func errors() throws { try requireAFALG(); try AEADErrorChecks.run(.kernel) }

    @Test func parallelRequests() throws { try requireAFALG(); try AEADErrorChecks.parallel(.kernel, requests: 1000) }

    @Test func properties() throws {
        try requireAFALG()
        for algorithm in AEADConformance.algorithms where !AEADConformance.refused(algorithm, .kernel) {
            let kernel = try AEADTransform(algorithm, engine: .kernel)
            let software = try AEADTransform(algorithm, engine: .software)
            #expect(kernel.ivSize == software.ivSize && kernel.tagSize == software.tagSize, "\(algorithm)")
            #expect(kernel.maximumTagSize == software.maximumTagSize && kernel.keySizes == software.keySizes)
            #expect(!kernel.driver.isEmpty && !kernel.driver.hasPrefix("openssl:"))
            #expect(AEADTransform.isAvailable(algorithm, engine: .kernel))
            #expect(try AEADTransform(algorithm).engine == .kernel)
        }
        #expect(!AEADTransform.isAvailable("gcm(nosuch)", engine: .kernel))
    }
}
