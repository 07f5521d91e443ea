import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Test bodies shared by the software suites (host) and the AFALG suites (kernel, in the VM):
/// both engines must pass the same checks.
enum Conformance {
    static func makeTransform(_ name: String, _ engine: EnginePreference, key: [UInt8]? = nil,
                              options: TransformOptions = .init()) throws -> CipherTransform {
        let tfm = try CipherTransform(name, engine: engine, options: options)
        if engine != .automatic { #expect(tfm.engine.rawValue == engine.rawValue) }
        if let key { try tfm.setKey(key) }
        return tfm
    }

    /// The kernel engine honours a forced completion mode; the software engine always uses threads.
    static func expectMode(_ tfm: CipherTransform, _ mode: CompletionMode) {
        if tfm.engine == .software { #expect(tfm.completionMode == .threads) }
        else if mode != .automatic { #expect(tfm.completionMode == mode) }
    }

    static func knownAnswers(_ algorithm: String, _ engine: EnginePreference) throws {
        let vectors = VectorFile.all.filter { $0.algorithm == algorithm }
        #expect(!vectors.isEmpty)
        if KernelExpectation.refusedByPolicy(algorithm, engine) { return }
        let tfm = try makeTransform(algorithm, engine)
        defer { tfm.release() }
        for v in vectors {
            try tfm.setKey(v.key)
            #expect(try tfm.encrypt(v.plaintext, iv: v.iv) == v.ciphertext, "\(v) encrypt")
            #expect(try tfm.decrypt(v.ciphertext, iv: v.iv) == v.plaintext, "\(v) decrypt")
        }
    }

    static func properties(_ engine: EnginePreference) throws {
        let expected: [(String, iv: Int, block: Int, keys: [Int])] = [
            ("cbc(aes)", 16, 16, [16, 24, 32]), ("ecb(aes)", 0, 16, [16, 24, 32]), ("ctr(aes)", 16, 1, [16, 24, 32]),
            ("rfc3686(ctr(aes))", 8, 1, [20, 28, 36]), ("chacha20", 16, 1, [32]), ("cbc(des3_ede)", 8, 8, [24]),
        ]
        for (name, iv, block, keys) in expected {
            if KernelExpectation.refusedByPolicy(name, engine) { continue }
            let tfm = try makeTransform(name, engine)
            #expect(tfm.ivSize == iv, "\(name) ivsize")
            #expect(tfm.blockSize == block, "\(name) blocksize")
            #expect(tfm.keySizes == keys, "\(name) key sizes")
            #expect(!tfm.driver.isEmpty)
        }
        let xts = try makeTransform("xts(aes)", engine)
        #expect(xts.ivSize == 16 && xts.blockSize == 16)
        #expect((xts.keySizes ?? []).contains(32) && (xts.keySizes ?? []).contains(64))
    }

    static func errors(_ engine: EnginePreference) throws {
        let key = [UInt8](repeating: 7, count: 16)
        let tfm = try makeTransform("cbc(aes)", engine)
        #expect(throws: KernelCipherError.keyNotSet) { try tfm.encrypt([UInt8](repeating: 0, count: 16), iv: key) }
        #expect(throws: KernelCipherError.invalidKeyLength(15, allowed: [16, 24, 32])) {
            try tfm.setKey([UInt8](repeating: 1, count: 15))
        }
        try tfm.setKey(key)
        #expect(throws: KernelCipherError.invalidIVLength(8, expected: 16)) {
            try tfm.encrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: 8))
        }
        #expect(throws: KernelCipherError.inputNotBlockMultiple(length: 17, blockSize: 16)) {
            try tfm.encrypt([UInt8](repeating: 0, count: 17), iv: key)
        }
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
        defer { output.deallocate() }
        #expect(throws: KernelCipherError.outputTooSmall(length: 8, needed: 16)) {
            try [UInt8](repeating: 0, count: 16).withUnsafeBytes { input in
                try key.withUnsafeBytes { iv in try tfm.encrypt(input, into: output, iv: iv) }
            }
        }
        #expect(try tfm.encrypt([UInt8](), iv: key) == [])
        tfm.release()
        #expect(throws: KernelCipherError.transformReleased) { try tfm.encrypt([UInt8](repeating: 0, count: 16), iv: key) }
        #expect(throws: KernelCipherError.transformReleased) { try tfm.setKey(key) }
        let neverKeyed = try makeTransform("cbc(aes)", engine)
        neverKeyed.release()
        #expect(neverKeyed.isReleased)
        #expect(throws: KernelCipherError.transformReleased, "released wins over no key") {
            try neverKeyed.encrypt([UInt8](repeating: 0, count: 16), iv: key)
        }
        if CipherTransform.isAvailable("cbc(des3_ede)", engine: engine == .kernel ? .kernel : .software) {
            let des3 = try makeTransform("cbc(des3_ede)", engine, key: (0..<24).map { UInt8($0 * 11) })
            #expect(throws: KernelCipherError.inputNotBlockMultiple(length: 12, blockSize: 8)) {
                try des3.encrypt([UInt8](repeating: 0, count: 12), iv: [UInt8](repeating: 0, count: 8))
            }
            #expect(try des3.encrypt([UInt8](repeating: 0, count: 24), iv: [UInt8](repeating: 0, count: 8)).count == 24)
        }

        #expect(throws: KernelCipherError.algorithmNotFound("nosuch(aes)", engine: engine == .kernel ? .kernel : .software)) {
            try CipherTransform("nosuch(aes)", engine: engine)
        }
        let xts = try makeTransform("xts(aes)", engine, key: (0..<32).map { UInt8($0) })
        #expect(throws: KernelCipherError.inputTooShort(length: 15, minimum: 16)) {
            try xts.encrypt([UInt8](repeating: 0, count: 15), iv: [UInt8](repeating: 0, count: 16))
        }
        let ctr = try makeTransform("ctr(aes)", engine, key: key)
        #expect(try ctr.encrypt([UInt8](repeating: 0, count: 17), iv: key).count == 17, "ctr accepts any length")
    }

    /// Random round trips through every algorithm, including odd lengths for stream modes.
    static func roundTrips(_ engine: EnginePreference, iterations: Int) throws {
        var rng = SystemRandomNumberGenerator()
        for name in VectorFile.algorithms {
            if KernelExpectation.refusedByPolicy(name, engine) { continue }
            let tfm = try makeTransform(name, engine)
            for _ in 0..<iterations {
                let key = randomKey(for: tfm, using: &rng)
                try tfm.setKey(key)
                let iv = randomBytes(tfm.ivSize, using: &rng)
                var length = Int.random(in: 0...4096, using: &rng)
                if tfm.properties.requiresBlockMultiple { length -= length % tfm.blockSize }
                length = max(length, tfm.properties.minimumInput)
                let plain = randomBytes(length, using: &rng)
                let cipher = try tfm.encrypt(plain, iv: iv)
                #expect(cipher.count == plain.count)
                #expect(try tfm.decrypt(cipher, iv: iv) == plain, "\(name) round trip, \(length) bytes")
            }
        }
    }

    static func randomKey(for tfm: CipherTransform, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        randomBytes(tfm.keySizes!.randomElement(using: &rng)!, using: &rng)
    }

    /// The open AF_ALG sockets of this process: `/proc/self/fd` entries whose `getsockopt(SO_DOMAIN)` says AF_ALG.
    /// Only the kernel engine opens them; sockets other tests hold meanwhile (Foundation's `Process` keeps a
    /// socketpair per child until it is reaped, which under TSan took minutes) are not counted.
    static func openDescriptorCount() -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap { Int32($0) }.filter { fd in
            var domain: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_ALG
        }.count
    }
}
