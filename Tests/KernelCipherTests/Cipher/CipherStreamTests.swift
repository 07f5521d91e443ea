import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Checks shared by the software suite here and the kernel suite (`AFALGCipherStreamTests`).
enum CipherStreamConformance {
    /// An algorithm, its key length and the padding to stream it with.
    struct Case: Sendable, CustomTestStringConvertible {
        var algorithm: String
        var keySize: Int
        var padding: CipherPadding
        var testDescription: String { "\(algorithm) \(keySize * 8) \(padding)" }
    }

    /// `bytes` cut into random pieces of 0…`maxPiece` bytes (empty pieces included).
    static func pieces(_ bytes: [UInt8], maxPiece: Int, using generator: inout SeededGenerator) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var at = 0
        while at < bytes.count {
            let n = min(Int(generator.next() % UInt64(maxPiece + 1)), bytes.count - at)
            out.append(bytes[at..<(at + n)])
            at += n
        }
        out.append(bytes[bytes.count...])
        return out
    }

    /// Streams `input` in `parts` (alternating the array and the caller-memory forms) and finishes.
    static func stream(
        _ transform: CipherTransform, _ operation: CipherOperation, iv: [UInt8], padding: CipherPadding,
        _ parts: [ArraySlice<UInt8>]
    ) throws -> [UInt8] {
        var stream = try transform.makeStream(operation, iv: iv, padding: padding)
        var out: [UInt8] = []
        for (i, part) in parts.enumerated() {
            if i % 2 == 0 {
                out += try stream.update(Array(part))
            } else {
                var buffer = [UInt8](repeating: 0, count: stream.outputCount(forUpdate: part.count))
                let written = try Array(part).withUnsafeBytes { input in
                    try buffer.withUnsafeMutableBytes { output in try stream.update(input, into: output) }
                }
                #expect(written == buffer.count)
                out += buffer
            }
        }
        return out + (try stream.finish())
    }

    /// The error `finish()` throws, or nil when it returns.
    static func finishError(_ stream: consuming CipherStream) -> KernelCipherError? {
        do { _ = try stream.finish(); return nil } catch { return error }
    }

    /// The error `update(_:)` throws, or nil when it returns.
    static func updateError(_ stream: inout CipherStream, _ bytes: [UInt8]) -> KernelCipherError? {
        do { _ = try stream.update(bytes); return nil } catch { return error }
    }

    /// PKCS#7 padding of `bytes` to a multiple of `block`.
    static func pad(_ bytes: [UInt8], block: Int) -> [UInt8] {
        let n = block - bytes.count % block
        return bytes + [UInt8](repeating: UInt8(n), count: n)
    }

    /// Random sizes and random splits: the stream gives the one-shot request's bytes (padded by hand for PKCS#7)
    /// both ways, and decrypts back to the message.
    static func matchesOneShot(_ c: Case, engine: EnginePreference, sizes: [Int], maxPiece: Int, seed: UInt64) throws {
        let transform = try CipherTransform(c.algorithm, engine: engine)
        defer { transform.release() }
        var generator = SeededGenerator(state: seed)
        try transform.setKey(randomBytes(c.keySize, using: &generator))
        let block = transform.blockSize
        for size in sizes {
            let plain = randomBytes(size, using: &generator)
            let iv = randomBytes(transform.ivSize, using: &generator)
            let padded = c.padding == .pkcs7 ? pad(plain, block: block) : plain
            let expected = try transform.encrypt(padded, iv: iv)
            let ciphertext = try stream(transform, .encrypt, iv: iv, padding: c.padding,
                                        pieces(plain, maxPiece: maxPiece, using: &generator))
            #expect(ciphertext == expected, "\(c.algorithm) encrypt, \(size) bytes")
            let back = try stream(transform, .decrypt, iv: iv, padding: c.padding,
                                  pieces(expected, maxPiece: maxPiece, using: &generator))
            #expect(back == plain, "\(c.algorithm) decrypt, \(size) bytes")
        }
    }

    /// The stream on `engine` gives the software engine's one-shot bytes, for messages cut into random pieces.
    static func matchesSoftware(_ c: Case, engine: EnginePreference, sizes: [Int], maxPiece: Int) throws {
        let (ours, software) = (try CipherTransform(c.algorithm, engine: engine),
                                try CipherTransform(c.algorithm, engine: .software))
        defer { ours.release(); software.release() }
        var generator = SeededGenerator(state: 0xAF)
        let key = randomBytes(c.keySize, using: &generator)
        try ours.setKey(key)
        try software.setKey(key)
        for size in sizes {
            let plain = randomBytes(size, using: &generator)
            let iv = randomBytes(ours.ivSize, using: &generator)
            let expected = try software.encrypt(c.padding == .pkcs7 ? pad(plain, block: ours.blockSize) : plain, iv: iv)
            let ciphertext = try stream(ours, .encrypt, iv: iv, padding: c.padding,
                                        pieces(plain, maxPiece: maxPiece, using: &generator))
            #expect(ciphertext == expected, "\(c.algorithm) encrypt, \(size) bytes")
            let back = try stream(ours, .decrypt, iv: iv, padding: c.padding,
                                  pieces(expected, maxPiece: maxPiece, using: &generator))
            #expect(back == plain, "\(c.algorithm) decrypt, \(size) bytes")
        }
    }

    /// A wrong padding byte, a truncated ciphertext and a wrong key fail with typed errors, and no update released
    /// any of the last block.
    static func paddingErrors(engine: EnginePreference) throws {
        let transform = try CipherTransform("cbc(aes)", engine: engine)
        defer { transform.release() }
        let key = randomBytes(16, seed: 7), iv = randomBytes(16, seed: 8)
        try transform.setKey(key)
        for tail: [UInt8] in [[4, 4, 3, 4], [1, 2, 3, 0], [0x11, 0x11, 0x11, 0x11]] {
            let plain = randomBytes(92, seed: 9) + tail
            let ciphertext = try transform.encrypt(plain, iv: iv)
            var stream = try transform.makeStream(.decrypt, iv: iv, padding: .pkcs7)
            let released = try stream.update(ciphertext)
            #expect(released == Array(plain[..<80]), "everything but the last block")
            #expect(CipherStreamConformance.finishError(stream) == KernelCipherError.invalidPadding)
        }
        let good = try transform.encrypt(pad(randomBytes(40, seed: 10), block: 16), iv: iv)
        var truncated = try transform.makeStream(.decrypt, iv: iv, padding: .pkcs7)
        #expect(try truncated.update(good.dropLast()).count == 32)
        #expect(CipherStreamConformance.finishError(truncated) == KernelCipherError.inputNotBlockMultiple(length: 47, blockSize: 16))
        let empty = try transform.makeStream(.decrypt, iv: iv, padding: .pkcs7)
        #expect(CipherStreamConformance.finishError(empty) == KernelCipherError.inputTooShort(length: 0, minimum: 16))

        let other = try CipherTransform("cbc(aes)", engine: engine)
        defer { other.release() }
        try other.setKey(randomBytes(16, seed: 11))
        var wrongKey = try other.makeStream(.decrypt, iv: iv, padding: .pkcs7)
        #expect(try wrongKey.update(good).count == 32)
        #expect(CipherStreamConformance.finishError(wrongKey) == KernelCipherError.invalidPadding)
    }
}

