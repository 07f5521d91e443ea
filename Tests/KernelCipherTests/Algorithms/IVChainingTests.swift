import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// `IVChaining.nextIV` against real encryption: a message run as two requests, the second with the chained IV,
/// gives the bytes of one request over the whole message (software engine, OpenSSL), both directions.
@Suite("IV chaining across requests")
struct IVChainingTests {
    /// Every chainable catalog algorithm the installed OpenSSL provides.
    static var chainable: [String] {
        CipherAlgorithm.all.filter { $0.ivChaining.isChainable && CipherTransform.isAvailable($0.name.description, engine: .software) }
            .map(\.name.description)
    }

    static func bytes(_ count: Int, _ seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 131) ^ ($0 >> 8) &+ seed &* 17) }
    }

    /// One request over `head + tail` equals `head` then `tail` with `nextIV`, encrypting and decrypting.
    static func checkSplit(_ tfm: CipherTransform, iv: [UInt8], head: Int, tail: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let chaining = tfm.ivChaining
        let plain = bytes(head + tail, head)
        let whole = try tfm.encrypt(plain, iv: iv)
        let first = try tfm.encrypt(Array(plain[..<head]), iv: iv)
        let next = try #require(chaining.nextIV(current: iv, ciphertext: first), sourceLocation: sourceLocation)
        let second = try tfm.encrypt(Array(plain[head...]), iv: next)
        #expect(firstDifference(first + second, whole) == nil, "\(tfm.algorithm) encrypt \(head)+\(tail)",
                sourceLocation: sourceLocation)
        // Decrypting: the chained IV comes from the request's input (the ciphertext).
        let ivDecrypt = try #require(chaining.nextIV(current: iv, ciphertext: Array(whole[..<head])), sourceLocation: sourceLocation)
        let plainAgain = try tfm.decrypt(Array(whole[..<head]), iv: iv) + tfm.decrypt(Array(whole[head...]), iv: ivDecrypt)
        #expect(firstDifference(plainAgain, plain) == nil, "\(tfm.algorithm) decrypt \(head)+\(tail)",
                sourceLocation: sourceLocation)
    }

    /// The first index where two byte strings differ (or the shorter length), nil when equal; keeps failure
    /// messages short.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        a == b ? nil : zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }

    @Test func coversEveryRule() {
        let rules = Set(Self.chainable.compactMap { CipherAlgorithm(named: $0)?.ivChaining })
        #expect(rules == [.independent, .lastCiphertextBlock, .bigEndianCounter, .chacha20BlockCounter], "\(Self.chainable)")
    }

    @Test(arguments: chainable)
    func twoRequestsEqualOne(algorithm: String) throws {
        let facts = try #require(CipherAlgorithm(named: algorithm))
        let tfm = try Conformance.makeTransform(algorithm, .software, key: Self.bytes(facts.keySizes[0], 3))
        #expect(tfm.ivChaining == facts.ivChaining)
        let unit = try #require(facts.ivChaining.granularity(ivSize: tfm.ivSize))
        let last = tfm.properties.requiresBlockMultiple ? tfm.blockSize : 1
        for (blocks, tail) in [(1, 5 * last), (3, 7 * last), (64, 33 * last)] {
            try Self.checkSplit(tfm, iv: Self.bytes(tfm.ivSize, blocks), head: blocks * max(unit, tfm.blockSize), tail: tail)
        }
    }

    /// ctr: the counter carries across bytes (0x…00ff_fffe + 3 blocks, + 300 blocks) and wraps at 2^128.
    @Test(arguments: [
        [UInt8](repeating: 0, count: 13) + [0xff, 0xff, 0xfe],
        [UInt8](repeating: 0x11, count: 12) + [0x00, 0x00, 0xff, 0xf0],
        [UInt8](repeating: 0xff, count: 16),
    ])
    func counterCarriesAcrossBytes(iv: [UInt8]) throws {
        let tfm = try Conformance.makeTransform("ctr(aes)", .software, key: Self.bytes(16, 9))
        for blocks in [1, 3, 300] { try Self.checkSplit(tfm, iv: iv, head: blocks * 16, tail: 37) }
        let next = try #require(IVChaining.bigEndianCounter.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 300 * 16)))
        let value = { (b: [UInt8]) in b.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        #expect(value(next) == value(iv) &+ 300)
    }

    /// chacha20: the 32-bit block counter wraps to 0 between requests and the nonce stays, as in the kernel and the
    /// RFC 7539 reference written from the RFC.
    @Test(arguments: [UInt32(0xffff_fffe), 0xffff_ffff, 0x7fff_ffff])
    func chachaCounterWrapsWithoutTouchingTheNonce(counter: UInt32) throws {
        let key = Self.bytes(32, 5)
        let nonce = (0..<12).map { UInt8(0xA0 + $0) }
        let iv = ChaCha20Reference.iv(counter: counter, nonce: nonce)
        let tfm = try Conformance.makeTransform("chacha20", .software, key: key)
        try Self.checkSplit(tfm, iv: iv, head: 3 * 64, tail: 100)
        let next = try #require(IVChaining.chacha20BlockCounter.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 192)))
        #expect(next == ChaCha20Reference.iv(counter: counter &+ 3, nonce: nonce))
        let plain = Self.bytes(300, 1)
        let reference = Array(ChaCha20Reference.crypt(key: key, iv: iv, plain)[192...])
        #expect(Self.firstDifference(try tfm.encrypt(Array(plain[192...]), iv: next), reference) == nil)
    }

    /// Where no IV can be derived, or the request is not whole blocks, there is no next IV.
    @Test func noNextIVWhereTheStreamCannotContinue() throws {
        let iv = [UInt8](repeating: 1, count: 16)
        #expect(IVChaining.wholeMessage.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 64)) == nil)
        #expect(IVChaining.bigEndianCounter.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 17)) == nil)
        #expect(IVChaining.lastCiphertextBlock.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 8)) == nil)
        #expect(IVChaining.chacha20BlockCounter.nextIV(current: iv, ciphertext: [UInt8](repeating: 0, count: 65)) == nil)
        #expect(IVChaining.chacha20BlockCounter.nextIV(current: [UInt8](repeating: 0, count: 12), ciphertext: [UInt8]()) == nil)
        #expect(IVChaining.independent.nextIV(current: [UInt8](), ciphertext: [UInt8](repeating: 0, count: 3)) == [])
        for name in ["xts(aes)", "cts(cbc(aes))", "rfc3686(ctr(aes))"] {
            #expect(try CipherTransform(name, engine: .software).ivChaining == .wholeMessage, "\(name)")
        }
    }
}

