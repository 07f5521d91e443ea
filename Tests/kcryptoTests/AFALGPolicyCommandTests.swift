import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `has`, `list`, `enc` and `doctor` under the kernel run's AF_ALG policy (Scripts/test sets KCAPI_EXPECT_*; these
/// run in every kernel run and in the 7.3 policy runs: unprivileged, af_alg_restrict=0 and =2). cbc(aes) is on the
/// level-1 allowlist for privileged processes only, so it is the case that tells the answers apart.
@Suite(.requiresKernelRunExpectations, .serialized)
struct AFALGPolicyCommandTests {
    let policy = AFALGPolicy.current
    /// Whether this run's policy refuses cbc(aes) to this process.
    var cbcRefused: Bool { policy.restrictLevel == 2 || (policy.restrictLevel == 1 && !policy.isPrivileged) }

    @Test func harnessSetExpectations() throws {
        let privileged = try #require(PolicyExpectation.privileged as Bool?, "harness set no KCAPI_EXPECT_PRIVILEGED")
        #expect(policy.isPrivileged == privileged)
        #expect(policy.restrictLevel == PolicyExpectation.level)
    }

    @Test func hasAnswersForThisProcess() throws {
        let out = try KcryptoProcess.run(["has", "cbc(aes)", "--format", "json"])
        let json = try out.json()
        if cbcRefused {
            #expect(out.status == 3, "\(out.stderr)")
            #expect(json["available"] as? Bool == false)
            #expect((json["refusedByPolicy"] as? String)?.contains("af_alg_restrict=\(policy.restrictLevel ?? -1)") == true)
            #expect(out.stderr.contains("refused here: AF_ALG policy af_alg_restrict="))
        } else {
            #expect(out.status == 0, "\(out.stderr)")
            #expect(json["source"] as? String == "af-alg-bind")
        }
        // xts(aes) is allowed to everyone at level 1.
        #expect(try KcryptoProcess.run(["has", "xts(aes)"]).status == (policy.restrictLevel == 2 ? 3 : 0))
    }

    @Test func listSaysWhetherAFALGServesEachName() throws {
        let out = try KcryptoProcess.run(["list", "--type", "skcipher", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try out.json()
        #expect(json["policy"] as? String == policy.description)
        let algorithms = try #require(json["algorithms"] as? [[String: Any]])
        let labels = algorithms.compactMap { ($0["afALGHere"] as? [String: String])?["skcipher"] }
        #expect(!labels.isEmpty)
        if let cbc = algorithms.first(where: { $0["name"] as? String == "cbc(aes)" }) {
            #expect((cbc["afALGHere"] as? [String: String])?["skcipher"] == (cbcRefused ? "refused by policy" : "yes"))
        }
        if policy.restrictLevel == 2 {
            #expect(labels.allSatisfy { $0 == "refused by policy" })
        } else {
            #expect(labels.contains("yes"))
        }
        let text = try KcryptoProcess.run(["list", "--type", "skcipher"])
        #expect(text.stdout.contains("HERE"))
    }

    /// The "done when": on 7.3 unprivileged the kernel engine's one-line error names af_alg_restrict,
    /// `--engine auto` succeeds on the software engine and doctor says so.
    @Test func encryptAndDoctorUnderThePolicy() throws {
        let c = CipherCase.cbc128
        let scratch = try Scratch()
        try scratch.write("p", randomBytes(1000, seed: 5))
        let software = try runCipher("enc", c, in: scratch, input: "p", output: "cs", extra: ["--engine", "software"])
        let auto = try runCipher("enc", c, in: scratch, input: "p", output: "ca", extra: ["--engine", "auto"])
        #expect(auto == software)
        let doctor = try KcryptoProcess.run(["doctor"])
        #expect(doctor.status == 0)
        let verdict = doctor.stdout.split(separator: "\n").first { $0.hasPrefix("verdict") }.map(String.init) ?? ""
        if cbcRefused {
            _ = try EncDecErrorTests.expectFailure(["enc", "--engine", "kernel"] + c.arguments,
                                                   message: "af_alg_restrict=\(policy.restrictLevel ?? -1)")
            #expect(doctor.stdout.contains(#/cbc\(aes\)\s+: software \(AF_ALG policy af_alg_restrict=/#))
            if policy.restrictLevel == 2 {
                #expect(verdict.contains("disabled by AF_ALG policy af_alg_restrict=2"))
            } else {
                #expect(verdict.contains("af_alg_restrict=1 (allowlist) for this unprivileged process"))
                #expect(verdict.contains("cbc(aes)") && verdict.contains("run privileged")
                        && verdict.contains("sysctl crypto.af_alg_restrict=0") && verdict.contains("software engine"))
            }
        } else {
            let kernel = try runCipher("enc", c, in: scratch, input: "p", output: "ck", extra: ["--engine", "kernel"])
            #expect(kernel == software)
            #expect(doctor.stdout.contains(#/cbc\(aes\)\s+: kernel/#))
            #expect(verdict.contains("kernel path usable"), "\(verdict)")
        }
    }
}