@Suite("CipherStream: software engine")
struct CipherStreamTests {
    static let cases = [
        CipherStreamConformance.Case(algorithm: "cbc(aes)", keySize: 16, padding: .pkcs7),
        .init(algorithm: "cbc(aes)", keySize: 32, padding: .none),
        .init(algorithm: "ecb(aes)", keySize: 24, padding: .pkcs7),
        .init(algorithm: "ctr(aes)", keySize: 32, padding: .none),
        .init(algorithm: "chacha20", keySize: 32, padding: .none),
        .init(algorithm: "xts(aes)", keySize: 32, padding: .none),
    ]

    @Test(arguments: cases) func matchesOneShot(c: CipherStreamConformance.Case) throws {
        var generator = SeededGenerator(state: 0x5EED)
        let block = c.padding == .none && ["cbc(aes)", "ecb(aes)"].contains(c.algorithm) ? 16 : 1
        var sizes = [0, 1, 15, 16, 17, 63, 64, 65, 4096 + 5] + (0..<12).map { _ in Int(generator.next() % 3000) }
        if c.algorithm.hasPrefix("xts") { sizes = sizes.map { max($0, 16) } }
        if block > 1 { sizes = sizes.map { $0 / block * block } }
        try CipherStreamConformance.matchesOneShot(c, engine: .software, sizes: sizes, maxPiece: 200, seed: 0xC0DE)
    }

    @Test func paddingErrors() throws { try CipherStreamConformance.paddingErrors(engine: .software) }

    @Test func pkcs7UnpaddingChecksEveryPaddingByte() {
        for pad in 1...16 {
            var block = [UInt8](repeating: 0xAA, count: 16)
            for i in (16 - pad)..<16 { block[i] = UInt8(pad) }
            #expect(block.withUnsafeBytes { CipherPadding.pkcs7Length($0) } == pad)
            for i in (16 - pad)..<15 {
                var bad = block
                bad[i] ^= 0x40
                #expect(bad.withUnsafeBytes { CipherPadding.pkcs7Length($0) } == nil, "pad \(pad) byte \(i)")
            }
        }
        for last in [0, 17, 0x80, 0xFF] {
            let block = [UInt8](repeating: UInt8(last), count: 16)
            #expect(block.withUnsafeBytes { CipherPadding.pkcs7Length($0) } == nil, "last byte \(last)")
        }
    }

