#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Facts about the running system.
public enum System {
    /// Online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static let cpuCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// `uname(2)`'s `release` and `machine` (e.g. `6.12.57+deb13-amd64`, `x86_64`); "unknown" if it fails.
    static func uname() -> (release: String, machine: String) {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return ("unknown", "unknown") }
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return (field(&u.release), field(&u.machine))
    }

    /// The running kernel's release (`uname -r`).
    static var kernelRelease: String { uname().release }
}
