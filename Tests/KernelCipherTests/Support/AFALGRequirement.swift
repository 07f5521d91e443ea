import Foundation
import Testing
import KernelCipher

/// Kernel-path tests run where AF_ALG works, and must run (failing loudly) when KCAPI_REQUIRE_AF_ALG=1,
/// as inside the test VM. Elsewhere they are skipped with the reason.
enum AFALGTestEnvironment {
    static let required = ProcessInfo.processInfo.environment["KCAPI_REQUIRE_AF_ALG"] == "1"
    static let enabled = AFALGAvailability.current.isAvailable || required
}

extension Trait where Self == ConditionTrait {
    /// Enabled if AF_ALG is available or required; the skip comment names why it is not.
    static var requiresAFALG: Self {
        .enabled(if: AFALGTestEnvironment.enabled, Comment(rawValue: AFALGAvailability.current.description))
    }
}

/// Fails the test when AF_ALG is unusable (used inside AFALG suites so a VM without AF_ALG fails).
func requireAFALG() throws {
    try #require(AFALGAvailability.current.isAvailable, "\(AFALGAvailability.current)")
}
