import Testing
@testable import KernelCipher

/// The `async` forms' inline rule, which the `@inlinable` async shells of every family apply in the caller's module:
/// inputs up to `asyncInlineLimit` run on the calling task with the synchronous form's bytes, larger ones on a worker,
/// and a task cancelled before its request starts gets `.cancelled` either way.
@Suite struct AsyncInlineTests {
    static let limit = 64
    static let sizes = [0, 1, 16, limit, limit + 1, 4096]

    @Test func cipherInlineAndOffloadedMatchTheSynchronousForm() async throws {
        let tfm = try CipherTransform("cbc(aes)", engine: .software, options: .init(asyncInlineLimit: Self.limit))
        try tfm.setKey([UInt8](repeating: 1, count: 16))
        let iv = [UInt8](repeating: 2, count: 16)
        #expect(tfm.asyncInlineLimit == Self.limit)
        for size in Self.sizes.map({ $0 / 16 * 16 }) {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let sync: [UInt8] = try { try tfm.encrypt(data, iv: iv) }()
            #expect(try await tfm.encrypt(data, iv: iv) == sync, "\(size) bytes")
            #expect(try await tfm.decrypt(sync, iv: iv) == data, "\(size) bytes")
        }
        await #expect(throws: KernelCipherError.invalidIVLength(3, expected: 16)) {
            _ = try await tfm.encrypt([UInt8](repeating: 0, count: 16), iv: [1, 2, 3])
        }
        for size in [16, 4096] { try await expectCancelled { _ = try await tfm.encrypt([UInt8](repeating: 0, count: size), iv: iv) } }
    }

    @Test func aeadInlineAndOffloadedMatchTheSynchronousForm() async throws {
        let tfm = try AEADTransform("gcm(aes)", engine: .software, options: .init(asyncInlineLimit: Self.limit))
        try tfm.setKey([UInt8](repeating: 1, count: 16))
        let iv = [UInt8](repeating: 2, count: 12), ad = [UInt8]("header".utf8)
        for size in Self.sizes {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let sync: [UInt8] = try { try tfm.encrypt(data, iv: iv, associatedData: ad) }()
            #expect(try await tfm.encrypt(data, iv: iv, associatedData: ad) == sync, "\(size) bytes")
            #expect(try await tfm.decrypt(sync, iv: iv, associatedData: ad) == data, "\(size) bytes")
            var forged = sync
            forged[forged.count - 1] ^= 1
            await #expect(throws: KernelCipherError.authenticationFailed) {
                _ = try await tfm.decrypt(forged, iv: iv, associatedData: ad)
            }
        }
        for size in [16, 4096] {
            try await expectCancelled { _ = try await tfm.encrypt([UInt8](repeating: 0, count: size), iv: iv) }
        }
    }

    @Test func hashInlineAndOffloadedMatchTheSynchronousForm() async throws {
        let tfm = try HashTransform("hmac(sha256)", engine: .software, options: .init(asyncInlineLimit: Self.limit))
        try tfm.setKey([UInt8](repeating: 1, count: 32))
        for size in Self.sizes {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 5) }
            let sync: [UInt8] = try { try tfm.digest(data) }()
            #expect(try await tfm.digest(data) == sync, "\(size) bytes")
        }
        for size in [16, 4096] { try await expectCancelled { _ = try await tfm.digest([UInt8](repeating: 0, count: size)) } }
        let unkeyed = try HashTransform("hmac(sha256)", engine: .software)
        await #expect(throws: KernelCipherError.keyNotSet) { _ = try await unkeyed.digest([UInt8](repeating: 0, count: 16)) }
    }

    /// Runs `body` in a task cancelled before it starts its request: it must end with `.cancelled`.
    private func expectCancelled(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { () async throws -> Void in
            withUnsafeCurrentTask { $0?.cancel() }
            try await body()
        }
        await #expect(throws: KernelCipherError.cancelled) { try await task.value }
    }
}
