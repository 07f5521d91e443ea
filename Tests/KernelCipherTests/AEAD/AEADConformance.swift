import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@testable import KernelCipher

/// The AEAD checks both engines pass; the kernel suites run them on `.kernel`, the host suites on `.software`.
enum AEADConformance {
    /// How a vector is run: the synchronous call, an `AEADRequest` with its completion, or the async call (above
    /// the inline limit, so the job goes through the worker queue).
    enum Path: String, CaseIterable, Sendable { case sync, request, async }

    /// A transform on `engine` keyed with `key`.
    static func make(_ algorithm: String, _ engine: EnginePreference, key: [UInt8], tagSize: Int? = nil,
                     inline: Int? = nil) throws -> AEADTransform {
        let tfm = try AEADTransform(algorithm, tagSize: tagSize, engine: engine,
                                    options: TransformOptions(maxInFlight: 4, asyncInlineLimit: inline))
        try tfm.setKey(key)
        return tfm
    }

    /// True (the outcome asserted) when the 7.3 level-1 allowlist refuses `algorithm` on `engine`.
    static func refused(_ algorithm: String, _ engine: EnginePreference) -> Bool {
        KernelExpectation.refusedByPolicy(algorithm, engine, type: .aead) { (name) throws(KernelCipherError) in
            _ = try AEADTransform(name, engine: .kernel)
        }
    }

    /// Runs one request on `path`.
    static func run(_ tfm: AEADTransform, _ operation: CipherOperation, _ input: [UInt8], iv: [UInt8], ad: [UInt8],
                    path: Path) async -> Result<[UInt8], KernelCipherError> {
        switch path {
        case .sync:
            return Result { () throws(KernelCipherError) in
                operation == .encrypt ? try tfm.encrypt(input, iv: iv, associatedData: ad)
                    : try tfm.decrypt(input, iv: iv, associatedData: ad)
            }
        case .async:
            do throws(KernelCipherError) {
                return .success(operation == .encrypt ? try await tfm.encrypt(input, iv: iv, associatedData: ad)
                    : try await tfm.decrypt(input, iv: iv, associatedData: ad))
            } catch { return .failure(error) }
        case .request:
            return await withCheckedContinuation { continuation in
                let request = AEADRequest(transform: tfm, input: input, iv: iv, associatedData: ad, context: 0) {
                    _, result in continuation.resume(returning: result)
                }
                do throws(KernelCipherError) {
                    if operation == .encrypt { try request.encrypt() } else { try request.decrypt() }
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
    }

    /// Every vector (every `stride`-th on the kernel) through `path`: valid ones encrypt to ciphertext ‖ tag and
    /// decrypt back; FAIL ones decrypt to `.authenticationFailed`.
    static func knownAnswers(_ vectors: [AEADVector], _ engine: EnginePreference, path: Path, stride: Int = 1) async throws {
        var refusedNames: [String: Bool] = [:]
        var checked = 0
        var transforms: [String: AEADTransform] = [:]
        defer { for tfm in transforms.values { tfm.release() } }
        for (index, v) in vectors.enumerated() where index % stride == 0 {
            if refusedNames[v.algorithm] == nil { refusedNames[v.algorithm] = refused(v.algorithm, engine) }
            if refusedNames[v.algorithm] == true { continue }
            // One transform per algorithm and tag size, re-keyed per vector (a bind per vector costs the kernel
            // run most of its time).
            let tfm: AEADTransform
            if let cached = transforms["\(v.algorithm)/\(v.tagSize)"] {
                tfm = cached
                try tfm.setKey(v.key)
            } else {
                tfm = try make(v.algorithm, engine, key: v.key, tagSize: v.tagSize, inline: path == .async ? 0 : nil)
                transforms["\(v.algorithm)/\(v.tagSize)"] = tfm
            }
            if v.valid {
                let sealed = await run(tfm, .encrypt, v.plaintext, iv: v.iv, ad: v.associatedData, path: path)
                #expect(try sealed.get() == v.sealed, "\(v)")
                let opened = await run(tfm, .decrypt, v.sealed, iv: v.iv, ad: v.associatedData, path: path)
                #expect(try opened.get() == v.plaintext, "\(v)")
            } else {
                let opened = await run(tfm, .decrypt, v.sealed, iv: v.iv, ad: v.associatedData, path: path)
                #expect(throws: KernelCipherError.authenticationFailed, "\(v)") { try opened.get() }
            }
            checked += 1
        }
        #expect(checked > 0 || refusedNames.values.allSatisfy { $0 })
    }

    /// The layouts the project supports, with a key of the largest size for each.
    static let algorithms = ["gcm(aes)", "rfc4106(gcm(aes))", "ccm(aes)", "rfc4309(ccm(aes))",
                             "rfc7539(chacha20,poly1305)", "rfc7539esp(chacha20,poly1305)"]

    /// A valid random IV for `algorithm` (ccm: the first byte L − 1 = 3).
    static func randomIV(_ algorithm: String, _ size: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var iv = randomBytes(size, using: &rng)
        if algorithm == "ccm(aes)" { iv[0] = 3; for i in 13..<16 { iv[i] = 0 } }
        return iv
    }

    /// A valid random AAD for `algorithm` (ESP forms over GCM/CCM: the 8- or 12-byte ESP header).
    static func randomAAD(_ algorithm: String, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        let count = algorithm.hasPrefix("rfc4") ? [8, 12].randomElement(using: &rng)! : Int.random(in: 0...40, using: &rng)
        return randomBytes(count, using: &rng)
    }
}
