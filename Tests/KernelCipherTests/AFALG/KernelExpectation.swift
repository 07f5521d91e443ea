#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import KernelCipher

/// What the running kernel is expected to do through AF_ALG, by release and policy: tests assert these outcomes
/// (a refusal by policy is an asserted outcome, never a skip).
enum KernelExpectation {
    /// `(major, minor)` of `uname -r`, e.g. (7, 3).
    static var version: (major: Int, minor: Int) {
        let parts = KernelRelease.current.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }

    /// Linux 7.2 made async, allocating and driver-only implementations unreachable through AF_ALG (cryptd, …)
    /// and removed socket AIO.
    static var asyncDriversReachable: Bool { version < (7, 2) }

    /// What binding `name` as `type` should give this process: `.usable` unless the level-1 allowlist (read from
    /// 7.3.4) refuses it; nil when the policy level is not 1 (then everything the kernel has binds).
    static func allowlistOutcome(_ name: String, type: AFALGSocketType, policy: AFALGPolicy = .current) -> Bool? {
        guard policy.restrictLevel == 1 else { return nil }
        return AFALGAllowlist.unprivileged[type, default: []].contains(name)
            || (policy.isPrivileged && AFALGAllowlist.privilegedOnly[type, default: []].contains(name))
    }

    /// True (and asserts the refusal) when `engine` is `.kernel` and the level-1 allowlist refuses `name` to this
    /// process: the conformance loops then check that outcome instead of the algorithm's bytes.
    /// `allocate` makes the family's kernel-engine transform for `name` (default: a skcipher `Transform`).
    static func refusedByPolicy(
        _ name: String, _ engine: EnginePreference, type: AFALGSocketType = .skcipher,
        allocate: ((String) throws(KernelCipherError) -> Void)? = nil
    ) -> Bool {
        guard engine == .kernel, allowlistOutcome(name, type: type) == false else { return false }
        do throws(KernelCipherError) {
            if let allocate { try allocate(name) } else { _ = try CipherTransform(name, engine: .kernel) }
            Issue.record("\(name) bound on the kernel engine although the allowlist refuses it")
        } catch {
            guard case .refusedByPolicy(let refusal) = error else {
                Issue.record("\(name): expected a policy refusal, got \(error)"); return true
            }
            #expect(refusal.algorithm == name && refusal.policy.restrictLevel == 1)
        }
        return true
    }
}
