#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// The AF_ALG policy this process is under: the kernel's `af_alg_restrict` level (Linux 7.3+) and whether the
/// kernel counts this process as privileged for it.
///
/// Levels: 0 = unrestricted, 1 = allowlist (the default), 2 = AF_ALG disabled (`socket()` → EAFNOSUPPORT). At level 1
/// a `bind()` the allowlist refuses fails with ENOENT, exactly like an unknown name, and nothing is logged:
/// `usability(of:type:)` tells the two apart. "Privileged" = CAP_NET_ADMIN in the initial user namespace, or
/// CAP_SYS_ADMIN.
public struct AFALGPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `/proc/sys/crypto/af_alg_restrict`, or nil where the kernel has no such sysctl (before 7.3: unrestricted).
    public var restrictLevel: Int?
    /// Whether the kernel counts this process as privileged for `af_alg_restrict` (effective capabilities).
    public var isPrivileged: Bool

    /// Creates a policy value (e.g. to explain a refusal seen elsewhere).
    public init(restrictLevel: Int?, isPrivileged: Bool) {
        self.restrictLevel = restrictLevel
        self.isPrivileged = isPrivileged
    }

    /// Reads the level and this process's privilege now (`/proc/sys/crypto/af_alg_restrict`, `/proc/self/status`,
    /// `/proc/self/uid_map`). Not cached: an administrator may change the level at any time.
    public static var current: AFALGPolicy {
        AFALGPolicy(restrictLevel: readRestrictLevel(), isPrivileged: processIsPrivileged())
    }

    /// The sysctl file.
    public static let restrictPath = "/proc/sys/crypto/af_alg_restrict"

    /// Reads `af_alg_restrict` with `open`/`read`; nil when the file does not exist or cannot be parsed.
    public static func readRestrictLevel(path: String = restrictPath) -> Int? {
        guard let text = SmallFile.text(path) else { return nil }
        return Int(text.trimmingWhitespace)
    }

    /// True when the effective capabilities hold CAP_SYS_ADMIN, or CAP_NET_ADMIN while in the initial user namespace.
    public static func processIsPrivileged() -> Bool {
        guard let status = SmallFile.text("/proc/self/status"), let caps = effectiveCapabilities(status: status) else {
            return false
        }
        let initialNamespace = SmallFile.text("/proc/self/uid_map").map(isInitialUserNamespace(uidMap:)) ?? true
        return isPrivileged(effectiveCapabilities: caps, initialUserNamespace: initialNamespace)
    }

    /// CAP_NET_ADMIN (12) in the initial user namespace, or CAP_SYS_ADMIN (21) (linux/capability.h).
    static func isPrivileged(effectiveCapabilities caps: UInt64, initialUserNamespace: Bool) -> Bool {
        let netAdmin: UInt64 = 1 << 12, sysAdmin: UInt64 = 1 << 21
        return caps & sysAdmin != 0 || (initialUserNamespace && caps & netAdmin != 0)
    }

    /// The `CapEff:` hex mask from `/proc/self/status` text.
    static func effectiveCapabilities(status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingWhitespace, radix: 16)
        }
        return nil
    }

    /// True when `/proc/self/uid_map` is the initial namespace's identity map `0 0 4294967295`.
    static func isInitialUserNamespace(uidMap: String) -> Bool {
        let lines = uidMap.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        return lines.count == 1 && lines[0] == ["0", "0", "4294967295"]
    }

    /// What the level means, e.g. "af_alg_restrict=1 (allowlist)".
    public var levelDescription: String {
        switch restrictLevel {
        case nil: return "no af_alg_restrict (kernel before 7.3: unrestricted)"
        case 0?: return "af_alg_restrict=0 (unrestricted)"
        case 1?: return "af_alg_restrict=1 (allowlist)"
        case 2?: return "af_alg_restrict=2 (AF_ALG disabled)"
        case let level?: return "af_alg_restrict=\(level) (unknown level)"
        }
    }

    /// "privileged" or "unprivileged".
    public var privilegeDescription: String { isPrivileged ? "privileged" : "unprivileged" }

    /// One line, e.g. "af_alg_restrict=1 (allowlist), process unprivileged".
    public var description: String { "\(levelDescription), process \(privilegeDescription)" }
}

extension AFALGPolicy {
    /// Whether this process can use `name` as `type` through AF_ALG now: a real `socket` + `bind` decides; the
    /// policy and the allowlist table (`AFALGAllowlist`) only explain an ENOENT or an EAFNOSUPPORT.
    public static func usability(of name: String, type: AFALGSocketType) -> AFALGUsability {
        switch AFALGBinding.check(type: type, name: name) {
        case .success: return .usable
        case .failure(let errno): return explain(errno, name: name, type: type, policy: .current)
        }
    }

