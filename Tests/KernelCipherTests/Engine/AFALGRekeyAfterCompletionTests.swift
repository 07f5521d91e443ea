import KernelCipherTestSupport
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Every keyed family re-keys the same way (`KernelEngineSocket.setKey`): once a caller has received every
/// completion, `setKey` succeeds, even where an asynchronous driver (cryptd, 6.1-async) drops the finished op
/// socket's file reference a jiffy after the completion ran (the kernel then still answers EBUSY). Before the family
/// core only the skcipher engine retried; AEAD and hash re-keys failed there. 1,000 re-keys per family, each right
/// after a callback request's completion.
@Suite("AF_ALG re-key right after completions, every keyed family", .requiresAFALG, .serialized)
struct AFALGRekeyAfterCompletionTests {
    static let rounds = 1000

    /// Runs `submit` (one callback request, signalling `done` from its completion) then `rekey`, `rounds` times.
    static func run(
        _ label: String, submit: (@escaping @Sendable (Bool) -> Void) throws -> Void, rekey: (Int) throws -> Void
    ) throws {
        let failures = Atomic<Int>(0)
        for round in 0..<rounds {
            let done = ConditionFlag()
            try submit { ok in
                if !ok { failures.add(1, ordering: .relaxed) }
                done.set()
            }
            done.wait()
            do { try rekey(round) } catch {
                Issue.record("\(label): re-key \(round) right after a completion failed: \(error)")
                return
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0, "\(label): requests failed")
    }

    static func key(_ round: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ round) } }

    @Test func cipher() throws {
        try requireAFALG()
        let name = KernelExpectation.refusedByPolicy("cbc(aes)", .kernel, type: .skcipher, allocate: {
            (n) throws(KernelCipherError) in _ = try CipherTransform(n, engine: .kernel) }) ? "xts(aes)" : "cbc(aes)"
        let keySize = name == "xts(aes)" ? 32 : 16
        let tfm = try CipherTransform(name, engine: .kernel, options: TransformOptions(maxInFlight: 2))
        defer { tfm.release() }
        try tfm.setKey(Self.key(0, keySize))
        let input = [UInt8](repeating: 7, count: 32), iv = [UInt8](repeating: 1, count: 16)
        try Self.run(name, submit: { done in
            try CipherRequest(transform: tfm, input: input, iv: iv, context: 0) { _, result in
                done((try? result.get()) != nil)
            }.encrypt()
        }, rekey: { try tfm.setKey(Self.key($0 + 1, keySize)) })
    }

    @Test func aead() throws {
        try requireAFALG()
        if KernelExpectation.refusedByPolicy("ccm(aes)", .kernel, type: .aead, allocate: {
            (n) throws(KernelCipherError) in _ = try AEADTransform(n, engine: .kernel) }) { return }
        let tfm = try AEADTransform("ccm(aes)", engine: .kernel, options: TransformOptions(maxInFlight: 2))
        defer { tfm.release() }
        try tfm.setKey(Self.key(0, 16))
        var iv = [UInt8](repeating: 0, count: 16)
        iv[0] = 3
        let input = [UInt8](repeating: 9, count: 48)
        try Self.run("ccm(aes)", submit: { done in
            try AEADRequest(transform: tfm, input: input, iv: iv, context: 0) { _, result in
                done((try? result.get()) != nil)
            }.encrypt()
        }, rekey: { try tfm.setKey(Self.key($0 + 1, 16)) })
    }

    @Test func mac() throws {
        try requireAFALG()
        if KernelExpectation.refusedByPolicy("hmac(sha256)", .kernel, type: .hash, allocate: {
            (n) throws(KernelCipherError) in _ = try HashTransform(n, engine: .kernel) }) { return }
        let tfm = try HashTransform("hmac(sha256)", engine: .kernel, options: TransformOptions(maxInFlight: 2))
        defer { tfm.release() }
        try tfm.setKey(Self.key(0, 32))
        let input = [UInt8](repeating: 5, count: 64)
        try Self.run("hmac(sha256)", submit: { done in
            try HashRequest(transform: tfm, input: input, context: 0) { _, result in
                done((try? result.get()) != nil)
            }.digest()
        }, rekey: { try tfm.setKey(Self.key($0 + 1, 32)) })
    }
}

/// A one-shot flag a completion sets and the test thread waits for.
final class ConditionFlag: Sendable {
    private let lock = ConditionLock(false)
    func set() { lock.withLock { $0 = true }; lock.broadcast() }
    func wait() { lock.withLock(waitingUntil: { $0 }) { _ in } }
}
