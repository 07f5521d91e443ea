import Foundation

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

enum Hex {
    /// Decodes hex; traps on malformed test data (a test-resource bug, not an input under test).
    static func decode(_ text: some StringProtocol) -> [UInt8] {
        let chars = Array(text.utf8)
        precondition(chars.count % 2 == 0, "odd hex length in test vector")
        return stride(from: 0, to: chars.count, by: 2).map { i in
            UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16)!
        }
    }
    static func encode(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Parses NIST CAVP `.rsp`-style files (and the same layout used by the RFC reformatted files).
enum VectorFile {
    static func load(_ file: String, algorithm: String, map: (([String: String]) -> (key: [UInt8], iv: [UInt8])?)? = nil)
        -> [KnownAnswer]
    {
        let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Resources/Vectors")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        var result: [KnownAnswer] = []
        for block in text.replacingOccurrences(of: "\r", with: "").components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.components(separatedBy: " = ")
                if parts.count == 2 { fields[parts[0].trimmingCharacters(in: .whitespaces).uppercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            guard let pt = fields["PLAINTEXT"] ?? fields["PT"], let ct = fields["CIPHERTEXT"] ?? fields["CT"] else { continue }
            let keyIV: (key: [UInt8], iv: [UInt8])
            if let map { guard let mapped = map(fields) else { continue }; keyIV = mapped }
            else { keyIV = (Hex.decode(fields["KEY"]!), Hex.decode(fields["IV"] ?? fields["I"] ?? "")) }
            result.append(KnownAnswer(
                algorithm: algorithm, file: file, count: Int(fields["COUNT"] ?? "") ?? result.count,
                key: keyIV.key, iv: keyIV.iv, plaintext: Hex.decode(pt), ciphertext: Hex.decode(ct)))
        }
        precondition(!result.isEmpty, "no vectors in \(file)")
        return result
    }

    /// Every vector set the project vendors, by kernel algorithm name.
    static let all: [KnownAnswer] = {
        var all: [KnownAnswer] = []
        for bits in [128, 192, 256] {
            all += load("CBCMMT\(bits).rsp", algorithm: "cbc(aes)")
            all += load("ECBMMT\(bits).rsp", algorithm: "ecb(aes)")
            all += load("aes-\(bits)-ctr.txt", algorithm: "ctr(aes)")
            // RFC 3686 vectors again through rfc3686(ctr(aes)): nonce = IV[0..<4] moves to the key's tail.
            all += load("aes-\(bits)-ctr.txt", algorithm: "rfc3686(ctr(aes))") { f in
                let iv = Hex.decode(f["IV"]!)
                return (Hex.decode(f["KEY"]!) + iv[0..<4], Array(iv[4..<12]))
            }
        }
        all += load("SP800-38A-CTR.txt", algorithm: "ctr(aes)")
        for bits in [128, 256] { all += load("XTSGenAES\(bits).rsp", algorithm: "xts(aes)") }
        all += load("rfc7539.txt", algorithm: "chacha20") { f in
            let counter = UInt32(f["INITIAL_BLOCK_COUNTER"]!)!
            let le = withUnsafeBytes(of: counter.littleEndian) { Array($0) }
            return (Hex.decode(f["KEY"]!), le + Hex.decode(f["NONCE"]!))
        }
        let tdes: ([String: String]) -> (key: [UInt8], iv: [UInt8])? = { f in
            (Hex.decode(f["KEY1"]! + f["KEY2"]! + f["KEY3"]!), Hex.decode(f["IV"] ?? ""))
        }
        all += load("TCBCMMT3.rsp", algorithm: "cbc(des3_ede)", map: tdes)
        all += load("TECBMMT3.rsp", algorithm: "ecb(des3_ede)", map: tdes)
        return all
    }()

    static var algorithms: [String] { Array(Set(all.map(\.algorithm))).sorted() }
}
