import Foundation
import KernelCipherTestSupport
import Testing
@_spi(Platform) @testable import KernelCipher

/// AEAD requests completing through the kernel's AIO (`completionMode: .aio`: `KernelAEADAIODriver` on `AIOQueue`,
/// one `sendmsg` and one IOCB_CMD_PREADV per request). On 6.1.0-47 (6.1-async) the kernel serves gcm(aes) with
/// `cryptd(gcm_base(ctr(aes-generic),ghash-generic))` (async: yes), so reads complete after `io_submit` returns and
/// the completion thread reaps them; on 6.12 they complete inside it; 7.2 and later have no socket AIO (the read then
/// runs synchronously). The cryptd instance cannot be bound by its driver name there (ENOENT), only as gcm(aes). Whatever the kernel, every request
/// completes exactly once with the software engine's bytes, a bad tag as `.authenticationFailed` with the caller's
/// output zeroed, and no op socket outlives the transform.
@Suite("AF_ALG AEAD requests through AIO", .requiresAFALG, .serialized)
struct AFALGAEADAIOTests {
    static let aio = TransformOptions(maxInFlight: 8, backlogLimit: 1 << 20, completionMode: .aio)
    static let sizes = [0, 1, 15, 16, 17, 64, 100, 1000, 4096, 16_385, 70_000]

    /// What the requests of one run returned, by context; a second completion for a context is counted.
    final class Collector: Sendable {
        private let state = ConditionLock((results: [Int: Result<[UInt8], KernelCipherError>](), repeats: 0))
        func record(_ context: Int, _ result: Result<[UInt8], KernelCipherError>) {
            state.withLock { s in
                if s.results[context] != nil { s.repeats += 1 }
                s.results[context] = result
            }
            state.broadcast()
        }
        func wait(for count: Int) -> (results: [Int: Result<[UInt8], KernelCipherError>], repeats: Int) {
            state.withLock(waitingUntil: { $0.results.count >= count }) { ($0.results, $0.repeats) }
        }
    }

    /// A keyed kernel transform in AIO mode and a software one with the same key; nil where the policy refuses it.
    static func pair(_ algorithm: String, seed: UInt64) throws -> (AEADTransform, AEADTransform)? {
        if AEADConformance.refused(algorithm, .kernel) { return nil }
        let kernel = try AEADTransform(algorithm, engine: .kernel, options: aio)
        var rng = SeededGenerator(state: seed)
        let key = randomBytes(kernel.keySizes!.last!, using: &rng)
        try kernel.setKey(key)
        let software = try AEADTransform(algorithm, engine: .software)
        try software.setKey(key)
        return (kernel, software)
    }

    @Test func completionModeAsAskedAndAsTheProbeSays() throws {
        try requireAFALG()
        guard let (kernel, _) = try Self.pair("gcm(aes)", seed: 1) ?? Self.pair("rfc7539(chacha20,poly1305)", seed: 1)
        else { return }
        #expect(kernel.completionMode == .aio)
        let automatic = try AEADTransform(kernel.algorithm, engine: .kernel)
        #expect(automatic.completionMode == AIOProbe.automaticMode, "\(AIOProbe.automaticCompletion)")
    }

