import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// One `TransformOptions` for every family: a value a family or engine cannot honour is refused at allocation with
/// `.unsupportedOption`, never ignored (before the family core, AEAD and hash transforms took `completionMode: .aio`
/// and silently ran on threads, and the RNG took no options at all).
@Suite("TransformOptions: refused, never ignored")
struct TransformOptionsTests {
    static func isUnsupportedOption(_ body: () throws(KernelCipherError) -> Void) -> Bool {
        do throws(KernelCipherError) { try body() } catch {
            if case .unsupportedOption = error { return true }
            Issue.record("expected .unsupportedOption, got \(error)")
            return false
        }
        Issue.record("expected .unsupportedOption, got success")
        return false
    }

    /// Hash and RNG requests complete on worker threads only: algif_hash hashes inside `sendmsg` (waiting for each
    /// update and the final) and algif_rng's `recvmsg` waits for its bytes, so an AIO read would gain nothing.
    @Test func aioOnEveryThreadsOnlyFamily() {
        let aio = TransformOptions(completionMode: .aio)
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try HashTransform("sha256", engine: .software, options: aio) })
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try RandomTransform("stdrng", engine: .software, options: aio) })
    }

    /// skcipher and AEAD requests take `.aio` on the kernel engine only (AFALGAEADAIOTests, AFALGRequestTests).
    @Test func aioOnTheSoftwareEngine() {
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try CipherTransform("cbc(aes)", engine: .software, options: TransformOptions(completionMode: .aio)) })
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try AEADTransform("gcm(aes)", engine: .software, options: TransformOptions(completionMode: .aio)) })
        #expect(throws: Never.self) {
            try AEADTransform("gcm(aes)", engine: .software, options: TransformOptions(completionMode: .threads)).release()
        }
        // .threads and .automatic are what the software engine does: accepted.
        #expect(throws: Never.self) {
            try CipherTransform("cbc(aes)", engine: .software, options: TransformOptions(completionMode: .threads)).release()
        }
    }

    @Test(arguments: [
        TransformOptions(maxInFlight: 0), TransformOptions(backlogLimit: -1), TransformOptions(asyncInlineLimit: -5),
    ])
    func invalidValues(options: TransformOptions) {
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try CipherTransform("ctr(aes)", engine: .software, options: options) })
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try HashTransform("sha1", engine: .software, options: options) })
        #expect(Self.isUnsupportedOption { () throws(KernelCipherError) in
            _ = try RandomTransform(engine: .software, options: options) })
    }

    @Test func randomGeneratorHonoursItsOptions() async throws {
        let rng = try RandomTransform(engine: .software, options: TransformOptions(asyncInlineLimit: 8))
        defer { rng.release() }
        #expect(rng.asyncInlineLimit == 8)
        #expect(try await rng.generate(count: 9).count == 9)  // above the limit: on the worker
        rng.release()
        #expect(throws: KernelCipherError.transformReleased) { try rng.generate(count: 1) }
    }

    @Test func everyFamilyReportsItsOptions() throws {
        let options = TransformOptions(maxInFlight: 3, backlogLimit: 7, asyncInlineLimit: 100)
        let cipher = try CipherTransform("cbc(aes)", engine: .software, options: options)
        let aead = try AEADTransform("gcm(aes)", engine: .software, options: options)
        let hash = try HashTransform("sha256", engine: .software, options: options)
        let rng = try RandomTransform(engine: .software, options: options)
        defer { cipher.release(); aead.release(); hash.release(); rng.release() }
        #expect([cipher.options, aead.options, hash.options, rng.options].allSatisfy { $0 == options })
        #expect([cipher.asyncInlineLimit, aead.asyncInlineLimit, hash.asyncInlineLimit, rng.asyncInlineLimit] == [100, 100, 100, 100])
    }
}
