import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Checks known answers through every way of digesting (sync, context with random update splits, request,
/// async) on one engine; shared by the software suite and the kernel (`AFALG…`) suite.
enum HashConformance {
    /// A transform for `answer` on `engine`, keyed when the algorithm needs it.
    static func transform(_ answer: HashAnswer, _ engine: EnginePreference) throws -> HashTransform {
        let hash = try HashTransform(answer.algorithm, engine: engine)
        if hash.isKeyed { try hash.setKey(answer.key) }
        return hash
    }

    /// Every vector in `answers` through `digest`, a context fed in random pieces, a `HashRequest` and `async`.
    static func check(_ answers: [HashAnswer], engine: EnginePreference, seed: UInt64 = 1) async throws {
        var generator = SeededGenerator(state: seed)
        var cache: [String: HashTransform] = [:]
        for answer in answers {
            let key = "\(answer.algorithm)/\(Hex.encode(answer.key))"
            let hash: HashTransform
            if let cached = cache[key] { hash = cached } else { hash = try transform(answer, engine); cache[key] = hash }
            #expect(hash.engine == (engine == .kernel ? .kernel : hash.engine))
            #expect(hash.digestSize == answer.digest.count, "\(answer)")
            #expect(try hash.syncDigest(answer.message) == answer.digest, "digest \(answer)")
            #expect(try hash.isValidAuthenticationCode(answer.digest, for: answer.message), "\(answer)")

            var context = try hash.makeContext()
            var offset = 0
            while offset < answer.message.count {
                let end = min(answer.message.count, offset + Int.random(in: 0...max(1, answer.message.count / 3), using: &generator))
                try context.update(data: answer.message[offset..<end])
                offset = end
            }
            #expect(try context.finalize() == answer.digest, "context \(answer)")
            // Finalizing does not consume the context: once more gives the same bytes.
            #expect(try context.finalize() == answer.digest, "context twice \(answer)")

            let viaRequest = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                do {
                    try HashRequest(transform: hash, input: answer.message, context: answer.index) { request, result in
                        #expect(request.context == answer.index)
                        continuation.resume(with: result.mapError { $0 as any Error })
                    }.digest()
                } catch { continuation.resume(throwing: error) }
            }
            #expect(viaRequest == answer.digest, "request \(answer)")
            #expect(try await callerMemoryRequest(hash, answer.message) == answer.digest, "caller-memory request \(answer)")
            #expect(try await hash.digest(answer.message) == answer.digest, "async \(answer)")
        }
    }
}

/// A request reading caller memory and writing the digest into the caller's buffer: the completion gets empty bytes,
/// the digest is at the buffer's start and the bytes after it are untouched; a buffer shorter than the digest is
/// refused at submission with `.outputTooSmall`.
func callerMemoryRequest(_ hash: HashTransform, _ message: [UInt8]) async throws -> [UInt8] {
    let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, message.count), alignment: 16)
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: hash.digestSize + 8, alignment: 16)
    defer { input.deallocate(); output.deallocate() }
    input.copyBytes(from: message)
    output.initializeMemory(as: UInt8.self, repeating: 0xa5)
    let source = UnsafeRawBufferPointer(rebasing: input[..<message.count])
    #expect(throws: KernelCipherError.outputTooSmall(length: hash.digestSize - 1, needed: hash.digestSize)) {
        try HashRequest(transform: hash, input: source, output: UnsafeMutableRawBufferPointer(rebasing: output[..<(hash.digestSize - 1)]),
                        context: 0) { _, _ in Issue.record("a refused request completed") }.digest()
    }
    let returned = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
        do {
            try HashRequest(transform: hash, input: source, output: output, context: 0) { _, result in
                continuation.resume(with: result.mapError { $0 as any Error })
            }.digest()
        } catch { continuation.resume(throwing: error) }
    }
    #expect(returned.isEmpty)
    #expect(Array(output[hash.digestSize...]) == [UInt8](repeating: 0xa5, count: 8))
    return Array(output[..<hash.digestSize])
}

extension HashTransform {
    /// The synchronous `digest`, callable from async code (where `digest` resolves to the async overload).
    func syncDigest(_ data: some ContiguousBytes) throws(KernelCipherError) -> [UInt8] { try digest(data) }
}
