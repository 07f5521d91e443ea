#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI
internal import CLibCrypto

/// A snapshot of everything that decides whether the kernel (AF_ALG) path can work here, for `kcrypto doctor`.
public struct Diagnostics: Sendable, Hashable, Codable {
    /// The outcome of a probe that either worked or failed with an errno.
    public struct Probe: Sendable, Hashable, Codable {
        /// Whether the probed call succeeded.
        public var succeeded: Bool
        /// The errno name (e.g. `EAFNOSUPPORT`) when it failed.
        public var error: String?
        /// A one-line human explanation.
        public var detail: String

        /// Creates a probe result.
        public init(succeeded: Bool, error: String? = nil, detail: String) {
            self.succeeded = succeeded
            self.error = error
            self.detail = detail
        }
    }

    /// `uname(2)` `release`, e.g. `6.12.57+deb13-amd64`.
    public var kernelRelease: String
    /// `uname(2)` `machine`, e.g. `x86_64`.
    public var machine: String
    /// `socket(AF_ALG, SOCK_SEQPACKET, 0)` (`AFALGAvailability.probe()`).
    public var afALG: Probe
    /// Contents of `/proc/sys/crypto/af_alg_restrict`, or nil when the sysctl does not exist.
    public var afALGRestrict: String?
    /// `af_alg`, `algif_*` and `crypto_user` module state (`/proc/modules`, `/sys/module`, `modules.builtin`).
    public var modules: [KernelModuleStatus]
    /// Whether `/proc/modules` exists (false on kernels built without `CONFIG_MODULES`).
    public var moduleSupport: Bool
    /// `socket(AF_NETLINK, SOCK_RAW, NETLINK_CRYPTO)`: the crypto_user interface libkcapi's init queries.
    public var cryptoUserNetlink: Probe
    /// `/proc/crypto` summary, or the read error.
    public var procCrypto: ProcCryptoSummary
    /// `kcapi_versionstring()`, e.g. `libkcapi 1.4.0`.
    public var libkcapiVersion: String
    /// `OpenSSL_version(OPENSSL_VERSION)`, e.g. `OpenSSL 3.0.19 ...`.
    public var openSSLVersion: String
    /// Facts only the cipher engines can establish; every nil member means "not checked".
    public var engine: EngineDiagnostics
    /// The `af_alg_restrict` level and this process's privilege for it (`AFALGPolicy.current`).
    public var afALGPolicy: AFALGPolicy = AFALGPolicy(restrictLevel: nil, isPrivileged: false)
    /// Whether transforms can be keyed from keyring keys (`KernelKeySupport.probe()`): "yes", "no: needs Linux 6.2
    /// (…)" or "unknown: …"; nil when not checked.
    public var keyringKeys: String? = nil

    /// Summary of the `/proc/crypto` read.
    public struct ProcCryptoSummary: Sendable, Hashable, Codable {
        /// The path read.
        public var path: String
        /// Bytes read, or nil when unreadable.
        public var bytes: Int?
        /// Number of entries (blocks).
        public var entries: Int?
        /// Number of distinct names with a selectable AF_ALG-bindable driver.
        public var bindableNames: Int?
        /// Count of entries per raw `type`.
        public var types: [String: Int]?
        /// Parser warnings, if any.
        public var warnings: Int?
        /// The errno name when the file could not be read.
        public var error: String?
    }

    /// Gathers all facts now. `engineProbe` fills `engine` (default: `Diagnostics.defaultEngineProbe`).
    public static func collect(
        procCryptoPath: String = "/proc/crypto",
        engineProbe: @Sendable (ProcCrypto?) -> EngineDiagnostics = Diagnostics.defaultEngineProbe
    ) -> Diagnostics {
        kcapi_set_verbosity(KCAPI_LOG_NONE)
        let names = System.uname()
        let afALG: Probe = switch AFALGAvailability.probe() {
        case .available: Probe(succeeded: true, detail: AFALGAvailability.available.description)
        case .unavailable(let errno):
            Probe(succeeded: false, error: errno.name, detail: AFALGAvailability.unavailable(errno).description)
        }

        let (summary, parsed) = summarize(path: procCryptoPath)
        let moduleSupport = access("/proc/modules", F_OK) == 0
        return Diagnostics(
            kernelRelease: names.release,
            machine: names.machine,
            afALG: afALG,
            afALGRestrict: try? SmallFile.trimmedText("/proc/sys/crypto/af_alg_restrict"),
            modules: KernelModuleStatus.probe(KernelModuleStatus.relevantModules, release: names.release),
            moduleSupport: moduleSupport,
            cryptoUserNetlink: probeCryptoUserNetlink(),
            procCrypto: summary,
            libkcapiVersion: libkcapiVersion(),
            openSSLVersion: String(cString: OpenSSL_version(OPENSSL_VERSION)),
            engine: engineProbe(parsed),
            afALGPolicy: .current,
            keyringKeys: KernelKeySupport.probe().description
        )
    }

    /// `kcapi_versionstring()` after `kcapi_set_verbosity(KCAPI_LOG_NONE)`.
    public static func libkcapiVersion() -> String {
        kcapi_set_verbosity(KCAPI_LOG_NONE)
        var buffer = [CChar](repeating: 0, count: 64)
        kcapi_versionstring(&buffer, UInt32(buffer.count))
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Opens and closes `socket(AF_NETLINK, SOCK_RAW, NETLINK_CRYPTO)`.
    public static func probeCryptoUserNetlink() -> Probe {
        let netlinkCrypto: CInt = 21  // NETLINK_CRYPTO, <linux/netlink.h>
        let errno: Errno
        do throws(Errno) {
            _ = try OwnedDescriptor(socketDomain: AF_NETLINK, type: Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                                    protocol: netlinkCrypto)
            return Probe(succeeded: true, detail: "NETLINK_CRYPTO socket opened (crypto_user present)")
        } catch {
            errno = error
        }
        let why = errno == .protocolNotSupported ? " (kernel built without CONFIG_CRYPTO_USER, or module not loaded)" : ""
        return Probe(succeeded: false, error: errno.name,
                     detail: "socket(AF_NETLINK, NETLINK_CRYPTO) failed with \(errno.name)\(why)")
    }

    private static func summarize(path: String) -> (ProcCryptoSummary, ProcCrypto?) {
        do {
            let bytes = try ProcCrypto.readContents(path: path)
            let parsed = ProcCrypto(parsing: bytes)
            let bindable = parsed.groups.filter { g in g.drivers.contains { $0.isSelectable && $0.socketType != nil } }
            var types: [String: Int] = [:]
            for entry in parsed.entries { types[entry.type ?? "(none)", default: 0] += 1 }
            return (ProcCryptoSummary(path: path, bytes: bytes.count, entries: parsed.entries.count,
                                      bindableNames: bindable.count, types: types,
                                      warnings: parsed.warnings.count), parsed)
        } catch {
            return (ProcCryptoSummary(path: path, error: error.name), nil)
        }
    }
}