    /// Owned-output encryptions, then caller-memory decryptions of the software engine's output (every fifth with a
    /// flipped tag bit), all in flight at once.
    @Test(arguments: AEADConformance.algorithms)
    func requestsMatchTheSoftwareEngine(algorithm: String) throws {
        try requireAFALG()
        guard let (kernel, software) = try Self.pair(algorithm, seed: UInt64(algorithm.utf8.count)) else { return }
        defer { kernel.release(); software.release() }
        print("AEAD AIO: \(algorithm) on \(kernel.driver), completion \(kernel.completionMode)")
        var rng = SeededGenerator(state: 0xA10 &+ UInt64(algorithm.utf8.count))
        let count = 2 * Self.sizes.count * 6
        var cases: [(plain: [UInt8], iv: [UInt8], ad: [UInt8], sealed: [UInt8])] = []
        for i in 0..<count {
            let plain = randomBytes(Self.sizes[i % Self.sizes.count], using: &rng)
            let iv = AEADConformance.randomIV(algorithm, kernel.ivSize, using: &rng)
            let ad = AEADConformance.randomAAD(algorithm, using: &rng)
            cases.append((plain, iv, ad, try software.encrypt(plain, iv: iv, associatedData: ad)))
        }
        let sealing = Collector()
        for (i, c) in cases.enumerated() {
            try AEADRequest(transform: kernel, input: c.plain, iv: c.iv, associatedData: c.ad, context: i) {
                sealing.record($0.context, $1)
            }.encrypt()
        }
        let sealed = sealing.wait(for: count)
        #expect(sealed.repeats == 0)
        for (i, c) in cases.enumerated() {
            #expect(try sealed.results[i]?.get() == c.sealed, "\(algorithm) request \(i) (\(c.plain.count) bytes)")
        }

        // Caller memory: each request reads its own copy and writes its own output, kept until its completion.
        let inputs = cases.enumerated().map { i, c -> UnsafeMutableRawBufferPointer in
            let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(c.sealed.count, 1), alignment: 1)
            input.copyBytes(from: c.sealed)
            if i % 5 == 3 { input[c.sealed.count - 1] ^= 0x01 }
            return input
        }
        let outputs = cases.map { c -> UnsafeMutableRawBufferPointer in
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: c.plain.count + 8, alignment: 1)
            output.initializeMemory(as: UInt8.self, repeating: 0xEE)
            return output
        }
        defer { for buffer in inputs + outputs { buffer.deallocate() } }
        let opening = Collector()
        for (i, c) in cases.enumerated() {
            try AEADRequest(transform: kernel, input: UnsafeRawBufferPointer(rebasing: inputs[i][..<c.sealed.count]),
                            output: outputs[i], iv: c.iv, associatedData: c.ad, context: i) {
                opening.record($0.context, $1)
            }.decrypt()
        }
        let opened = opening.wait(for: count)
        #expect(opened.repeats == 0)
        for (i, c) in cases.enumerated() {
            let written = Array(outputs[i][..<c.plain.count]), untouched = Array(outputs[i][c.plain.count...])
            if i % 5 == 3 {
                #expect(throws: KernelCipherError.authenticationFailed) { try opened.results[i]?.get() }
                #expect(written == [UInt8](repeating: 0, count: c.plain.count), "\(algorithm) \(i): a failed decrypt zeroes")
            } else {
                #expect(try opened.results[i]?.get() == [], "\(algorithm) request \(i)")
                #expect(written == c.plain, "\(algorithm) request \(i) (\(c.plain.count) bytes)")
            }
            #expect(untouched == [UInt8](repeating: 0xEE, count: 8), "\(algorithm) \(i): nothing past the output")
        }
    }

    /// The async forms above the inline limit go through the AIO queue.
    @Test func asyncFormsAboveTheInlineLimit() async throws {
        try requireAFALG()
        for algorithm in ["gcm(aes)", "rfc7539(chacha20,poly1305)", "ccm(aes)"] {
            guard let (kernel, software) = try Self.pair(algorithm, seed: 9) else { continue }
            var rng = SeededGenerator(state: 99)
            for size in [kernel.asyncInlineLimit + 1, 100_000] {
                let plain = randomBytes(size, using: &rng)
                let iv = AEADConformance.randomIV(algorithm, kernel.ivSize, using: &rng)
                let ad = randomBytes(20, using: &rng)
                let sealed = try await kernel.encrypt(plain, iv: iv, associatedData: ad)
                let expected = try { () throws(KernelCipherError) in try software.encrypt(plain, iv: iv, associatedData: ad) }()
                #expect(sealed == expected, "\(algorithm) \(size)")
                #expect(try await kernel.decrypt(sealed, iv: iv, associatedData: ad) == plain, "\(algorithm) \(size)")
            }
            kernel.release()
            software.release()
        }
    }

    /// Release while requests are in flight and backlogged: each accepted request completes exactly once (done, or
    /// `.transformReleased`), and no op socket stays open after the transforms are gone.
    @Test func releaseRacingRequestsAndDescriptorHygiene() throws {
        try requireAFALG()
        let before = Conformance.openDescriptorCount()
        for round in 0..<3 {
            guard let (kernel, software) = try Self.pair("gcm(aes)", seed: UInt64(round))
                ?? Self.pair("rfc7539(chacha20,poly1305)", seed: UInt64(round)) else { return }
            software.release()
            let collector = Collector()
            var accepted = 0
            let iv = [UInt8](repeating: 7, count: kernel.ivSize), plain = [UInt8](repeating: 1, count: 512)
            for i in 0..<2000 {
                if i == 1000 + round * 300 { kernel.release() }
                do throws(KernelCipherError) {
                    try AEADRequest(transform: kernel, input: plain, iv: iv, context: i) { collector.record($0.context, $1) }
                        .encrypt()
                    accepted += 1
                } catch {
                    #expect(error == .transformReleased, "request \(i): \(error)")
                }
            }
            let done = collector.wait(for: accepted)
            #expect(done.repeats == 0)
            #expect(done.results.count == accepted)
            for (i, result) in done.results {
                if case .failure(let error) = result { #expect(error == .transformReleased, "request \(i): \(error)") }
            }
        }
        #expect(Conformance.openDescriptorCount() == before)
    }
}
