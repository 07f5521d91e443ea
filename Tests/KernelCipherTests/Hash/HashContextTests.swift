import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `HashContext`'s value semantics, checked on an engine: copy, diverge, both correct.
enum HashContextSemantics {
    static func check(_ name: String, engine: EnginePreference, key: [UInt8] = []) throws {
        let hash = try HashTransform(name, engine: engine)
        if hash.isKeyed { try hash.setKey(key) }
        let a = [UInt8]("common prefix, ".utf8), b = [UInt8]("left branch".utf8), c = [UInt8]("right branch".utf8)
        var left = try hash.makeContext()
        try left.update(data: a)
        var right = left  // shares the state until one side writes
        try left.update(data: b)
        #expect(try left.finalize() == hash.digest(a + b), "\(name): the written copy")
        #expect(try right.finalize() == hash.digest(a), "\(name): the untouched copy")
        try right.update(data: c)
        #expect(try right.finalize() == hash.digest(a + c), "\(name): diverged copy")
        #expect(try left.finalize() == hash.digest(a + b), "\(name): left unchanged by right's write")
        // A copy taken after finalize continues from the same point.
        var third = left
        try third.update(data: c)
        #expect(try third.finalize() == hash.digest(a + b + c))
        // A fresh context finalizes the empty message.
        #expect(try hash.makeContext().finalize() == hash.digest([UInt8]()))
    }
}

@Suite struct HashContextTests {
    @Test("copy, diverge, both correct (software)", arguments: ["sha256", "sha3-384", "hmac(sha512)", "cmac(aes)"])
    func copySemantics(_ name: String) throws {
        try HashContextSemantics.check(name, engine: .software, key: [UInt8](repeating: 7, count: 16))
    }

    @Test("ConstantTime.equals: equal, different byte, different length, empty")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(ConstantTime.equals([UInt8](), Data()))
        #expect(!ConstantTime.equals([UInt8](), [0] as [UInt8]))
        var tag = [UInt8](repeating: 0xa5, count: 32)
        for i in tag.indices {
            let good = tag
            tag[i] ^= 1
            #expect(!ConstantTime.equals(tag, good))
            tag[i] ^= 1
        }
    }

    @Test("isValidAuthenticationCode rejects a flipped bit and a truncated tag")
    func verify() throws {
        let hmac = try HashTransform("hmac(sha256)", engine: .software)
        try hmac.setKey([UInt8](repeating: 0x0b, count: 20))
        let message = [UInt8]("Hi There".utf8)
        var tag = try hmac.digest(message)
        #expect(try hmac.isValidAuthenticationCode(tag, for: message))
        #expect(try !hmac.isValidAuthenticationCode(tag.prefix(16), for: message))
        tag[5] ^= 0x10
        #expect(try !hmac.isValidAuthenticationCode(tag, for: message))
    }

    @Test("large input streamed through a context equals one digest and the async worker path")
    func largeInput() async throws {
        var generator = SeededGenerator(state: 9)
        let data = randomBytes((3 << 20) + 17, using: &generator)
        let hash = try HashTransform("sha512", engine: .software)
        var context = try hash.makeContext()
        for start in stride(from: 0, to: data.count, by: 1 << 20) {
            try context.update(data: data[start..<min(data.count, start + (1 << 20))])
        }
        let expected = try hash.syncDigest(data)
        #expect(try context.finalize() == expected)
        #expect(try await hash.digest(data) == expected)  // 3 MiB > the 1 MiB inline limit: a worker thread
    }
}
