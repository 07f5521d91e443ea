import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `AEADTransform.ccmIV(nonce:)` (libkcapi's `kcapi_aead_ccm_nonce_to_iv`) against the layout of the NIST CCM
/// vectors and the kernel-independent rules.
@Suite("AEAD: ccm nonce to IV")
struct CCMNonceTests {
    @Test func layoutForEveryNonceLength() throws {
        for length in 7...13 {
            let nonce = (0..<length).map { UInt8(0xa0 + $0) }
            let iv = try AEADTransform.ccmIV(nonce: nonce)
            #expect(iv.count == 16)
            #expect(iv[0] == UInt8(14 - length))            // L - 1, L = 15 - nonce length
            #expect(Array(iv[1...length]) == nonce)
            #expect(iv[(length + 1)...].allSatisfy { $0 == 0 })  // the counter starts at zero
        }
    }

    @Test func nonceOutsideSevenToThirteenIsRefused() {
        for length in [0, 6, 14, 16] {
            #expect(throws: KernelCipherError.invalidIV(
                reason: "a ccm nonce is 7...13 bytes (15 - L for a length field of L = 2...8), not \(length)")
            ) { try AEADTransform.ccmIV(nonce: [UInt8](repeating: 1, count: length)) }
        }
    }

    /// NIST CCM vectors (every nonce length 7…13 occurs in VNT) through the helper give the vectors' ciphertexts.
    @Test func nistVectorsThroughTheHelper() throws {
        let vectors = AEADVectors.ccmAll.filter { $0.valid && $0.file.hasPrefix("VNT") }
        #expect(Set(vectors.map { Int($0.iv[0]) }).count == 7)
        for vector in vectors {
            let nonce = Array(vector.iv[1..<(15 - Int(vector.iv[0]))])
            let ccm = try AEADTransform("ccm(aes)", tagSize: vector.tagSize, engine: .software)
            try ccm.setKey(vector.key)
            let sealed = try ccm.encrypt(vector.plaintext, iv: AEADTransform.ccmIV(nonce: nonce),
                                         associatedData: vector.associatedData)
            #expect(sealed == vector.sealed, "\(vector.file) #\(vector.count)")
        }
    }
}
