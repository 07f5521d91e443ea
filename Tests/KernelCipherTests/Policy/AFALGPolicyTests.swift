import Foundation
import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// `af_alg_restrict` (7.3+) as the engine and `AFALGPolicy` see it, per level and privilege. Runs in every kernel
/// run (where there is no sysctl the level must read as nil and nothing may be refused by policy).
@Suite(.requiresKernelRunExpectations, .serialized)
struct AFALGPolicyTests {
    let policy = AFALGPolicy.current

    @Test func policyIsWhatTheHarnessSetUp() throws {
        let privileged = try #require(PolicyExpectation.privileged as Bool?, "harness set no KCAPI_EXPECT_PRIVILEGED")
        #expect(policy.restrictLevel == PolicyExpectation.level)
        #expect(policy.isPrivileged == privileged)
        #expect(AFALGAvailability.probe().isAvailable == (policy.restrictLevel != 2))
    }

    /// cbc(aes): privileged-only on the level-1 allowlist.
    @Test func kernelPreferenceThrowsThePolicyError() throws {
        let refused = policy.restrictLevel == 2 || (policy.restrictLevel == 1 && !policy.isPrivileged)
        do {
            let tfm = try CipherTransform("cbc(aes)", engine: .kernel)
            #expect(!refused, "cbc(aes) bound on the kernel engine under \(policy)")
            #expect(tfm.engine == .kernel)
        } catch {
            guard case .refusedByPolicy(let refusal) = error else {
                Issue.record("expected a policy refusal under \(policy), got: \(error)"); return
            }
            #expect(refused, "refused under \(policy): \(error)")
            #expect(refusal.algorithm == "cbc(aes)" && refusal.policy == policy)
            #expect(refusal.allowedIfPrivileged == (policy.restrictLevel == 1))
            #expect(error.description.contains("af_alg_restrict=\(policy.restrictLevel ?? -1)"))
        }
    }

    @Test func automaticFallsBackToSoftwareSayingWhy() throws {
        let tfm = try CipherTransform("cbc(aes)")
        switch policy.restrictLevel {
        case 1? where !policy.isPrivileged:
            #expect(tfm.engine == .software)
            #expect(tfm.selection.reason.hasPrefix(
                "AF_ALG policy af_alg_restrict=1 does not allow cbc(aes) for unprivileged processes"))
        case 2?:
            #expect(tfm.engine == .software)
            #expect(tfm.selection.reason.contains("af_alg_restrict=2"))
        default:
            #expect(tfm.engine == .kernel, "\(tfm.selection)")
        }
    }

    /// xts(aes) is on the allowlist for everyone; a name no kernel has stays "not found" at every level but 2.
    @Test func allowedAndUnknownNames() throws {
        let xts = AFALGPolicy.usability(of: "xts(aes)", type: .skcipher)
        let unknown = AFALGPolicy.usability(of: "nosuch(aes)", type: .skcipher)
        if policy.restrictLevel == 2 {
            #expect(xts.isRefusedByPolicy && unknown.isRefusedByPolicy)
            return
        }
        #expect(xts == .usable)
        #expect(unknown == .notFound)
        #expect(throws: KernelCipherError.algorithmNotFound("nosuch(aes)", engine: .kernel)) {
            try CipherTransform("nosuch(aes)", engine: .kernel)
        }
    }

    /// Binds every bindable `/proc/crypto` name and driver (plus templates the kernel would build) and checks the
    /// outcome against the policy and the allowlist table read from 7.3.4 (`AFALGAllowlist`). Prints the table.
    @Test func allowlistProbe() throws {
        let listing = try ProcCrypto.read()
        var probes = Set<Probe>()
        for entry in listing.entries {
            guard let type = entry.socketType else { continue }
            if let name = entry.name { probes.insert(Probe(type: type, name: name, isDriver: false)) }
            if let driver = entry.driver, driver != entry.name { probes.insert(Probe(type: type, name: driver, isDriver: true)) }
        }
        for name in ["cts(cbc(aes))", "rfc3686(ctr(aes))", "cbc(aes)", "ctr(aes)", "xts(aes)"] {
            probes.insert(Probe(type: .skcipher, name: name, isDriver: false))
        }
        for name in ["sha1", "sha256", "hmac(sha256)"] { probes.insert(Probe(type: .hash, name: name, isDriver: false)) }
        probes.insert(Probe(type: .aead, name: "gcm(aes)", isDriver: false))
        var lines: [String] = []
        for probe in probes.sorted(by: { ($0.type.rawValue, $0.name) < ($1.type.rawValue, $1.name) }) {
            let usability = AFALGPolicy.usability(of: probe.name, type: probe.type)
            lines.append("\(probe.type)\t\(probe.name)\t\(usability.shortLabel)")
            let allowlisted = AFALGAllowlist.unprivileged[probe.type, default: []].contains(probe.name)
                || (policy.isPrivileged && AFALGAllowlist.privilegedOnly[probe.type, default: []].contains(probe.name))
            switch policy.restrictLevel {
            case 2?:
                #expect(usability.isRefusedByPolicy, "\(probe.name): \(usability)")
            case 1?:
                if usability == .usable {
                    #expect(allowlisted && !probe.isDriver, "\(probe.type) \(probe.name) binds but the table refuses it")
                } else if allowlisted {
                    #expect(usability == .notFound, "\(probe.type) \(probe.name) is allowlisted: \(usability)")
                } else if probe.isDriver || listing.entries.contains(where: { $0.name == probe.name }) {
                    #expect(usability.isRefusedByPolicy, "\(probe.type) \(probe.name) listed but \(usability)")
                }
            default:
                #expect(!usability.isRefusedByPolicy, "\(probe.name) refused by policy under \(policy)")
            }
        }
        print("AF_ALG bind probe on \(KernelRelease.current) under \(policy):\n" + lines.joined(separator: "\n"))
        if policy.restrictLevel == 1 {
            // The table's own entries: every listed allowlisted name binds, every privileged-only one is refused
            // to the unprivileged.
            #expect(AFALGPolicy.usability(of: "xts(aes)", type: .skcipher) == .usable)
            #expect(AFALGPolicy.usability(of: "cbc(aes)", type: .skcipher).isRefusedByPolicy == !policy.isPrivileged)
            #expect(AFALGPolicy.usability(of: "sha256", type: .hash).isRefusedByPolicy == !policy.isPrivileged)
            #expect(AFALGPolicy.usability(of: "gcm(aes)", type: .aead).isRefusedByPolicy)
            #expect(AFALGPolicy.usability(of: "cts(cbc(aes))", type: .skcipher).isRefusedByPolicy)
        }
    }

    struct Probe: Hashable { var type: AFALGSocketType; var name: String; var isDriver: Bool }
}

extension AFALGUsability {
    var isRefusedByPolicy: Bool { if case .refusedByPolicy = self { true } else { false } }
    /// "yes", "refused", "not found", or the errno.
    var shortLabel: String {
        switch self {
        case .usable: "yes"
        case .refusedByPolicy(let refusal): refusal.allowedIfPrivileged ? "refused (privileged only)" : "refused"
        case .notFound: "not found"
        case .unavailable(let errno): errno.name
        }
    }
}

/// `uname -r`.
enum KernelRelease {
    static var current: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}
