import KernelCipherTestSupport

/// One known-answer vector: algorithm, key, IV, plaintext and ciphertext.
struct KnownAnswer: Sendable, CustomStringConvertible {
    let algorithm: String
    let file: String
    let count: Int
    let key: [UInt8]
    let iv: [UInt8]
    let plaintext: [UInt8]
    let ciphertext: [UInt8]
    var description: String { "\(algorithm) \(file)#\(count) (\(plaintext.count) bytes)" }
}

/// The skcipher suites' mapping of `VectorReader` cases to `KnownAnswer`s.
enum VectorFile {
    /// The cases of `file` as `algorithm` vectors: KEY, IV (or XTS's `i`; none for ECB), PLAINTEXT/PT,
    /// CIPHERTEXT/CT, unless `map` lays out key and IV itself.
    static func load(_ file: String, algorithm: String, map: ((VectorRecord) -> (key: [UInt8], iv: [UInt8]))? = nil)
        -> [KnownAnswer]
    {
        VectorReader.read(file).map { r in
            let (key, iv) = map?(r) ?? (r.bytes("KEY"), r.bytes("IV", "I", or: []))
            return KnownAnswer(algorithm: algorithm, file: file, count: r.int("COUNT"), key: key, iv: iv,
                               plaintext: r.bytes("PLAINTEXT", "PT"), ciphertext: r.bytes("CIPHERTEXT", "CT"))
        }
    }

    /// Every vector set the project vendors, by kernel algorithm name.
    static let all: [KnownAnswer] = {
        var all: [KnownAnswer] = []
        for bits in [128, 192, 256] {
            all += load("CBCMMT\(bits).rsp", algorithm: "cbc(aes)")
            all += load("ECBMMT\(bits).rsp", algorithm: "ecb(aes)")
            all += load("aes-\(bits)-ctr.txt", algorithm: "ctr(aes)")
            // RFC 3686 vectors again through rfc3686(ctr(aes)): nonce = IV[0..<4] moves to the key's tail.
            all += load("aes-\(bits)-ctr.txt", algorithm: "rfc3686(ctr(aes))") { r in
                let iv = r.bytes("IV")
                return (r.bytes("KEY") + iv[0..<4], Array(iv[4..<12]))
            }
        }
        all += load("SP800-38A-CTR.txt", algorithm: "ctr(aes)")
        for bits in [128, 256] { all += load("XTSGenAES\(bits).rsp", algorithm: "xts(aes)") }
        all += load("rfc7539.txt", algorithm: "chacha20") { r in
            let le = withUnsafeBytes(of: UInt32(r.int("INITIAL_BLOCK_COUNTER")).littleEndian) { Array($0) }
            return (r.bytes("KEY"), le + r.bytes("NONCE"))
        }
        let tdes: (VectorRecord) -> (key: [UInt8], iv: [UInt8]) = { r in
            (r.bytes("KEY1") + r.bytes("KEY2") + r.bytes("KEY3"), r.bytes("IV", or: []))
        }
        all += load("TCBCMMT3.rsp", algorithm: "cbc(des3_ede)", map: tdes)
        all += load("TECBMMT3.rsp", algorithm: "ecb(des3_ede)", map: tdes)
        return all
    }()

    static var algorithms: [String] { Array(Set(all.map(\.algorithm))).sorted() }
}
