#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Facts about the running system.
public enum System {
    /// Online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static let cpuCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
