import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// The kernel engine (algif_hash) against a subset of the vectors, against the software engine, and its
/// clone (`accept()` on an op socket), empty-message and parallel paths. Under the 7.3 level-1 allowlist a
/// refused name is asserted as `.refusedByPolicy` (never skipped).
@Suite(.requiresAFALG) struct AFALGHashTests {
    /// True (refusal asserted) when the allowlist refuses `name` to this process.
    static func refused(_ name: String) -> Bool {
        KernelExpectation.refusedByPolicy(name, .kernel, type: .hash) { (name) throws(KernelCipherError) in
            _ = try HashTransform(name, engine: .kernel)
        }
    }

    /// 400 KiB of seeded noise that differential inputs are sliced from (byte-wise generation is slow in debug).
    static let noise: [UInt8] = {
        var generator = SeededGenerator(state: 0x5eed)
        return randomBytes(400 << 10, using: &generator)
    }()

    static let differential = ["sha1", "sha256", "sha512", "sha3-256", "hmac(sha1)", "hmac(sha256)", "cmac(aes)"]

    @Test("vector subset through the kernel: digest, context, request, async")
    func knownAnswers() async throws {
        try requireAFALG()
        let subset = HashVectors.subset(stride: 12)
        // One policy check per algorithm (each refused one is asserted once), not one per vector.
        let refused = Set(Set(subset.map(\.algorithm)).filter { Self.refused($0) })
        let answers = subset.filter { !refused.contains($0.algorithm) }
        // Same vectors as software, so a vector the kernel gets wrong is a kernel-engine defect.
        try await HashConformance.check(answers, engine: .kernel)
    }

    @Test("kernel equals software: random lengths (0, > 64 KiB) and random update splits", arguments: differential)
    func kernelVersusSoftware(_ name: String) throws {
        try requireAFALG()
        if Self.refused(name) { return }
        var generator = SeededGenerator(state: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let kernel = try HashTransform(name, engine: .kernel), software = try HashTransform(name, engine: .software)
        #expect(kernel.engine == .kernel && kernel.digestSize == software.digestSize && kernel.isKeyed == software.isKeyed)
        #expect(kernel.blockSize == software.blockSize)
        if kernel.isKeyed {
            let key = randomBytes(name == "cmac(aes)" ? 32 : Int.random(in: 0...150, using: &generator), using: &generator)
            try kernel.setKey(key)
            try software.setKey(key)
        }
        for length in [0, 1, 63, 64, 65, 65_536, 65_537, 200_001] + (0..<4).map({ _ in Int.random(in: 0...300_000, using: &generator) }) {
            let start = Int.random(in: 0...(Self.noise.count - length), using: &generator)
            let data = Array(Self.noise[start..<start + length])
            let expected = try software.digest(data)
            #expect(try kernel.digest(data) == expected, "\(name) \(length) bytes one-shot")
            var context = try kernel.makeContext()
            var offset = 0
            while offset < length {
                let end = min(length, offset + Int.random(in: 0...100_000, using: &generator))
                try context.update(data: data[offset..<end])
                offset = end
            }
            #expect(try context.finalize() == expected, "\(name) \(length) bytes split")
        }
    }

    @Test("context copies clone the op socket: copy, diverge, both correct", arguments: ["sha256", "hmac(sha256)", "cmac(aes)"])
    func cloneViaCopy(_ name: String) throws {
        try requireAFALG()
        if Self.refused(name) { return }
        try HashContextSemantics.check(name, engine: .kernel, key: [UInt8](repeating: 7, count: 16))
    }

    @Test("a keyed kernel hash without a key: keyNotSet (the kernel's ENOKEY on send)")
    func keyNotSet() throws {
        try requireAFALG()
        if Self.refused("hmac(sha256)") { return }
        let hash = try HashTransform("hmac(sha256)", engine: .kernel)
        #expect(throws: KernelCipherError.keyNotSet) { try hash.digest([1]) }
        // The kernel accepts an op socket on an unkeyed hmac tfm (accept_nokey); its first send fails with ENOKEY.
        let state = try hash.hashEngine.makeState()
        #expect(throws: KernelCipherError.keyNotSet) { try [UInt8]([1, 2, 3]).withUnsafeBytes { try state.update($0) } }
    }

    @Test("re-keying after digests: pooled op sockets do not block ALG_SET_KEY, the new key is used")
    func rekey() throws {
        try requireAFALG()
        if Self.refused("hmac(sha1)") { return }
        let vectors = HashVectors.all.filter { $0.algorithm == "hmac(sha1)" }
        let hmac = try HashTransform("hmac(sha1)", engine: .kernel)
        for vector in vectors {
            try hmac.setKey(vector.key)
            #expect(try hmac.digest(vector.message) == vector.digest, "\(vector)")
        }
    }

    @Test("parallel requests and digests from many threads all match the software engine")
    func parallel() async throws {
        try requireAFALG()
        let name = Self.refused("sha256") ? "sha1" : "sha256"
        let kernel = try HashTransform(name, engine: .kernel, options: TransformOptions(maxInFlight: 4))
        let software = try HashTransform(name, engine: .software)
        let inputs = (0..<64).map { i in [UInt8](repeating: UInt8(i), count: i * 1031) }
        let expected = try inputs.map { try software.syncDigest($0) }
        let results = LockedResults(count: inputs.count)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let remaining = LockedCounter(inputs.count) { done.resume() }
            for (i, input) in inputs.enumerated() {
                do {
                    try HashRequest(transform: kernel, input: input, context: i) { request, result in
                        results.set(request.context, result)
                        remaining.decrement()
                    }.digest()
                } catch {
                    results.set(i, .failure(error as! KernelCipherError))
                    remaining.decrement()
                }
            }
        }
        for i in inputs.indices { #expect(try results.get(i).get() == expected[i], "request \(i)") }
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (i, input) in inputs.enumerated() { group.addTask { (i, try await kernel.digest(input)) } }
            for try await (i, digest) in group { #expect(digest == expected[i], "async \(i)") }
        }
    }
}

/// Results written by completions on worker threads.
final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<[UInt8], KernelCipherError>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<[UInt8], KernelCipherError>) { lock.withLock { values[i] = value } }
    func get(_ i: Int) -> Result<[UInt8], KernelCipherError> { lock.withLock { values[i] ?? .failure(.cancelled) } }
}

/// Calls `done` once when decremented to zero.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int
    private let done: @Sendable () -> Void
    init(_ value: Int, done: @escaping @Sendable () -> Void) { self.value = value; self.done = done }
    func decrement() { if lock.withLock({ value -= 1; return value == 0 }) { done() } }
}
