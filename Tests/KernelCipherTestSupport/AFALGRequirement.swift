import Foundation
import KernelCipher
import Testing

/// Whether kernel-path (AF_ALG) tests must run in this process: the one "needs AF_ALG" condition for both test
/// targets.
///
/// They run when AF_ALG is available, or when `KCAPI_REQUIRE_AF_ALG=1` (set by `Scripts/test` inside the kernel
/// VM): then a missing AF_ALG is a failure, not a skip.
public enum AFALGRequirement {
    /// `KCAPI_REQUIRE_AF_ALG=1` in this process's environment.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["KCAPI_REQUIRE_AF_ALG"] == "1" }
    /// AF_ALG works here (`AFALGAvailability.current`), or the runner requires it.
    public static var shouldRun: Bool { AFALGAvailability.current.isAvailable || isRequired }
    /// Why kernel-path tests are skipped here.
    public static var skipReason: Comment {
        Comment(rawValue: AFALGAvailability.current.description
            + " (set KCAPI_REQUIRE_AF_ALG=1 to fail instead; Scripts/test runs these in a VM)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite only where AF_ALG works (or is required by `KCAPI_REQUIRE_AF_ALG=1`); otherwise
    /// skips it with the reason from `AFALGAvailability.current.description`.
    public static var requiresAFALG: Self {
        .enabled(if: AFALGRequirement.shouldRun, AFALGRequirement.skipReason)
    }
}

/// Fails the current test (by throwing) unless AF_ALG sockets can be created.
public func requireAFALG(sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(
        AFALGAvailability.current.isAvailable,
        Comment(rawValue: AFALGAvailability.current.description),
        sourceLocation: sourceLocation
    )
}

/// What the kernel VM run was set up with (`Scripts/test` sets these for every kernel run): the policy suites
/// assert the outcome expected for that kernel, level and privilege, and never skip.
public enum PolicyExpectation {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }
    /// `KCAPI_EXPECT_PRIVILEGED=0|1`.
    public static var privileged: Bool? { environment["KCAPI_EXPECT_PRIVILEGED"].map { $0 == "1" } }
    /// `KCAPI_EXPECT_AF_ALG_RESTRICT=N`; unset on kernels without the sysctl.
    public static var level: Int? { environment["KCAPI_EXPECT_AF_ALG_RESTRICT"].flatMap { Int($0) } }
    /// Whether the policy suites run here: in every kernel run, and wherever the harness set expectations.
    public static var isSet: Bool { privileged != nil || AFALGRequirement.isRequired }
}

extension Trait where Self == ConditionTrait {
    /// Runs the suite only in a kernel run (or wherever `KCAPI_EXPECT_PRIVILEGED` is set): see `PolicyExpectation`.
    public static var requiresKernelRunExpectations: Self {
        .enabled(if: PolicyExpectation.isSet, "no kernel-run expectations (KCAPI_EXPECT_PRIVILEGED)")
    }
}
