import KernelCipherTestSupport

/// One AEAD known answer in the kernel's layout: key (salt included for ESP forms), IV, associated data,
/// plaintext, ciphertext ‖ tag, and whether decryption must fail.
struct AEADVector: Sendable, CustomStringConvertible {
    let algorithm: String
    let file: String
    let count: Int
    let key: [UInt8]
    let iv: [UInt8]
    let associatedData: [UInt8]
    let plaintext: [UInt8]
    let sealed: [UInt8]
    let tagSize: Int
    /// False for vectors whose tag must not verify (NIST FAIL, `Result = Fail`, CIPHERFINAL_ERROR).
    let valid: Bool
    var description: String { "\(algorithm) \(file)#\(count) (pt \(plaintext.count), ad \(associatedData.count), tag \(tagSize)\(valid ? "" : ", FAIL"))" }
}

/// The AEAD suites' mapping of `VectorReader` cases in Resources/Vectors/AEAD to `AEADVector`s.
enum AEADVectors {
    /// NIST GCM: `[Taglen = N]` sections, cases Key/IV/PT/AAD/CT/Tag, `FAIL` for tags that must not verify.
    static func gcm(_ file: String) -> [AEADVector] {
        VectorReader.read(file, in: "AEAD").map { r in
            AEADVector(algorithm: "gcm(aes)", file: file, count: r.int("COUNT"), key: r.bytes("KEY"), iv: r.bytes("IV"),
                       associatedData: r.bytes("AAD", or: []), plaintext: r.bytes("PT", or: []),
                       sealed: r.bytes("CT") + r.bytes("TAG"), tagSize: r.int("TAGLEN") / 8, valid: !r.markers.contains("FAIL"))
        }
    }

    /// NIST CCM (VADT/VNT/VPT/DVPT): Alen/Plen/Nlen/Tlen and Key/Nonce as parameters or per count. The kernel's
    /// ccm(aes) IV is L−1 ‖ nonce ‖ zeros (16 bytes), L = 15 − Nlen.
    static func ccm(_ file: String) -> [AEADVector] {
        VectorReader.read(file, in: "AEAD").map { r in
            let nonce = r.bytes("NONCE")
            let iv = [UInt8(14 - nonce.count)] + nonce + [UInt8](repeating: 0, count: 15 - nonce.count)
            return AEADVector(
                algorithm: "ccm(aes)", file: file, count: r.int("COUNT"), key: r.bytes("KEY"), iv: iv,
                associatedData: Array(r.bytes("ADATA", or: []).prefix(r.int("ALEN"))),
                plaintext: Array(r.bytes("PAYLOAD", or: []).prefix(r.int("PLEN"))), sealed: r.bytes("CT"),
                tagSize: r.int("TLEN"), valid: (r["RESULT"] ?? "Pass").hasPrefix("Pass"))
        }
    }

    /// ChaCha20-Poly1305 (openssl.txt / boringssl.txt layouts), 12-byte nonces only.
    static func chacha(_ file: String) -> [AEADVector] {
        VectorReader.read(file, in: "AEAD").compactMap { r in
            let nonce = r.bytes("IV", "NONCE")
            guard nonce.count == 12 else { return nil }
            return AEADVector(
                algorithm: "rfc7539(chacha20,poly1305)", file: file, count: r.int("COUNT"), key: r.bytes("KEY"),
                iv: nonce, associatedData: r.bytes("AAD", "AD", or: []), plaintext: r.bytes("PLAINTEXT", "IN", or: []),
                sealed: r.bytes("CIPHERTEXT", "CT") + r.bytes("TAG"), tagSize: 16, valid: r["RESULT"] == nil)
        }
    }

    /// The same ChaCha20-Poly1305 vectors as rfc7539esp: key ‖ nonce[0..<4], IV nonce[4..<12].
    static func esp(_ vector: AEADVector) -> AEADVector {
        AEADVector(algorithm: "rfc7539esp(chacha20,poly1305)", file: vector.file, count: vector.count,
                   key: vector.key + vector.iv[0..<4], iv: Array(vector.iv[4...]), associatedData: vector.associatedData,
                   plaintext: vector.plaintext, sealed: vector.sealed, tagSize: 16, valid: vector.valid)
    }

    static let gcmAll: [AEADVector] = [128, 192, 256].flatMap { gcm("gcmEncryptExtIV\($0).rsp") + gcm("gcmDecrypt\($0).rsp") }
    static let ccmAll: [AEADVector] = ["VADT", "VNT", "VPT", "DVPT"].flatMap { kind in
        [128, 192, 256].flatMap { ccm("\(kind)\($0).rsp") }
    }
    static let chachaAll: [AEADVector] = {
        let plain = chacha("chacha20poly1305-openssl.txt") + chacha("chacha20poly1305-boringssl.txt")
        return plain + plain.map(esp)
    }()

    /// Every vendored vector, by family.
    static let families: [String: [AEADVector]] = ["gcm": gcmAll, "ccm": ccmAll, "chacha20poly1305": chachaAll]
}
