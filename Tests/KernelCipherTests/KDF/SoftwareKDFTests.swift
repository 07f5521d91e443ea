import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The known answers on the host: the software engine (OpenSSL `EVP_KDF`; double-pipeline over OpenSSL's MAC) and
/// the kernel engine's loops run over the software MAC (`forceMACLoop`), so the code the kernel runs is checked
/// here too.
@Suite struct SoftwareKDFTests {
    @Test("PBKDF2: RFC 6070, RFC 7914 §11, libkcapi", arguments: KDFVectors.pbkdf2(), [false, true])
    func pbkdf2(_ answer: PBKDF2Answer, macLoop: Bool) throws {
        #expect(try KDFConformance.pbkdf2(answer, engine: .software, forceMACLoop: macLoop) == answer.derived)
    }

    @Test("HKDF: RFC 5869 A.1–A.7 (extract, expand, both)", arguments: KDFVectors.hkdf, [false, true])
    func hkdf(_ answer: HKDFAnswer, macLoop: Bool) throws {
        let result = try KDFConformance.hkdf(answer, engine: .software, forceMACLoop: macLoop)
        #expect(result.prk == answer.prk)
        #expect(result.okm == answer.okm)
        #expect(result.expanded == answer.okm)
    }

    @Test("SP 800-108: NIST counter subset, libkcapi counter/feedback/double-pipeline",
          arguments: KDFVectors.sp800108, [false, true])
    func sp800108(_ answer: SP800108Answer, macLoop: Bool) throws {
        #expect(try KDFConformance.sp800108(answer, engine: .software, forceMACLoop: macLoop) == answer.derived)
    }

    @Test("the vendored files hold what the README says")
    func vectorCounts() {
        #expect(KDFVectors.pbkdf2(maximumIterations: .max).count == 6 + 2 + 6)
        #expect(KDFVectors.hkdf.count == 7)
        #expect(KDFVectors.sp800108.filter { $0.source.hasPrefix("nist") }.count == 40)
        #expect(Set(KDFVectors.sp800108.map(\.mode)) == Set(SP800108KeyDerivation.Mode.allCases))
    }

    @Test("EVP_KDF and the MAC loop agree on lengths across block boundaries and odd IVs")
    func enginesAgree() throws {
        var generator = SeededGenerator(state: 0x6b6466)
        for count in [1, 19, 20, 21, 63, 64, 65, 200] {
            let key = randomBytes(32, using: &generator), fixed = randomBytes(count % 50, using: &generator)
            for mode in SP800108KeyDerivation.Mode.allCases {
                for prf in ["hmac(sha1)", "hmac(sha512)", "cmac(aes)"] {
                    let h = prf == "cmac(aes)" ? 16 : prf == "hmac(sha1)" ? 20 : 64
                    let iv = mode == .feedback && count % 2 == 1 ? randomBytes(h, using: &generator) : []
                    let key = prf == "cmac(aes)" ? Array(key.prefix(count % 3 == 0 ? 16 : 32)) : key
                    let evp = try SP800108KeyDerivation(mode: mode, prf: prf, engine: .software)
                    let loop = try SP800108KeyDerivation(mode: mode, prf: prf, engine: .software, forceMACLoop: true)
                    #expect(try evp.deriveKey(from: key, fixedInput: fixed, iv: iv, count: count)
                        == loop.deriveKey(from: key, fixedInput: fixed, iv: iv, count: count), "\(mode) \(prf) \(count)")
                }
            }
            let pbkdf2 = try PBKDF2KeyDerivation(prf: "hmac(sha384)", engine: .software)
            let pbkdf2Loop = try PBKDF2KeyDerivation(prf: "hmac(sha384)", engine: .software, forceMACLoop: true)
            #expect(try pbkdf2.deriveKey(password: key, salt: fixed, iterations: 3, count: count)
                == pbkdf2Loop.deriveKey(password: key, salt: fixed, iterations: 3, count: count))
        }
    }
}
