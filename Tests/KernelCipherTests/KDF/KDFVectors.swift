import KernelCipherTestSupport
@testable import KernelCipher

/// One PBKDF2 known answer.
struct PBKDF2Answer: Sendable, CustomStringConvertible {
    let prf: String, password: [UInt8], salt: [UInt8], iterations: Int, derived: [UInt8], source: String
    var description: String { "\(source) \(prf) c=\(iterations) dkLen=\(derived.count)" }
}

/// One HKDF known answer (RFC 5869 appendix A).
struct HKDFAnswer: Sendable, CustomStringConvertible {
    let prf: String, ikm: [UInt8], salt: [UInt8], info: [UInt8], prk: [UInt8], okm: [UInt8], source: String
    var description: String { "\(source) \(prf) L=\(okm.count)" }
}

/// One SP 800-108 known answer.
struct SP800108Answer: Sendable, CustomStringConvertible {
    let mode: SP800108KeyDerivation.Mode, prf: String, key: [UInt8], fixedInput: [UInt8], iv: [UInt8]
    let derived: [UInt8], source: String
    var description: String { "\(source) \(mode.rawValue) \(prf) L=\(derived.count * 8)" }
}

/// The vendored KDF vectors (Resources/Vectors/KDF, see its README) read through the shared `VectorReader`.
enum KDFVectors {
    /// RFC 6070's text passwords with `\0` for a NUL byte, as cryptography_vectors writes them.
    private static func text(_ value: String?) -> [UInt8] {
        Array((value ?? "").replacingOccurrences(of: "\\0", with: "\u{0}").utf8)
    }

    /// RFC 6070 (hmac(sha1)) and RFC 7914 §11 (hmac(sha256)), then libkcapi's extra cases; iteration counts above
    /// `maximumIterations` left out (RFC 6070's 16,777,216).
    static func pbkdf2(maximumIterations: Int = 100_000) -> [PBKDF2Answer] {
        var answers: [PBKDF2Answer] = []
        for (file, prf) in [("rfc-6070-PBKDF2-SHA1.txt", "hmac(sha1)"), ("rfc-7914-PBKDF2-SHA256.txt", "hmac(sha256)")] {
            for r in VectorReader.read(file, in: "KDF") {
                answers.append(PBKDF2Answer(prf: prf, password: text(r["PASSWORD"]), salt: text(r["SALT"]),
                                            iterations: r.int("ITERATIONS"), derived: r.bytes("DERIVED_KEY"),
                                            source: "\(file):\(r.line)"))
            }
        }
        for r in VectorReader.read("libkcapi-pbkdf2.txt", in: "KDF") {
            answers.append(PBKDF2Answer(prf: r["PRF"]!, password: r.bytes("PASSWORD"), salt: r.bytes("SALT"),
                                        iterations: r.int("ITERATIONS"), derived: r.bytes("DERIVEDKEY"),
                                        source: "libkcapi-pbkdf2.txt:\(r.line)"))
        }
        return answers.filter { $0.iterations <= maximumIterations }
    }

    /// RFC 5869 A.1–A.7.
    static let hkdf: [HKDFAnswer] = [("rfc-5869-HKDF-SHA256.txt", "hmac(sha256)"), ("rfc-5869-HKDF-SHA1.txt", "hmac(sha1)")]
        .flatMap { file, prf in
            VectorReader.read(file, in: "KDF").map { r in
                HKDFAnswer(prf: prf, ikm: r.bytes("IKM"), salt: r.bytes("SALT", or: []), info: r.bytes("INFO", or: []),
                           prk: r.bytes("PRK"), okm: r.bytes("OKM"), source: "\(file):\(r.line)")
            }
        }

    /// The NIST counter-mode subset and libkcapi's counter, feedback and double-pipeline cases.
    static let sp800108: [SP800108Answer] = {
        let names = ["HMAC_SHA1": "hmac(sha1)", "HMAC_SHA256": "hmac(sha256)", "HMAC_SHA512": "hmac(sha512)",
                     "CMAC_AES128": "cmac(aes)", "CMAC_AES256": "cmac(aes)"]
        let file = "nist-800-108-KBKDF-CTR-subset.txt"
        var answers = VectorReader.read(file, in: "KDF").map { r in
            SP800108Answer(mode: .counter, prf: names[r["PRF"]!]!, key: r.bytes("KI"), fixedInput: r.bytes("FIXEDINPUTDATA"),
                           iv: [], derived: r.bytes("KO"), source: "\(file):\(r.line)")
        }
        answers += VectorReader.read("libkcapi-kdf.txt", in: "KDF").map { r in
            SP800108Answer(mode: SP800108KeyDerivation.Mode(rawValue: r["MODE"]!)!, prf: r["PRF"]!, key: r.bytes("KI"),
                           fixedInput: r.bytes("FIXEDINPUTDATA"), iv: r.bytes("IV", or: []), derived: r.bytes("KO"),
                           source: "libkcapi-kdf.txt:\(r.line)")
        }
        return answers
    }()
}

/// Runs the known answers on one engine; `forceMACLoop` runs the kernel engine's loops over the software MAC.
enum KDFConformance {
    static func bytes(_ secret: SecretBytes) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }

    static func pbkdf2(_ a: PBKDF2Answer, engine: EnginePreference, forceMACLoop: Bool = false) throws -> [UInt8] {
        let kdf = try PBKDF2KeyDerivation(prf: a.prf, engine: engine, forceMACLoop: forceMACLoop)
        return bytes(try kdf.deriveKey(password: a.password, salt: a.salt, iterations: a.iterations, count: a.derived.count))
    }

    static func hkdf(_ a: HKDFAnswer, engine: EnginePreference, forceMACLoop: Bool = false) throws -> (prk: [UInt8], okm: [UInt8], expanded: [UInt8]) {
        let kdf = try HKDFKeyDerivation(prf: a.prf, engine: engine, forceMACLoop: forceMACLoop)
        let prk = try kdf.extract(inputKey: a.ikm, salt: a.salt)
        let okm = try kdf.deriveKey(inputKey: a.ikm, salt: a.salt, info: a.info, count: a.okm.count)
        let expanded = try kdf.expand(pseudorandomKey: a.prk, info: a.info, count: a.okm.count)
        return (bytes(prk), bytes(okm), bytes(expanded))
    }

    static func sp800108(_ a: SP800108Answer, engine: EnginePreference, forceMACLoop: Bool = false) throws -> [UInt8] {
        let kdf = try SP800108KeyDerivation(mode: a.mode, prf: a.prf, engine: engine, forceMACLoop: forceMACLoop)
        return bytes(try kdf.deriveKey(from: a.key, fixedInput: a.fixedInput, iv: a.iv, count: a.derived.count))
    }
}
