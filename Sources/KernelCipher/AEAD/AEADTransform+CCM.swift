#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension AEADTransform {
    /// The nonce lengths `ccmIV(nonce:)` takes: 15 − L bytes for a CCM length field of L = 2…8 bytes.
    public static let ccmNonceSizes: ClosedRange<Int> = 7...13

    /// The 16-byte IV the kernel's `ccm(aes)` wants for a CCM nonce (libkcapi's `kcapi_aead_ccm_nonce_to_iv`):
    /// L − 1 ‖ nonce ‖ zero counter, with L = 15 − nonce length. A nonce outside 7…13 bytes is `.invalidIV`.
    public static func ccmIV(nonce: some ContiguousBytes) throws(KernelCipherError) -> [UInt8] {
        let iv = nonce.withUnsafeBytes { bytes -> [UInt8]? in
            guard ccmNonceSizes.contains(bytes.count) else { return nil }
            var iv = [UInt8](repeating: 0, count: 16)
            iv[0] = UInt8(14 - bytes.count)
            for (offset, byte) in bytes.enumerated() { iv[1 + offset] = byte }
            return iv
        }
        guard let iv else {
            let count = nonce.withUnsafeBytes { $0.count }
            throw .invalidIV(reason: "a ccm nonce is 7...13 bytes (15 - L for a length field of L = 2...8), not \(count)")
        }
        return iv
    }
}