    @Test func refusesWhatCannotWork() throws {
        let ctr = try CipherTransform("ctr(aes)", engine: .software)
        defer { ctr.release() }
        #expect(throws: KernelCipherError.self) { _ = try ctr.makeStream(.encrypt, iv: [UInt8](repeating: 0, count: 16), padding: .pkcs7) }
        #expect(throws: KernelCipherError.invalidIVLength(15, expected: 16)) {
            _ = try ctr.makeStream(.encrypt, iv: [UInt8](repeating: 0, count: 15), padding: .none)
        }
        // No key: the first request fails, and the stream keeps failing with that error.
        var unkeyed = try ctr.makeStream(.encrypt, iv: [UInt8](repeating: 0, count: 16), padding: .none)
        #expect(CipherStreamConformance.updateError(&unkeyed, [UInt8](repeating: 1, count: 64)) == KernelCipherError.keyNotSet)
        #expect(CipherStreamConformance.finishError(unkeyed) == KernelCipherError.keyNotSet)

        let ecb = try CipherTransform("ecb(aes)", engine: .software)
        defer { ecb.release() }
        try ecb.setKey(randomBytes(16, seed: 1))
        var partial = try ecb.makeStream(.encrypt, padding: .none)
        #expect(try partial.update(randomBytes(17, seed: 2)).count == 16)
        #expect(CipherStreamConformance.finishError(partial) == KernelCipherError.inputNotBlockMultiple(length: 17, blockSize: 16))
        var small = try ecb.makeStream(.encrypt, padding: .none)
        var output = [UInt8](repeating: 0, count: 16)
        #expect(throws: KernelCipherError.outputTooSmall(length: 16, needed: 32)) {
            _ = try randomBytes(40, seed: 3).withUnsafeBytes { input in
                try output.withUnsafeMutableBytes { out in
                    Result { () throws(KernelCipherError) in try small.update(input, into: out) }
                }
            }.get()
        }
        ecb.release()
        #expect(throws: KernelCipherError.transformReleased) { _ = try ecb.makeStream(.encrypt, padding: .none) }
    }

    /// xts cannot carry its tweak across requests: the stream holds the whole message and refuses past the limit.
    @Test func wholeMessageModeRefusesPastTheLimit() throws {
        let xts = try CipherTransform("xts(aes)", engine: .software)
        defer { xts.release() }
        try xts.setKey(randomBytes(32, seed: 4))
        var stream = try xts.makeStream(.encrypt, iv: [UInt8](repeating: 0, count: 16), padding: .none)
        let mebibyte = [UInt8](repeating: 0x5A, count: 1 << 20)
        for _ in 0..<16 { #expect(try stream.update(mebibyte).isEmpty) }
        let error = CipherStreamConformance.updateError(&stream, [1])
        guard case .inputTooLarge(let length, let limit, let reason) = error else {
            Issue.record("expected .inputTooLarge, got \(String(describing: error))")
            return
        }
        #expect(length == (16 << 20) + 1 && limit == 16 << 20)
        #expect(reason.contains("xts(aes) is processed as one request"))
    }
}

/// Byte-for-byte agreement with `openssl enc` over generated inputs streamed in random pieces.
@Suite("CipherStream: openssl enc", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct CipherStreamOpenSSLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var algorithm: String
        var keySize: Int
        var padding: CipherPadding
        var openssl: String
        var testDescription: String { "\(algorithm) = openssl \(openssl)" }
    }

    static let cases = [
        Case(algorithm: "cbc(aes)", keySize: 16, padding: .pkcs7, openssl: "-aes-128-cbc"),
        Case(algorithm: "ecb(aes)", keySize: 32, padding: .pkcs7, openssl: "-aes-256-ecb"),
        Case(algorithm: "ctr(aes)", keySize: 24, padding: .none, openssl: "-aes-192-ctr"),
        Case(algorithm: "chacha20", keySize: 32, padding: .none, openssl: "-chacha20"),
    ]

    @Test(arguments: cases) func matchesOpenSSL(c: Case) throws {
        let transform = try CipherTransform(c.algorithm, engine: .software)
        defer { transform.release() }
        var generator = SeededGenerator(state: 0xE11C)
        let key = randomBytes(c.keySize, using: &generator)
        try transform.setKey(key)
        for size in [0, 5, 16, 1000, 70_001] {
            let plain = randomBytes(size, using: &generator)
            let iv = randomBytes(transform.ivSize, using: &generator)
            let ours = try CipherStreamConformance.stream(
                transform, .encrypt, iv: iv, padding: c.padding,
                CipherStreamConformance.pieces(plain, maxPiece: 5000, using: &generator))
            var arguments = ["enc", c.openssl, "-K", Hex.encode(key)] + (iv.isEmpty ? [] : ["-iv", Hex.encode(iv)])
            if c.padding == .none { arguments.append("-nopad") }
            #expect(ours == (try Self.openssl(arguments, input: plain)), "\(size) bytes")
        }
    }

    /// Runs `/usr/bin/openssl` with `input` in a temporary file (at most 70 KiB here) and returns its output.
    static func openssl(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (inPath, outPath) = (directory.appendingPathComponent("in"), directory.appendingPathComponent("out"))
        try Data(input).write(to: inPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments + ["-in", inPath.path, "-out", outPath.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
        return [UInt8](try Data(contentsOf: outPath))
    }
}
