import Foundation
import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// The catalog's facts against what real kernels report: every non-internal skcipher in the /proc/crypto
/// snapshots (Fixtures.procCryptoSnapshots) that the catalog knows has the catalog's IV size and block size, and
/// its min…max key range is exactly the catalog's smallest…largest key.
@Suite("Algorithm catalog vs /proc/crypto snapshots")
struct CatalogSnapshotTests {
    static var snapshots: [String] { Fixtures.procCryptoSnapshots.map(\.lastPathComponent) }

    @Test func snapshotsArePresent() {
        #expect(Self.snapshots.count >= 4, "snapshots: \(Self.snapshots)")
    }

    @Test(arguments: snapshots)
    func catalogAgreesWithKernel(snapshot: String) throws {
        let url = try #require(Fixtures.procCryptoSnapshots.first { $0.lastPathComponent == snapshot })
        let text = try String(contentsOf: url, encoding: .utf8)
        let table = ProcCrypto(parsing: text)
        var known = Set<String>()
        for entry in table.entries where entry.socketType == .skcipher && entry.isInternal != true {
            guard let name = entry.name, let facts = CipherAlgorithm(named: name) else { continue }
            known.insert(name)
            #expect(entry.ivSize == facts.ivSize, "\(snapshot) \(entry.driver ?? name): ivsize")
            #expect(entry.blockSize == facts.blockSize, "\(snapshot) \(entry.driver ?? name): blocksize")
            #expect(entry.minKeySize == facts.keySizes.first, "\(snapshot) \(entry.driver ?? name): min keysize")
            #expect(entry.maxKeySize == facts.keySizes.last, "\(snapshot) \(entry.driver ?? name): max keysize")
            // The kernel engine's rules for the same entry give the catalog's key sizes and block rule.
            let rules = AlgorithmCatalog.kernelRules(
                name: name, blockSize: entry.blockSize ?? 1, minKey: entry.minKeySize ?? 0, maxKey: entry.maxKeySize ?? 0)
            #expect(rules.keySizes == facts.keySizes, "\(snapshot) \(name): kernel rule key sizes")
            #expect(rules.requiresBlockMultiple == facts.requiresBlockMultiple, "\(snapshot) \(name)")
            #expect(rules.minimumInput == facts.minimumInput, "\(snapshot) \(name)")
        }
        // Debian kernels list these; the minimal 6.18 snapshot lists only ecb(cipher_null).
        if snapshot.contains("deb") || snapshot.contains("amd64") {
            let expected: Set = ["cbc(aes)", "ctr(aes)", "ecb(aes)", "xts(aes)", "cts(cbc(aes))", "rfc3686(ctr(aes))",
                                 "chacha20", "xchacha20", "xchacha12", "cbc(des3_ede)", "ecb(des3_ede)"]
            #expect(known.isSuperset(of: expected), "\(snapshot): catalog matched only \(known.sorted())")
        }
    }

    /// The table's own shape: every entry's key sizes follow its layout, and the OpenSSL names are the ones the
    /// software engine has always used.
    @Test func tableFacts() throws {
        let xts = try #require(CipherAlgorithm(named: "xts(aes)"))
        #expect(xts.keySizes == [32, 48, 64] && xts.keyLayout == .xtsKeyPair && xts.ivChaining == .wholeMessage)
        #expect(xts.openSSLName(keyLength: 64) == "AES-256-XTS" && xts.openSSLName(keyLength: 32) == "AES-128-XTS")
        let rfc = try #require(CipherAlgorithm(named: "rfc3686(ctr(aes))"))
        #expect(rfc.keySizes == [20, 28, 36] && rfc.ivSize == 8 && rfc.keyLayout == .keyThenNonce(nonceSize: 4))
        #expect(rfc.openSSLName(keyLength: 36) == "AES-256-CTR" && rfc.openSSLName(keyLength: 32) == nil)
        #expect(CipherAlgorithm(named: "cts(cbc(aes))")?.openSSLName(keyLength: 24) == "AES-192-CBC-CTS")
        #expect(CipherAlgorithm(named: "cbc(des3_ede)")?.openSSLName(keyLength: 24) == "DES-EDE3-CBC")
        #expect(CipherAlgorithm(named: "ctr(sm4)")?.openSSLName(keyLength: 16) == "SM4-CTR")
        #expect(CipherAlgorithm(named: "chacha20")?.ivLayout == .chacha20)
        #expect(CipherAlgorithm(named: "ecb(aria)")?.openSSLName(keyLength: 16) == nil)
        for name in ["cts(aes)", "rfc3686(aes)", "cbc(serpent)", "cbc(aes,aes)", "cbc-aes-aesni", "cbc(cbc(aes))"] {
            #expect(CipherAlgorithm(named: name) == nil, "\(name)")
        }
        // xts and rfc3686 exist over 16-byte block ciphers only (the kernel refuses des3_ede with EINVAL).
        #expect(CipherAlgorithm(named: "xts(des3_ede)") == nil && CipherAlgorithm(named: "rfc3686(ctr(des3_ede))") == nil)
        #expect(CipherAlgorithm.all.count == 6 * 5 - 2 + 3)
        for entry in CipherAlgorithm.all {
            #expect(CipherAlgorithm(named: entry.name.description) == entry)
            #expect(entry.keySizes == entry.keySizes.sorted() && !entry.keySizes.isEmpty)
            #expect(entry.ivChaining == .independent ? entry.ivSize == 0 : entry.ivSize > 0, "\(entry.name)")
        }
    }
}