    /// Classifies a failed `socket`/`bind` of `name` under `policy` (`/proc/crypto` read when needed).
    static func explain(_ errno: Errno, name: String, type: AFALGSocketType, policy: AFALGPolicy) -> AFALGUsability {
        if errno == .addressFamilyNotSupported, policy.restrictLevel == 2 {
            return .refusedByPolicy(AFALGRefusal(algorithm: name, type: type, policy: policy, allowedIfPrivileged: false))
        }
        // A name `sockaddr_alg` cannot carry (ENAMETOOLONG, EINVAL before any system call) names no algorithm.
        if let nameError = AFALGAddress.nameError(name), nameError == errno { return .notFound }
        guard errno == .noSuchEntry else { return .unavailable(errno) }
        guard policy.restrictLevel == 1 else { return .notFound }
        let listing = try? ProcCrypto.read()
        let modules = moduleAlgorithms(release: System.kernelRelease)
        switch AFALGAllowlist.classify(name, type: type, privileged: policy.isPrivileged, procCrypto: listing,
                                       moduleAlgorithms: modules) {
        case .allowed: return .notFound   // allowed here, so ENOENT means the kernel lacks it
        case .allowedIfPrivileged:
            return .refusedByPolicy(AFALGRefusal(algorithm: name, type: type, policy: policy, allowedIfPrivileged: true))
        case .notListedButKnown:
            return .refusedByPolicy(AFALGRefusal(algorithm: name, type: type, policy: policy, allowedIfPrivileged: false))
        case .unknown: return .notFound
        }
    }
}

extension AFALGPolicy {
    /// `AFALGAllowlist.kernelModuleAlgorithms(release:)`, read once per release and process: the module lists of
    /// a kernel do not change while it runs, and reading them costs about 2 s per refused bind under emulation (TCG).
    /// `/proc/crypto` is still read on every call (loading a module or instantiating a template changes it).
    static func moduleAlgorithms(release: String) -> Set<String> {
        if let names = moduleAlgorithmsByRelease.withLock({ $0[release] }) { return names }
        let names = AFALGAllowlist.kernelModuleAlgorithms(release: release)
        moduleAlgorithmsByRelease.withLock { $0[release] = names }
        return names
    }

    private static let moduleAlgorithmsByRelease = LockedValue([String: Set<String>]())
}

/// Whether an algorithm can be used through AF_ALG by this process.
public enum AFALGUsability: Sendable, Hashable, CustomStringConvertible {
    /// `bind()` succeeded.
    case usable
    /// The kernel has it (or could build it) but `af_alg_restrict` refuses it to this process.
    case refusedByPolicy(AFALGRefusal)
    /// `bind()` failed with ENOENT and the policy does not explain it: the kernel does not have this name as this type.
    case notFound
    /// `socket()` or `bind()` failed otherwise (e.g. EAFNOSUPPORT without af_alg_restrict=2: no AF_ALG here).
    case unavailable(Errno)

    /// A short label for tables: "yes", "refused by policy", "not bindable", "unavailable (ERRNO)".
    public var label: String {
        switch self {
        case .usable: return "yes"
        case .refusedByPolicy: return "refused by policy"
        case .notFound: return "not bindable"
        case .unavailable(let errno): return "unavailable (\(errno.name))"
        }
    }

    /// One line.
    public var description: String {
        switch self {
        case .usable: return "usable"
        case .refusedByPolicy(let refusal): return refusal.description
        case .notFound: return "not found"
        case .unavailable(let errno): return "AF_ALG unavailable (\(errno))"
        }
    }
}

/// A `bind()` (or, at level 2, `socket()`) that `af_alg_restrict` refused, and what would allow it.
public struct AFALGRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The algorithm name that was bound.
    public var algorithm: String
    /// The socket type it was bound as.
    public var type: AFALGSocketType
    /// The level and privilege at the time.
    public var policy: AFALGPolicy
    /// True when the level-1 allowlist has it for privileged processes only (and this one is not).
    public var allowedIfPrivileged: Bool

    /// Creates a refusal record.
    public init(algorithm: String, type: AFALGSocketType, policy: AFALGPolicy, allowedIfPrivileged: Bool) {
        self.algorithm = algorithm
        self.type = type
        self.policy = policy
        self.allowedIfPrivileged = allowedIfPrivileged
    }

    /// What would allow it, e.g. "run privileged (CAP_NET_ADMIN or CAP_SYS_ADMIN), `sysctl crypto.af_alg_restrict=0`,
    /// or the software engine".
    public var remedy: String {
        if allowedIfPrivileged {
            return "run privileged (CAP_NET_ADMIN in the initial user namespace, or CAP_SYS_ADMIN), "
                + "`sysctl crypto.af_alg_restrict=0`, or use the software engine"
        }
        if policy.restrictLevel == 2 { return "`sysctl crypto.af_alg_restrict=0` (or 1), or use the software engine" }
        return "`sysctl crypto.af_alg_restrict=0`, or use the software engine"
    }

    /// One line, e.g. "AF_ALG policy af_alg_restrict=1 does not allow cbc(aes) for unprivileged processes
    /// (allowed for privileged ones); way out: …".
    public var description: String {
        let level = policy.restrictLevel.map(String.init) ?? "?"
        let what: String
        if policy.restrictLevel == 2 {
            what = "AF_ALG policy af_alg_restrict=2 disables AF_ALG, so \(algorithm) cannot be bound"
        } else if allowedIfPrivileged {
            what = "AF_ALG policy af_alg_restrict=\(level) does not allow \(algorithm) for unprivileged processes "
                + "(its allowlist has it for privileged ones only)"
        } else {
            what = "AF_ALG policy af_alg_restrict=\(level) does not allow \(algorithm) (\(type)) for "
                + "\(policy.privilegeDescription) processes (not on its allowlist)"
        }
        return "\(what); way out: \(remedy)"
    }
}
