import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@testable import KernelCipher

/// Typed errors and parallel requests, the same on both engines.
enum AEADErrorChecks {
    static func run(_ engine: EnginePreference) throws {
        let zeros12 = [UInt8](repeating: 0, count: 12)
        if !AEADConformance.refused("gcm(aes)", engine) {
            #expect(throws: KernelCipherError.invalidTagLength(5, allowed: [4, 8, 12, 13, 14, 15, 16])) {
                try AEADTransform("gcm(aes)", tagSize: 5, engine: engine)
            }
            let gcm = try AEADTransform("gcm(aes)", tagSize: 16, engine: engine)
            #expect(throws: KernelCipherError.keyNotSet) { try gcm.encrypt([UInt8](), iv: zeros12) }
            #expect(throws: KernelCipherError.invalidKeyLength(15, allowed: [16, 24, 32])) {
                try gcm.setKey([UInt8](repeating: 0, count: 15))
            }
            try gcm.setKey([UInt8](repeating: 7, count: 16))
            #expect(throws: KernelCipherError.invalidIVLength(8, expected: 12)) {
                try gcm.encrypt([UInt8](), iv: [UInt8](repeating: 0, count: 8))
            }
            #expect(throws: KernelCipherError.inputTooShort(length: 15, minimum: 16)) {
                try gcm.decrypt([UInt8](repeating: 0, count: 15), iv: zeros12)
            }
            // A flipped bit anywhere (ciphertext, tag, AAD) is an authentication failure, and the transform
            // (the op socket on the kernel engine) serves the next request.
            let pt = [UInt8](repeating: 0xAB, count: 100), ad: [UInt8] = [1, 2, 3]
            let sealed = try gcm.encrypt(pt, iv: zeros12, associatedData: ad)
            for position in [0, 99, 100, 115] {
                var bad = sealed
                bad[position] ^= 1
                #expect(throws: KernelCipherError.authenticationFailed) {
                    try gcm.decrypt(bad, iv: zeros12, associatedData: ad)
                }
                #expect(try gcm.decrypt(sealed, iv: zeros12, associatedData: ad) == pt)
            }
            #expect(throws: KernelCipherError.authenticationFailed) {
                try gcm.decrypt(sealed, iv: zeros12, associatedData: [1, 2, 4])
            }
        }
        if !AEADConformance.refused("rfc7539(chacha20,poly1305)", engine) {
            #expect(throws: KernelCipherError.invalidTagLength(12, allowed: [16])) {
                try AEADTransform("rfc7539(chacha20,poly1305)", tagSize: 12, engine: engine)
            }
        }
        if !AEADConformance.refused("ccm(aes)", engine) {
            #expect(throws: KernelCipherError.invalidTagLength(5, allowed: [4, 6, 8, 10, 12, 14, 16])) {
                try AEADTransform("ccm(aes)", tagSize: 5, engine: engine)
            }
            let ccm = try AEADConformance.make("ccm(aes)", engine, key: [UInt8](repeating: 1, count: 16), tagSize: 8)
            var iv = [UInt8](repeating: 0, count: 16)
            #expect(throws: KernelCipherError.invalidIV(reason: "the first byte of a ccm IV (L - 1) must be 1...7")) {
                try ccm.encrypt([1, 2, 3], iv: iv)
            }
            iv[0] = 1  // L = 2: payloads below 64 KiB
            #expect(throws: KernelCipherError.inputTooLarge(
                length: 65536, limit: 65535, reason: "a ccm IV with L = 2 encodes lengths below 2^16")) {
                try ccm.encrypt([UInt8](repeating: 0, count: 65536), iv: iv)
            }
            let sealed = try ccm.encrypt([1, 2, 3], iv: iv)
            #expect(sealed.count == 11)
            iv[0] = 3  // another L on the same transform: both engines honour the per-request L
            #expect(try ccm.encrypt([1, 2, 3], iv: iv) != sealed)
            var bad = sealed
            bad[10] ^= 0x80
            iv[0] = 1
            #expect(throws: KernelCipherError.authenticationFailed) { try ccm.decrypt(bad, iv: iv) }
            #expect(try ccm.decrypt(sealed, iv: iv) == [1, 2, 3])
        }
        if !AEADConformance.refused("rfc4106(gcm(aes))", engine) {
            let esp = try AEADConformance.make("rfc4106(gcm(aes))", engine, key: [UInt8](repeating: 2, count: 20))
            #expect(throws: KernelCipherError.invalidAssociatedDataLength(9, allowed: [8, 12])) {
                try esp.encrypt([1], iv: [UInt8](repeating: 0, count: 8), associatedData: [UInt8](repeating: 0, count: 9))
            }
            #expect(throws: KernelCipherError.invalidTagLength(4, allowed: [8, 12, 16])) {
                try AEADTransform("rfc4106(gcm(aes))", tagSize: 4, engine: engine)
            }
        }
    }

    /// Many requests at once on one transform (callbacks from worker threads), each checked by decrypting.
    static func parallel(_ engine: EnginePreference, requests: Int) throws {
        for algorithm in ["gcm(aes)", "rfc7539(chacha20,poly1305)", "ccm(aes)"]
        where !AEADConformance.refused(algorithm, engine) {
            let tfm = try AEADConformance.make(algorithm, engine, key: [UInt8](repeating: 9, count: 32))
            var rng = SeededGenerator(state: 77)
            let failures = Atomic<Int>(0), done = Atomic<Int>(0)
            var expected: [[UInt8]] = []
            let ivs = (0..<requests).map { _ in AEADConformance.randomIV(algorithm, tfm.ivSize, using: &rng) }
            for i in 0..<requests {
                let pt = randomBytes(i % 300, using: &rng)
                expected.append(pt)
                let request = AEADRequest(transform: tfm, input: pt, iv: ivs[i], associatedData: [UInt8(i & 0xFF)],
                                          context: i) { request, result in
                    switch result {
                    case .success(let sealed):
                        if (try? tfm.decrypt(sealed, iv: request.iv, associatedData: request.associatedData)) != pt {
                            failures.add(1, ordering: .relaxed)
                        }
                    case .failure: failures.add(1, ordering: .relaxed)
                    }
                    done.add(1, ordering: .releasing)
                }
                try request.encrypt()
            }
            while done.load(ordering: .acquiring) < requests { usleep(1000) }
            #expect(failures.load(ordering: .relaxed) == 0, "\(algorithm)")
            tfm.release()
        }
    }
}
