import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// The shared hand-written /proc/crypto excerpt (KernelCipherTestSupport) plus a shash and an rng, so every
/// typed accessor has a field to read.
let sampleProcCrypto = Fixtures.procCryptoSample + "\n" + """
name         : sha256
driver       : sha256-generic
module       : kernel
priority     : 100
refcnt       : 1
selftest     : passed
internal     : no
fips         : yes
type         : shash
blocksize    : 64
digestsize   : 32

name         : stdrng
driver       : drbg_nopr_hmac_sha512
module       : kernel
priority     : 206
refcnt       : 1
selftest     : passed
internal     : no
type         : rng
seedsize     : 0

"""

@Suite struct ProcCryptoParserTests {
    @Test func parsesEveryBlockAndField() throws {
        let proc = ProcCrypto(parsing: sampleProcCrypto)
        #expect(proc.warnings.isEmpty)
        #expect(proc.entries.count == 7)
        let first = try #require(proc.entries.first)
        #expect(first.fields.count == 16)
        #expect(first.fields.map(\.key).prefix(3) == ["name", "driver", "module"])
        #expect(first.name == "cbc(aes)")
        #expect(first.driver == "cbc-aes-aesni")
        #expect(first.module == "aesni_intel")
        #expect(first.priority == 400)
        #expect(first.refcnt == 1)
        #expect(first.selftest == "passed")
        #expect(first.selftestPassed == true)
        #expect(first.isInternal == false)
        #expect(first.isAsync == false)
        #expect(first.blockSize == 16)
        #expect(first.minKeySize == 16)
        #expect(first.maxKeySize == 32)
        #expect(first.ivSize == 16)
        #expect(first.chunkSize == 16)
        #expect(first.walkSize == 16)
        #expect(first.stateSize == 0)
        #expect(first.digestSize == nil)
    }

    @Test func typedAccessorsForOtherTypes() throws {
        let proc = ProcCrypto(parsing: sampleProcCrypto)
        let gcm = try #require(proc.entries(named: "gcm(aes)").first)
        #expect(gcm.maxAuthSize == 16)
        #expect(gcm.geniv == "<none>")
        #expect(gcm.isAsync == true)
        let sha = try #require(proc.entries(named: "sha256").first)
        #expect(sha.digestSize == 32)
        #expect(sha.isFIPSAllowed == true)
        let rng = try #require(proc.entries(named: "stdrng").first)
        #expect(rng.seedSize == 0)
        #expect(proc.entries(named: "aes").first?.isFIPSAllowed == nil)
    }

    @Test(arguments: [
        ("skcipher", AFALGSocketType.skcipher), ("lskcipher", .skcipher), ("aead", .aead),
        ("shash", .hash), ("ahash", .hash), ("rng", .rng),
    ])
    func bindableTypes(type: String, expected: AFALGSocketType) {
        #expect(CryptoAlgorithmEntry(["name": "x", "type": type]).socketType == expected)
    }

    @Test(arguments: ["cipher", "akcipher", "kpp", "sig", "scomp", "acomp", "compression", "larval", "", "SKCIPHER"])
    func unbindableTypes(type: String) {
        #expect(CryptoAlgorithmEntry(["name": "x", "type": type]).socketType == nil)
        #expect(AFALGSocketType(procCryptoType: type) == nil)
    }

    @Test func groupsByNameSortedByPriority() throws {
        let proc = ProcCrypto(parsing: sampleProcCrypto)
        #expect(proc.names == ["__cbc(aes)", "aes", "cbc(aes)", "gcm(aes)", "sha256", "stdrng"])
        let cbc = try #require(proc.groups.first { $0.name == "cbc(aes)" })
        #expect(cbc.drivers.map(\.driver) == ["cbc-aes-aesni", "cbc(ecb(aes-fixed-time))"])
        #expect(proc.selected(named: "cbc(aes)", type: .skcipher)?.driver == "cbc-aes-aesni")
        // skcipher and lskcipher compete for the same AF_ALG type: only one is selected.
        #expect(cbc.selected.map(\.driver) == ["cbc-aes-aesni"])
        #expect(proc.selected(named: "cbc(aes)", type: .hash) == nil)
        #expect(proc.entries(named: "cbc(aes)", procType: "lskcipher").count == 1)
        #expect(proc.entries(named: "cbc(aes)", type: .aead).isEmpty)
    }

    @Test func lookupByDriverName() {
        let proc = ProcCrypto(parsing: sampleProcCrypto)
        #expect(proc.entries(named: "cbc(ecb(aes-fixed-time))").map(\.name) == ["cbc(aes)"])
        #expect(proc.group(named: "no-such-thing") == nil)
    }

    @Test func selectionSkipsInternalLarvalAndFailedSelftests() throws {
        let text = """
        name : x
        driver : x-internal
        priority : 900
        internal : yes
        type : skcipher

        name : x
        driver : x-larval
        priority : 800
        type : larval

        name : x
        driver : x-failed
        priority : 700
        selftest : failed
        type : skcipher

        name : x
        driver : x-unknown-first
        priority : 300
        selftest : unknown
        type : skcipher

        name : x
        driver : x-unknown-second
        priority : 300
        selftest : passed
        type : lskcipher

        name : x
        driver : x-hash
        priority : 1
        type : shash
        """
        let proc = ProcCrypto(parsing: text)
        let group = try #require(proc.group(named: "x"))
        // Ties keep file order, which is the order __crypto_alg_lookup walks.
        #expect(group.drivers.map(\.driver) == ["x-internal", "x-larval", "x-failed", "x-unknown-first",
                                                "x-unknown-second", "x-hash"])
        #expect(group.selected(for: .skcipher)?.driver == "x-unknown-first")
        #expect(group.selected.map(\.driver) == ["x-unknown-first", "x-hash"])
        #expect(group.drivers.filter(group.isSelected).map(\.driver) == ["x-unknown-first", "x-hash"])
    }

    @Test func missingPriorityIsSortedLast() {
        let proc = ProcCrypto(parsing: "name: a\ndriver: none\n\nname: a\ndriver: some\npriority: -5\n")
        #expect(proc.group(named: "a")?.drivers.map(\.driver) == ["some", "none"])
    }
}
