import Foundation

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

enum AEADVectors {
    private static func text(_ file: String) -> [String] {
        let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Resources/Vectors/AEAD")!
        return try! String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\r", with: "")
            .components(separatedBy: "\n")
    }

    /// `Name = value` / `NAME= value` → (NAME, value).
    private static func field(_ line: String) -> (String, String)? {
        guard let eq = line.firstIndex(of: "=") else { return nil }
        let key = line[..<eq].trimmingCharacters(in: .whitespaces).uppercased()
        let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        return (key, value)
    }

    /// Hex, or a quoted string's UTF-8 bytes (boringssl.txt).
    private static func bytes(_ value: String) -> [UInt8] {
        if value.hasPrefix("\"") { return Array(value.dropFirst().dropLast().utf8) }
        return Hex.decode(value)
    }

    /// NIST GCM: `[Taglen = N]` sections, blocks Key/IV/PT/AAD/CT/Tag, `FAIL` for tags that must not verify.
    static func gcm(_ file: String) -> [AEADVector] {
        var tagBits = 128, out: [AEADVector] = []
        var block: [String: String] = [:], fail = false
        func flush() {
            defer { block = [:]; fail = false }
            guard let key = block["KEY"], let ct = block["CT"], let tag = block["TAG"] else { return }
            out.append(AEADVector(
                algorithm: "gcm(aes)", file: file, count: Int(block["COUNT"] ?? "") ?? out.count, key: Hex.decode(key),
                iv: Hex.decode(block["IV"]!), associatedData: Hex.decode(block["AAD"] ?? ""),
                plaintext: Hex.decode(block["PT"] ?? ""), sealed: Hex.decode(ct) + Hex.decode(tag),
                tagSize: tagBits / 8, valid: !fail))
        }
        for line in text(file) {
            if line.hasPrefix("[Taglen = ") { tagBits = Int(line.dropFirst(10).dropLast())! }
            else if line.hasPrefix("#") || line.hasPrefix("[") { continue }
            else if line.trimmingCharacters(in: .whitespaces).isEmpty { flush() }
            else if line == "FAIL" { fail = true }
            else if let (k, v) = field(line) { block[k] = v }
        }
        flush()
        return out
    }

    /// NIST CCM (VADT/VNT/VPT/DVPT): parameters in `X = v` lines or `[X = v, …]` headers, Key/Nonce persisting
    /// across counts. The kernel's ccm(aes) IV is L−1 ‖ nonce ‖ zeros (16 bytes), L = 15 − Nlen.
    static func ccm(_ file: String) -> [AEADVector] {
        var params: [String: String] = [:], out: [AEADVector] = []
        var inCount = false
        func flush() {
            defer { inCount = false }
            guard inCount, let key = params["KEY"], let nonce = params["NONCE"], let ct = params["CT"] else { return }
            let alen = Int(params["ALEN"]!)!, plen = Int(params["PLEN"]!)!, tlen = Int(params["TLEN"]!)!
            let n = Hex.decode(nonce)
            let iv = [UInt8(14 - n.count)] + n + [UInt8](repeating: 0, count: 15 - n.count)
            out.append(AEADVector(
                algorithm: "ccm(aes)", file: file, count: Int(params["COUNT"] ?? "") ?? out.count, key: Hex.decode(key),
                iv: iv, associatedData: Array(Hex.decode(params["ADATA"] ?? "").prefix(alen)),
                plaintext: Array(Hex.decode(params["PAYLOAD"] ?? "").prefix(plen)), sealed: Hex.decode(ct),
                tagSize: tlen, valid: (params["RESULT"] ?? "Pass").hasPrefix("Pass")))
            params["RESULT"] = nil
            params["PAYLOAD"] = nil
        }
        for line in text(file) {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                for part in line.dropFirst().dropLast().split(separator: ",") {
                    if let (k, v) = field(String(part)) { params[k] = v }
                }
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { flush(); continue }
            guard let (k, v) = field(line) else { continue }
            if k == "COUNT" { inCount = true }
            params[k] = v
        }
        flush()
        return out
    }

    /// ChaCha20-Poly1305 (openssl.txt / boringssl.txt layouts), 12-byte nonces only.
    static func chacha(_ file: String) -> [AEADVector] {
        var out: [AEADVector] = [], block: [String: String] = [:]
        func flush() {
            defer { block = [:] }
            guard let key = block["KEY"], let nonce = block["IV"] ?? block["NONCE"],
                  let ct = block["CIPHERTEXT"] ?? block["CT"], let tag = block["TAG"] else { return }
            let n = bytes(nonce)
            guard n.count == 12 else { return }
            out.append(AEADVector(
                algorithm: "rfc7539(chacha20,poly1305)", file: file, count: Int(block["COUNT"] ?? "") ?? out.count,
                key: bytes(key), iv: n, associatedData: bytes(block["AAD"] ?? block["AD"] ?? ""),
                plaintext: bytes(block["PLAINTEXT"] ?? block["IN"] ?? ""), sealed: bytes(ct) + bytes(tag),
                tagSize: 16, valid: block["RESULT"] == nil))
        }
        for line in text(file) {
            if line.hasPrefix("#") { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { flush(); continue }
            if let (k, v) = field(line) { block[k] = v }
        }
        flush()
        return out
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
