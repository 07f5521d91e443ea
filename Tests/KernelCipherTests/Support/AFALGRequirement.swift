import Foundation
import Testing
@testable import KernelCipher

/// Whether kernel-path (AF_ALG) tests must run in this process.
///
/// They run when AF_ALG is available, or when `KCAPI_REQUIRE_AF_ALG=1` (set by `Scripts/test` inside the kernel
/// VM): then a missing AF_ALG is a failure, not a skip.
enum AFALGRequirement {
    static var isRequired: Bool { ProcessInfo.processInfo.environment["KCAPI_REQUIRE_AF_ALG"] == "1" }
    static var shouldRun: Bool { AFALGAvailability.current.isAvailable || isRequired }
    static var skipReason: Comment {
        Comment(rawValue: AFALGAvailability.current.description
            + " (set KCAPI_REQUIRE_AF_ALG=1 to fail instead; Scripts/test runs these in a VM)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite only where AF_ALG works (or is required by `KCAPI_REQUIRE_AF_ALG=1`); otherwise
    /// skips it with the reason from `AFALGAvailability.current.description`.
    static var requiresAFALG: Self {
        .enabled(if: AFALGRequirement.shouldRun, AFALGRequirement.skipReason)
    }
}

/// Fails the current test (by throwing) unless AF_ALG sockets can be created.
func requireAFALG(sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(
        AFALGAvailability.current.isAvailable,
        Comment(rawValue: AFALGAvailability.current.description),
        sourceLocation: sourceLocation
    )
}
