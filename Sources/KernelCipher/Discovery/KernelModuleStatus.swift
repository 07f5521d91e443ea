#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether one kernel module is loaded, built in, available on disk, or absent.
public struct KernelModuleStatus: Sendable, Hashable, Codable {
    /// Where the module was found.
    public enum State: String, Sendable, Hashable, Codable {
        /// Listed in `/proc/modules`.
        case loaded
        /// Not in `/proc/modules` but `/sys/module/<name>` exists, or listed in `modules.builtin`.
        case builtIn
        /// In `/lib/modules/<release>/modules.dep` but not loaded (AF_ALG autoloads on first socket/bind).
        case notLoaded
        /// None of the above; may still be built in without a `/sys/module` entry.
        case notFound
    }

    /// The module name, e.g. `algif_skcipher`.
    public var name: String
    /// The detected state.
    public var state: State
    /// Which file or directory established `state`.
    public var evidence: String

    /// The modules relevant to AF_ALG and crypto_user.
    public static let relevantModules = ["af_alg", "algif_skcipher", "algif_aead", "algif_hash", "algif_rng", "crypto_user"]

    /// Probes `names` via `/proc/modules`, `/sys/module/<name>`, `/lib/modules/<release>/modules.builtin`
    /// and `modules.dep`.
    public static func probe(_ names: [String], release: String) -> [KernelModuleStatus] {
        let loaded = Set(lines("/proc/modules").compactMap { $0.split(separator: " ").first.map(String.init) })
        let builtin = moduleNames(lines("/lib/modules/\(release)/modules.builtin"))
        let onDisk = moduleNames(lines("/lib/modules/\(release)/modules.dep").map {
            String($0.split(separator: ":", maxSplits: 1).first ?? "")
        })
        return names.map { name in
            if loaded.contains(name) { return .init(name: name, state: .loaded, evidence: "/proc/modules") }
            if access("/sys/module/\(name)", F_OK) == 0 {
                return .init(name: name, state: .builtIn, evidence: "/sys/module/\(name)")
            }
            if builtin.contains(name) { return .init(name: name, state: .builtIn, evidence: "modules.builtin") }
            if onDisk.contains(name) { return .init(name: name, state: .notLoaded, evidence: "modules.dep") }
            return .init(name: name, state: .notFound, evidence: "none")
        }
    }

    /// `kernel/crypto/af_alg.ko.xz` → `af_alg` (dashes folded to underscores, as the kernel does).
    static func moduleNames(_ paths: [String]) -> Set<String> {
        Set(paths.compactMap { path -> String? in
            guard let base = path.split(separator: "/").last else { return nil }
            guard let stem = base.split(separator: ".").first, base.contains(".ko") else { return nil }
            return String(stem.map { $0 == "-" ? "_" : $0 })
        })
    }

    private static func lines(_ path: String) -> [String] {
        (SmallFile.text(path) ?? "").split(separator: "\n").map(String.init)
    }
}
