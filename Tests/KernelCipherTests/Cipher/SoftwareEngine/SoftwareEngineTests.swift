import Foundation
import Synchronization
import Testing
@testable import KernelCipher

@Suite("Software engine: known answers, properties, errors")
struct SoftwareEngineTests {
    @Test(arguments: VectorFile.algorithms)
    func knownAnswers(algorithm: String) throws { try Conformance.knownAnswers(algorithm, .software) }

    /// Every vendored case read (VectorReaderTests counts them per file), per algorithm as the kernel suite
    /// (AFALGEngineTests) takes them: a reader or mapping that drops cases fails here, on the host.
    @Test func vectorCounts() {
        #expect(VectorFile.all.count == 584)
        let perAlgorithm = Dictionary(grouping: VectorFile.all, by: \.algorithm).mapValues(\.count)
        #expect(perAlgorithm == ["cbc(aes)": 60, "ecb(aes)": 60, "ctr(aes)": 12, "rfc3686(ctr(aes))": 9, "xts(aes)": 400,
                                 "chacha20": 3, "cbc(des3_ede)": 20, "ecb(des3_ede)": 20])
    }

    @Test func properties() throws { try Conformance.properties(.software) }

    @Test func errors() throws { try Conformance.errors(.software) }

    @Test func randomRoundTrips() throws { try Conformance.roundTrips(.software, iterations: 50) }

    @Test(.enabled(if: !AFALGAvailability.current.isAvailable, "AF_ALG present: the kernel suites cover selection"))
    func automaticPicksSoftwareWhereKernelUnusable() throws {
        let tfm = try CipherTransform("cbc(aes)")
        #expect(tfm.engine == .software)
        #expect(tfm.selection.reason.contains("EAFNOSUPPORT"))
        #expect(throws: KernelCipherError.afAlgUnavailable(AFALGAvailability.current)) {
            try CipherTransform("cbc(aes)", engine: .kernel)
        }
        #expect(!CipherTransform.isAvailable("cbc(aes)", engine: .kernel))
        #expect(CipherTransform.isAvailable("cbc(aes)", engine: .software))
        #expect(!CipherTransform.isAvailable("cbc(nosuch)", engine: .software))
    }

    @Test func ctsIsCBCCS3() throws {
        // CS3 (the kernel's cts): for a multiple of the block size the last two ciphertext blocks are swapped
        // relative to plain CBC; for one block it equals CBC.
        let key = [UInt8](repeating: 0x42, count: 16), iv = [UInt8](repeating: 1, count: 16)
        let plain = (0..<48).map { UInt8($0) }
        let cbc = try Conformance.makeTransform("cbc(aes)", .software, key: key).encrypt(plain, iv: iv)
        let cts = try Conformance.makeTransform("cts(cbc(aes))", .software, key: key)
        let out = try cts.encrypt(plain, iv: iv)
        #expect(Array(out[0..<16]) == Array(cbc[0..<16]))
        #expect(Array(out[16..<32]) == Array(cbc[32..<48]))
        #expect(Array(out[32..<48]) == Array(cbc[16..<32]))
        #expect(try cts.decrypt(out, iv: iv) == plain)
        let odd = (0..<37).map { UInt8($0) }
        #expect(try cts.decrypt(try cts.encrypt(odd, iv: iv), iv: iv) == odd)
        #expect(try cts.encrypt(Array(plain[0..<16]), iv: iv) == Array(cbc[0..<16]))
    }

    @Test func xtsRefusesEqualHalvesAndOversizedUnits() throws {
        let tfm = try CipherTransform("xts(aes)", engine: .software)
        #expect(throws: KernelCipherError.keyRejected(reason: "the two XTS key halves are equal")) {
            try tfm.setKey([UInt8](repeating: 9, count: 32))
        }
        try tfm.setKey((0..<32).map { UInt8($0) })
        let big = [UInt8](repeating: 0, count: (16 << 20) + 16)
        #expect(throws: KernelCipherError.self) { try tfm.encrypt(big, iv: [UInt8](repeating: 0, count: 16)) }
    }

    @Test func largeInputChainsLikePieces() throws {
        // One 16 MiB CBC request equals the same data encrypted as chained 1 MiB pieces.
        let key = (0..<32).map { UInt8($0) }, iv = [UInt8](repeating: 3, count: 16)
        let tfm = try Conformance.makeTransform("cbc(aes)", .software, key: key)
        let data = (0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = try tfm.encrypt(data, iv: iv)
        var chainedIV = iv, pieces: [UInt8] = []
        for start in stride(from: 0, to: data.count, by: 1 << 20) {
            let part = try tfm.encrypt(Array(data[start..<start + (1 << 20)]), iv: chainedIV)
            pieces += part
            chainedIV = Array(part.suffix(16))
        }
        #expect(whole == pieces)
    }

    /// The key storage is freed (and so zeroized by `SecureBytes.deinit`, checked below) on release: the transform,
    /// its engine and its slots keep no reference to it.
    @Test func keyIsZeroizedOnRelease() throws {
        let tfm = try Conformance.makeTransform("cbc(aes)", .software, key: [UInt8](repeating: 0xA5, count: 16))
        _ = try tfm.encrypt([UInt8](repeating: 0, count: 32), iv: [UInt8](repeating: 0, count: 16))
        weak var storage = tfm.keyStorage
        #expect(storage.map { !$0.isZeroized } == true)
        #expect(!String(describing: try #require(storage)).contains("a5"))
        tfm.release()
        #expect(storage == nil, "released key storage must not be kept alive (it is wiped when freed)")
    }

    /// Re-keying frees the old storage; a reader still holding it (as a slot being created on another thread
    /// does) keeps intact bytes until it lets go, and then the storage is freed and zeroized.
    @Test func keyIsZeroizedOnRekeyOnceNothingUsesIt() throws {
        let tfm = try Conformance.makeTransform("ctr(aes)", .software, key: [UInt8](repeating: 0x5A, count: 16))
        _ = try tfm.encrypt([UInt8](repeating: 0, count: 32), iv: [UInt8](repeating: 0, count: 16))
        weak var first = tfm.keyStorage
        var reader = tfm.keyStorage
        try tfm.setKey([UInt8](repeating: 0x11, count: 32))
        #expect(reader.map { !$0.isZeroized } == true, "a key still in use must not be wiped under its user")
        reader = nil
        #expect(first == nil, "the old key storage must be freed (and so wiped) once nothing uses it")
        _ = reader
    }

    /// `SecureBytes.deinit` zeroizes the buffer before freeing it.
    @Test func secureBytesWipeOnDeinit() {
        let seen = Mutex<[UInt8]?>(nil)
        do {
            let key = [UInt8](repeating: 0xC7, count: 32).withUnsafeBytes {
                SecureBytes(copying: $0, afterWipe: { buffer in seen.withLock { $0 = Array(buffer) } })
            }
            #expect(key.withUnsafeBytes { Array($0) } == [UInt8](repeating: 0xC7, count: 32))
        }
        let bytes = seen.withLock { $0 }
        #expect(bytes != nil && bytes!.count >= 32 && bytes!.allSatisfy { $0 == 0 })
    }
}
