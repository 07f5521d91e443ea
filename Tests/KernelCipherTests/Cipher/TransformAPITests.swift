import Foundation
import Testing
@testable import KernelCipher

/// The public API as a newcomer meets it (issue 12 item 4), on the software engine (host).
@Suite("CipherTransform API: IVs as ContiguousBytes, request size limit, driver, automatic errors")
struct TransformAPITests {
    private let key = [UInt8](repeating: 0x5a, count: 16)
    private let ivBytes = (0..<16).map { UInt8($0 * 3) }
    private let plain = (0..<64).map { UInt8($0) }

    private func cbc() throws -> CipherTransform {
        try Conformance.makeTransform("cbc(aes)", .software, key: key)
    }

    @Test func ivAcceptsDataInEveryCall() async throws {
        let tfm = try cbc()
        defer { tfm.release() }
        let iv = Data(ivBytes)
        let expected = try synchronousForms(tfm, iv: iv)
        #expect(try await tfm.encrypt(plain, iv: iv) == expected)
        #expect(try await tfm.decrypt(Data(expected), iv: iv) == plain)

        typealias Outcome = Result<[UInt8], KernelCipherError>
        let result = await withCheckedContinuation { (done: CheckedContinuation<Outcome, Never>) in
            let request = CipherRequest(transform: tfm, input: plain, iv: iv, context: ()) { _, result in
                done.resume(returning: result)
            }
            do throws(KernelCipherError) { try request.encrypt() } catch { done.resume(returning: .failure(error)) }
        }
        #expect(try result.get() == expected)
    }

    /// The synchronous calls with a `Data` IV agree with the `[UInt8]` one; returns the ciphertext.
    private func synchronousForms(_ tfm: CipherTransform, iv: Data) throws -> [UInt8] {
        let expected = try tfm.encrypt(plain, iv: ivBytes)
        #expect(try tfm.encrypt(plain, iv: iv) == expected)
        #expect(try tfm.decrypt(expected, iv: iv) == plain)
        var out = [UInt8](repeating: 0, count: plain.count)
        try plain.withUnsafeBytes { input in
            _ = try out.withUnsafeMutableBytes { try tfm.encrypt(input, into: $0, iv: iv) }
        }
        #expect(out == expected)
        try expected.withUnsafeBytes { input in
            _ = try out.withUnsafeMutableBytes { try tfm.decrypt(input, into: $0, iv: iv) }
        }
        #expect(out == plain)
        return expected
    }

    @Test func maximumRequestSizeIsPublic() throws {
        let tfm = try cbc()
        #expect(tfm.maximumRequestSize == nil, "cbc(aes) has no per-request limit on the software engine")
        let xts = try Conformance.makeTransform("xts(aes)", .software, key: (0..<32).map { UInt8($0) })
        let limit = try #require(xts.maximumRequestSize)
        #expect(limit == 16 << 20)
        let tooLarge = [UInt8](repeating: 0, count: limit + 16)
        #expect {
            try xts.encrypt(tooLarge, iv: ivBytes)
        } throws: { error in
            guard case .inputTooLarge(let length, let reported, _) = error as? KernelCipherError else { return false }
            return length == limit + 16 && reported == limit
        }
    }

    @Test func softwareDriverNamesTheCipherForTheKeySet() throws {
        let xts = try CipherTransform("xts(aes)", engine: .software)
        #expect(xts.driver == "openssl:aes-128-xts", "before any key: the smallest key length")
        try xts.setKey((0..<64).map { UInt8($0) })
        #expect(xts.driver == "openssl:aes-256-xts")
        #expect(xts.properties.driver == "openssl:aes-256-xts")
        try xts.setKey((0..<32).map { UInt8($0) })
        #expect(xts.driver == "openssl:aes-128-xts")

        let cbc = try CipherTransform("cbc(aes)", engine: .software)
        try cbc.setKey([UInt8](repeating: 1, count: 32))
        #expect(cbc.driver == "openssl:aes-256-cbc")
        let rfc3686 = try CipherTransform("rfc3686(ctr(aes))", engine: .software)
        try rfc3686.setKey([UInt8](repeating: 1, count: 36))
        #expect(rfc3686.driver == "openssl:aes-256-ctr", "the 4-byte nonce is not part of the AES key")
    }

    @Test func automaticFailureKeepsBothEnginesReasons() throws {
        do {
            _ = try CipherTransform("nosuch(aes)")
            Issue.record("nosuch(aes) allocated")
        } catch {
            guard case .noEngineAvailable(let name, let kernel, let software) = error else {
                Issue.record("expected .noEngineAvailable, got \(error)"); return
            }
            #expect(name == "nosuch(aes)")
            #expect(software == .algorithmNotFound("nosuch(aes)", engine: .software))
            if AFALGAvailability.current.isAvailable {
                #expect(kernel == .algorithmNotFound("nosuch(aes)", engine: .kernel) || kernel.isPolicyRefusal)
            } else {
                #expect(kernel == .afAlgUnavailable(AFALGAvailability.current))
            }
            #expect(error.description.contains(kernel.description))
            #expect(error.description.contains(software.description))
        }
    }
}

extension KernelCipherError {
    fileprivate var isPolicyRefusal: Bool { if case .refusedByPolicy = self { true } else { false } }
}
