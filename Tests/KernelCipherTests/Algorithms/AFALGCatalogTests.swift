import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// The catalog against the running kernel: for every catalog algorithm that binds through AF_ALG here, the kernel
/// engine's properties (from /proc/crypto after the bind) are the catalog's, and `nextIV` continues the kernel's
/// own stream (two requests with the chained IV == one request).
@Suite("AF_ALG: catalog vs kernel engine", .requiresAFALG, .serialized)
struct AFALGCatalogTests {
    @Test func kernelPropertiesMatchTheCatalog() throws {
        try requireAFALG()
        var bound: [String] = [], missing: [String] = []
        for facts in CipherAlgorithm.all {
            let name = facts.name.description
            guard let tfm = try Self.kernelTransform(name) else {
                missing.append(name)
                continue
            }
            bound.append(name)
            #expect(tfm.ivSize == facts.ivSize, "\(name) (\(tfm.driver)): ivSize")
            #expect(tfm.blockSize == facts.blockSize, "\(name) (\(tfm.driver)): blockSize")
            #expect(tfm.keySizes == facts.keySizes, "\(name) (\(tfm.driver)): keySizes")
            #expect(tfm.properties.requiresBlockMultiple == facts.requiresBlockMultiple, "\(name)")
            #expect(tfm.properties.minimumInput == facts.minimumInput, "\(name)")
            #expect(tfm.ivChaining == facts.ivChaining, "\(name)")
            guard let unit = facts.ivChaining.granularity(ivSize: facts.ivSize) else { continue }
            try tfm.setKey((0..<facts.keySizes[0]).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) })
            let head = 3 * max(unit, facts.blockSize), tail = 2 * facts.blockSize + (facts.blockSize == 1 ? 7 : 0)
            let plain = (0..<(head + tail)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            // chacha20: start just below the 32-bit counter wrap so the chained IV crosses it.
            var iv = (0..<facts.ivSize).map { UInt8(truncatingIfNeeded: 0xF0 &+ $0) }
            if facts.ivChaining == .chacha20BlockCounter { iv.replaceSubrange(0..<4, with: [0xfe, 0xff, 0xff, 0xff]) }
            let whole = try tfm.encrypt(plain, iv: iv)
            let first = try tfm.encrypt(Array(plain[..<head]), iv: iv)
            let next = try #require(facts.ivChaining.nextIV(current: iv, ciphertext: first))
            let second = try tfm.encrypt(Array(plain[head...]), iv: next)
            #expect(first + second == whole, "\(name) (\(tfm.driver)): two chained requests != one")
        }
        print("AFALG-CATALOG bound \(bound.count): \(bound.joined(separator: " ")); not here: \(missing.joined(separator: " "))")
        // Every kernel of the matrix has these; under af_alg_restrict=1 (7.3) the allowlist refuses some, and that
        // refusal is asserted instead (KernelExpectation), never taken for "missing".
        let everywhere = ["cbc(aes)", "ctr(aes)", "ecb(aes)", "xts(aes)", "cts(cbc(aes))", "rfc3686(ctr(aes))", "chacha20"]
        let expected = Set(everywhere.filter { !KernelExpectation.refusedByPolicy($0, .kernel) })
        #expect(Set(bound).isSuperset(of: expected), "bound only \(bound)")
    }

    /// A transform allocated by driver name (what `kcrypto enc -c cbc-aes-aesni` does) chains as its algorithm:
    /// the rule comes from the name the kernel resolved, not from the driver's name (which was `.wholeMessage`).
    @Test func driverNameChainsAsItsAlgorithm() throws {
        for name in ["cbc(aes)", "ctr(aes)", "ecb(aes)"] {
            if KernelExpectation.refusedByPolicy(name, .kernel) { continue }
            let byName = try CipherTransform(name, engine: .kernel)
            // Under af_alg_restrict=1 the allowlist names algorithms, not drivers: a driver name is refused (asserted).
            if KernelExpectation.refusedByPolicy(byName.driver, .kernel) { continue }
            let byDriver = try CipherTransform(byName.driver, engine: .kernel)
            #expect(byDriver.properties.name == name, "\(byName.driver)")
            #expect(byDriver.ivChaining == byName.ivChaining, "\(byName.driver): \(byDriver.ivChaining)")
            #expect(byDriver.ivChaining.isChainable, "\(byName.driver)")
        }
    }

    /// The kernel engine's transform, or nil when this kernel has no such algorithm or its policy refuses it.
    static func kernelTransform(_ name: String) throws -> CipherTransform? {
        do {
            return try CipherTransform(name, engine: .kernel)
        } catch {
            switch error {
            case .algorithmNotFound, .refusedByPolicy: return nil
            default: throw error
            }
        }
    }
}