/// `Transform.ivChaining`'s rule by name: the CLI streams cbc/ctr/ecb over kernel-only ciphers too (serpent,
/// twofish, des), as it did before the catalog, and refuses to chain where the IV size does not fit the rule.
@Suite("IV chaining by name")
struct IVChainingByNameTests {
    @Test(arguments: [
        ("cbc(aes)", 16, IVChaining.lastCiphertextBlock), ("cbc(serpent)", 16, .lastCiphertextBlock),
        ("cbc(des)", 8, .lastCiphertextBlock), ("ctr(twofish)", 16, .bigEndianCounter), ("ecb(serpent)", 0, .independent),
        ("ctr(des3_ede)", 8, .bigEndianCounter), ("chacha20", 16, .chacha20BlockCounter),
        ("ecb(serpent)", 16, .wholeMessage), ("cbc(serpent)", 0, .wholeMessage), ("cbc(aes)", 8, .wholeMessage),
        ("chacha20", 32, .wholeMessage), ("xts(serpent)", 16, .wholeMessage), ("lrw(serpent)", 16, .wholeMessage),
        ("cbc-aes-aesni", 16, .wholeMessage), ("cbc(cbc(aes))", 16, .wholeMessage), ("cbc(aes", 16, .wholeMessage),
        ("xchacha20", 32, .wholeMessage), ("cts(cbc(serpent))", 16, .wholeMessage),
    ])
    func ruleForName(name: String, ivSize: Int, expected: IVChaining) {
        #expect(AlgorithmCatalog.chaining(name: name, ivSize: ivSize) == expected)
    }
}
