import Testing
@testable import KernelCipher

/// How a level-1 ENOENT for an AEAD name is read on a 7.3-like kernel: `poly1305` is no algorithm there any more
/// (lib/crypto since 6.16) but `rfc7539`/`rfc7539esp` still take it by name, so the kernel has these AEADs and the
/// ENOENT is the policy's (found on the 7.3 root run: reported as "not found" before).
@Suite struct AEADPolicyReadingTests {
    static let listing = ProcCrypto(parsing: """
        name         : chacha20
        driver       : chacha20-simd
        module       : kernel
        priority     : 300
        type         : lskcipher

        """)
    static let modules: Set<String> = ["rfc7539", "rfc7539esp", "chacha20", "gcm", "rfc4106"]

    @Test(arguments: ["rfc7539(chacha20,poly1305)", "rfc7539esp(chacha20,poly1305)"])
    func chachaPolyIsKnownWithoutAPoly1305Algorithm(name: String) {
        let reading = AFALGAllowlist.classify(name, type: .aead, privileged: true, procCrypto: Self.listing,
                                              moduleAlgorithms: Self.modules)
        #expect(reading == .notListedButKnown)
    }

    @Test func unknownBasesStayUnknown() {
        #expect(AFALGAllowlist.classify("rfc7539(chacha20,nosuchmac)", type: .aead, privileged: true,
                                        procCrypto: Self.listing, moduleAlgorithms: Self.modules) == .unknown)
        #expect(AFALGAllowlist.classify("ccm(aes)", type: .aead, privileged: true, procCrypto: Self.listing) == .allowed)
    }
}
