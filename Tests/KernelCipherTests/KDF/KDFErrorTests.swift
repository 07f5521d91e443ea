import Testing
@testable import KernelCipher

/// Bad input to the key derivations gets a typed error naming the cause, and no password, salt or key in its text.
@Suite struct KDFErrorTests {
    static let secret: [UInt8] = Array("hunter2-secret-password".utf8)

    /// Runs `body`, expects `expected`, and checks the description holds none of the secret bytes (as text or hex).
    func expectError(
        _ expected: KernelCipherError, _ body: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try body()
            Issue.record("no error; expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error as? KernelCipherError == expected, sourceLocation: sourceLocation)
            let text = "\(error)"
            #expect(!text.contains("hunter2"), sourceLocation: sourceLocation)
            #expect(!text.contains(Self.secret.map { String(format: "%02x", $0) }.joined()), sourceLocation: sourceLocation)
        }
    }

    @Test("zero and too long outputs")
    func lengths() throws {
        let hkdf = try HKDFKeyDerivation(prf: "hmac(sha256)", engine: .software)
        expectError(.invalidDerivedKeyLength(0, maximum: 255 * 32)) {
            _ = try hkdf.deriveKey(inputKey: Self.secret, salt: Self.secret, count: 0)
        }
        expectError(.invalidDerivedKeyLength(255 * 32 + 1, maximum: 255 * 32)) {
            _ = try hkdf.expand(pseudorandomKey: Self.secret, info: Self.secret, count: 255 * 32 + 1)
        }
        let pbkdf2 = try PBKDF2KeyDerivation(prf: "hmac(sha1)", engine: .software)
        expectError(.invalidDerivedKeyLength(-1, maximum: Int(UInt32.max) * 20)) {
            _ = try pbkdf2.deriveKey(password: Self.secret, salt: Self.secret, iterations: 1, count: -1)
        }
        let kbkdf = try SP800108KeyDerivation(mode: .counter, prf: "cmac(aes)", engine: .software)
        let limit = Int(UInt32.max) * 16
        expectError(.invalidDerivedKeyLength(limit + 1, maximum: limit)) {
            _ = try kbkdf.deriveKey(from: Self.secret.prefix(16), fixedInput: Self.secret, count: limit + 1)
        }
        expectError(.invalidDerivedKeyLength(0, maximum: limit)) {
            _ = try kbkdf.deriveKey(from: Self.secret.prefix(16), fixedInput: [], count: 0)
        }
    }

    @Test("iteration counts outside 1…2³²−1")
    func iterations() throws {
        let pbkdf2 = try PBKDF2KeyDerivation(prf: "hmac(sha256)", engine: .software)
        for bad in [0, -5, Int(UInt32.max) + 1] {
            expectError(.invalidIterationCount(bad)) {
                _ = try pbkdf2.deriveKey(password: Self.secret, salt: Self.secret, iterations: bad, count: 32)
            }
        }
    }

    @Test("an unkeyed hash, or a non-HMAC for PBKDF2/HKDF, is not a PRF")
    func prf() {
        expectError(.unsuitablePRF("sha256", reason: "it is an unkeyed hash; use a MAC such as hmac(sha256)")) {
            _ = try SP800108KeyDerivation(mode: .counter, prf: "sha256", engine: .software)
        }
        expectError(.unsuitablePRF("cmac(aes)", reason: "PBKDF2 is defined over an HMAC, e.g. hmac(sha256)")) {
            _ = try PBKDF2KeyDerivation(prf: "cmac(aes)", engine: .software)
        }
        expectError(.unsuitablePRF("sha1", reason: "HKDF is defined over an HMAC, e.g. hmac(sha256)")) {
            _ = try HKDFKeyDerivation(prf: "sha1", engine: .software)
        }
        expectError(.algorithmNotFound("hmac(nosuch)", engine: .software)) {
            _ = try HKDFKeyDerivation(prf: "hmac(nosuch)", engine: .software)
        }
    }

    @Test("wrong CMAC key length, an IV outside feedback mode, a keyring key on software")
    func keysAndIVs() throws {
        let cmac = try SP800108KeyDerivation(mode: .feedback, prf: "cmac(aes)", engine: .software)
        expectError(.invalidKeyLength(23, allowed: [16, 24, 32])) {
            _ = try cmac.deriveKey(from: Self.secret, fixedInput: [1], count: 16)
        }
        expectError(.invalidIVLength(5, expected: 16)) {
            _ = try cmac.deriveKey(from: Self.secret.prefix(16), fixedInput: [1], iv: [1, 2, 3, 4, 5], count: 16)
        }
        let counter = try SP800108KeyDerivation(mode: .counter, engine: .software)
        expectError(.unsupportedOption("an IV is used in feedback mode only, not in counter mode")) {
            _ = try counter.deriveKey(from: Self.secret, fixedInput: [1], iv: [1, 2], count: 16)
        }
        do {
            _ = try counter.deriveKey(from: KernelKey(serial: 12345), fixedInput: [1], count: 16)
            Issue.record("a keyring key derived on the software engine")
        } catch {
            guard case .kernelKey(.requiresKernelEngine) = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("derived bytes are SecretBytes: redacted description")
    func redacted() throws {
        let okm = try HKDFKeyDerivation(engine: .software).deriveKey(inputKey: Self.secret, count: 42)
        #expect(okm.description == "SecretBytes(42 bytes, redacted)")
        #expect("\(okm)" == "SecretBytes(42 bytes, redacted)")
    }
}
