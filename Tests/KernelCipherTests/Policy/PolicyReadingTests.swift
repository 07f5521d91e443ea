import Testing
@testable import KernelCipher

/// How `AFALGPolicy` reads capabilities and user namespaces, and how the allowlist table explains an ENOENT.
/// Pure functions: these run on the host (the kernel-side checks are in `AFALGPolicyTests`).
@Suite struct PolicyReadingTests {
    @Test func effectiveCapabilitiesAreReadFromStatus() {
        let status = "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
        #expect(AFALGPolicy.effectiveCapabilities(status: status) == 0x1ff_ffff_ffff)
        #expect(AFALGPolicy.effectiveCapabilities(status: "CapEff:\t0000000000001000\n") == 1 << 12)
        #expect(AFALGPolicy.effectiveCapabilities(status: "Name:\tx\n") == nil)
    }

    @Test func privilegeIsNetAdminInTheInitialNamespaceOrSysAdmin() {
        #expect(AFALGPolicy.isPrivileged(effectiveCapabilities: 1 << 12, initialUserNamespace: true))
        #expect(!AFALGPolicy.isPrivileged(effectiveCapabilities: 1 << 12, initialUserNamespace: false))
        #expect(AFALGPolicy.isPrivileged(effectiveCapabilities: 1 << 21, initialUserNamespace: false))
        #expect(!AFALGPolicy.isPrivileged(effectiveCapabilities: 0, initialUserNamespace: true))
        #expect(!AFALGPolicy.isPrivileged(effectiveCapabilities: ~UInt64(1 << 12 | 1 << 21), initialUserNamespace: true))
    }

    @Test func initialUserNamespaceIsTheIdentityMap() {
        #expect(AFALGPolicy.isInitialUserNamespace(uidMap: "         0          0 4294967295\n"))
        #expect(!AFALGPolicy.isInitialUserNamespace(uidMap: "         0       1000          1\n"))
        #expect(!AFALGPolicy.isInitialUserNamespace(uidMap: "0 0 1000\n1000 100000 65536\n"))
    }

    @Test func templateExpressionsSplitIntoTemplatesAndBases() throws {
        let cts = try #require(AFALGAllowlist.templateParts("cts(cbc(aes))"))
        #expect(cts.templates == ["cts", "cbc"] && cts.bases == ["aes"])
        let adiantum = try #require(AFALGAllowlist.templateParts("adiantum(xchacha12,aes)"))
        #expect(adiantum.templates == ["adiantum"] && adiantum.bases == ["xchacha12", "aes"])
        #expect(AFALGAllowlist.templateParts("cbc(aes") == nil)
        #expect(AFALGAllowlist.templateParts("(aes)") == nil)
    }

    /// The readings behind `.refusedByPolicy` versus `.notFound` for a level-1 ENOENT.
    @Test func allowlistReadings() {
        let listing = ProcCrypto(parsing: """
            name         : chacha20
            driver       : chacha20-generic
            type         : skcipher

            name         : aes
            driver       : aes-generic
            type         : cipher

            """)
        func reading(_ name: String, _ type: AFALGSocketType = .skcipher, privileged: Bool = false)
            -> AFALGAllowlist.Reading {
            AFALGAllowlist.classify(name, type: type, privileged: privileged, procCrypto: listing)
        }
        #expect(reading("xts(aes)") == .allowed)                       // allowed: ENOENT would mean "not built"
        #expect(reading("cbc(aes)") == .allowedIfPrivileged)
        #expect(reading("cbc(aes)", privileged: true) == .allowed)
        #expect(reading("sha256", .hash) == .allowedIfPrivileged)
        #expect(reading("chacha20") == .notListedButKnown)             // listed in /proc/crypto
        #expect(reading("chacha20-generic") == .notListedButKnown)     // a listed driver name
        #expect(reading("cts(cbc(aes))", privileged: true) == .notListedButKnown)  // kernel templates over aes
        #expect(reading("nosuch(aes)") == .unknown)                    // no such template
        #expect(reading("cbc(nosuch)") == .unknown)                    // no such cipher
        #expect(reading("stdrng", .rng) == .unknown)
    }

    @Test func refusalNamesLevelPrivilegeAndWayOut() {
        let unprivileged = AFALGRefusal(algorithm: "cbc(aes)", type: .skcipher,
                                        policy: AFALGPolicy(restrictLevel: 1, isPrivileged: false),
                                        allowedIfPrivileged: true)
        let text = KernelCipherError.refusedByPolicy(unprivileged).description
        #expect(text.hasPrefix("AF_ALG policy af_alg_restrict=1 does not allow cbc(aes) for unprivileged processes"))
        #expect(text.contains("run privileged") && text.contains("sysctl crypto.af_alg_restrict=0")
                && text.contains("software engine"))
        #expect(!text.contains("\n"))
        let disabled = AFALGRefusal(algorithm: "xts(aes)", type: .skcipher,
                                    policy: AFALGPolicy(restrictLevel: 2, isPrivileged: true), allowedIfPrivileged: false)
        #expect(disabled.description.contains("af_alg_restrict=2 disables AF_ALG"))
        #expect(!disabled.remedy.contains("run privileged"))
    }

    /// How failed binds are classified under each level (no kernel needed: the errno is given).
    @Test func failedBindsUnderEachLevel() {
        func explain(_ errno: Errno, _ name: String, level: Int?, privileged: Bool = false) -> AFALGUsability {
            AFALGPolicy.explain(errno, name: name, type: .skcipher,
                                policy: AFALGPolicy(restrictLevel: level, isPrivileged: privileged))
        }
        #expect(explain(.noSuchEntry, "cbc(aes)", level: nil) == .notFound)
        #expect(explain(.noSuchEntry, "cbc(aes)", level: 0) == .notFound)
        #expect(explain(.noSuchEntry, "xts(aes)", level: 1) == .notFound)
        guard case .refusedByPolicy(let refusal) = explain(.noSuchEntry, "cbc(aes)", level: 1) else {
            Issue.record("cbc(aes) unprivileged at level 1 is not a policy refusal"); return
        }
        #expect(refusal.allowedIfPrivileged && refusal.policy.restrictLevel == 1)
        guard case .refusedByPolicy(let off) = explain(.addressFamilyNotSupported, "xts(aes)", level: 2) else {
            Issue.record("EAFNOSUPPORT at level 2 is not a policy refusal"); return
        }
        #expect(off.policy.restrictLevel == 2)
        #expect(explain(.addressFamilyNotSupported, "xts(aes)", level: nil) == .unavailable(.addressFamilyNotSupported))
    }
}
