import Testing
@testable import KernelCipher

/// The random generator's API on the software engine (OpenSSL `RAND_bytes`), and what `.automatic` picks here.
@Suite struct RandomGeneratorTests {
    static let lengths = [0, 1, 127, 128, 129, 4096, 4097, 1 << 20]

    @Test(arguments: lengths)
    func generatesExactlyTheCountAsked(count: Int) throws {
        let rng = try RandomTransform("stdrng", engine: .software)
        let bytes = try rng.generate(count: count)
        #expect(bytes.count == count)
        if count >= 32 { #expect(bytes.contains { $0 != 0 }) }
    }

    @Test(arguments: lengths)
    func asyncGeneratesExactlyTheCountAsked(count: Int) async throws {
        let rng = try RandomTransform("stdrng", engine: .software)
        #expect(try await rng.generate(count: count).count == count)
    }

    @Test func fillWritesTheWholeBuffer() throws {
        let rng = try RandomTransform(engine: .software)
        var buffer = [UInt8](repeating: 0, count: 3 << 20)
        try buffer.withUnsafeMutableBytes { try rng.fill($0) }
        // 1 MiB chunks: each chunk, and the tail, was written (a zero run of 64 bytes has probability 2^-512).
        for start in stride(from: 0, to: buffer.count, by: 1 << 20) {
            #expect(buffer[start..<start + 64].contains { $0 != 0 })
            #expect(buffer[start + (1 << 20) - 64..<start + (1 << 20)].contains { $0 != 0 })
        }
    }

    @Test func outputsDiffer() throws {
        let rng = try RandomTransform(engine: .software)
        let outputs = try (0..<64).map { _ in try rng.generate(count: 16) }
        #expect(Set(outputs).count == outputs.count)
        let other = try RandomTransform(engine: .software)
        #expect(try other.generate(count: 32) != rng.generate(count: 32))
    }

    @Test func seedingDoesNotMakeTheSoftwareEngineDeterministic() throws {
        let a = try RandomTransform(engine: .software), b = try RandomTransform(engine: .software)
        let seed = [UInt8](repeating: 0x42, count: 48)
        try a.seed(seed)
        try b.seed(seed)
        #expect(try a.generate(count: 32) != b.generate(count: 32))
        try a.seed([UInt8]())
        #expect(a.seedSize == 0 && a.driver == "openssl:RAND_bytes" && a.engine == .software)
    }

    @Test func softwareEngineRefusesTestEntropy() throws {
        let rng = try RandomTransform(engine: .software)
        #expect {
            try rng.setEntropy([UInt8](repeating: 1, count: 32))
        } throws: { error in
            guard case .software(let operation, _) = error as? KernelCipherError else { return false }
            return operation.contains("test entropy")
        }
    }

    @Test func negativeAndHugeCountsAreTypedErrors() async throws {
        let rng = try RandomTransform(engine: .software)
        #expect(throws: KernelCipherError.inputTooShort(length: -1, minimum: 0)) { try rng.generate(count: -1) }
        await #expect(throws: KernelCipherError.inputTooShort(length: -1, minimum: 0)) {
            try await rng.generate(count: -1)
        }
        #expect(throws: KernelCipherError.self) { try rng.generate(count: Int.max) }
        await #expect(throws: KernelCipherError.self) { try await rng.generate(count: Int.max) }
        do { _ = try await rng.generate(count: RandomTransform.maximumCount + 1); Issue.record("no error") } catch {
            guard case .inputTooLarge(_, let limit, _) = error else { Issue.record("\(error)"); return }
            #expect(limit == RandomTransform.maximumCount)
        }
    }

    @Test func releasedGeneratorThrows() async throws {
        let rng = try RandomTransform(engine: .software)
        #expect(!rng.isReleased)
        rng.release()
        rng.release()
        #expect(rng.isReleased)
        #expect(throws: KernelCipherError.transformReleased) { try rng.generate(count: 1) }
        await #expect(throws: KernelCipherError.transformReleased) { try await rng.generate(count: 1 << 16) }
        #expect(throws: KernelCipherError.transformReleased) { try rng.seed([1, 2, 3]) }
    }

    @Test func concurrentAsyncRequestsAllComplete() async throws {
        let rng = try RandomTransform(engine: .software)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<32 { group.addTask { try await rng.generate(count: 8192 + i).count } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == (0..<32).map { 8192 + $0 })
    }

    @Test func softwareEngineServesStdrngOnly() {
        #expect(RandomTransform.isAvailable("stdrng", engine: .software))
        #expect(!RandomTransform.isAvailable("drbg_nopr_hmac_sha256", engine: .software))
        #expect(throws: KernelCipherError.algorithmNotFound("drbg_nopr_hmac_sha256", engine: .software)) {
            try RandomTransform("drbg_nopr_hmac_sha256", engine: .software)
        }
    }

    @Test(.enabled(if: !AFALGAvailability.current.isAvailable, "AF_ALG is available here"))
    func automaticFallsBackToSoftwareWithTheKernelsReason() throws {
        let rng = try RandomTransform()
        #expect(rng.engine == .software)
        #expect(rng.selection.reason == KernelCipherError.afAlgUnavailable(AFALGAvailability.current).description)
        #expect(throws: KernelCipherError.self) { try RandomTransform("drbg_nopr_hmac_sha256") }
        #expect(!RandomTransform.isAvailable("stdrng", engine: .kernel))
    }
}
