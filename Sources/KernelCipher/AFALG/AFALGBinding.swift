#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// Checks whether the kernel can instantiate an algorithm through AF_ALG, without keying or using it.
public enum AFALGBinding {
    /// Does `socket(AF_ALG, SOCK_SEQPACKET)` + `bind(struct sockaddr_alg{type, name})` and closes the socket.
    ///
    /// On a real kernel `bind` autoloads modules (`crypto-<name>` aliases) and instantiates templates such as
    /// `rfc3686(ctr(aes))`, so this finds algorithms `/proc/crypto` does not list yet. Failures: `EAFNOSUPPORT`
    /// from `socket` (no AF_ALG, or `algif_<type>` missing → `ENOENT` from bind), `ENOENT` (unknown name or type
    /// mismatch), `ENAMETOOLONG` (name of 64 bytes or more; `sockaddr_alg.salg_name` is 64 bytes).
    public static func check(type: AFALGSocketType, name: String) -> Result<Void, Errno> {
        var address = sockaddr_alg()
        let typeBytes = Array(type.rawValue.utf8)
        let nameBytes = Array(name.utf8)
        guard nameBytes.count < MemoryLayout.size(ofValue: address.salg_name) else {
            return .failure(Errno(rawValue: ENAMETOOLONG))
        }
        guard !nameBytes.isEmpty, !nameBytes.contains(0) else { return .failure(.invalidArgument) }
        address.salg_family = UInt16(AF_ALG)
        withUnsafeMutableBytes(of: &address.salg_type) { $0.copyBytes(from: typeBytes) }
        withUnsafeMutableBytes(of: &address.salg_name) { $0.copyBytes(from: nameBytes) }

        let fd = socket(AF_ALG, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.current) }
        defer { close(fd) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_alg>.size))
            }
        }
        return rc == 0 ? .success(()) : .failure(.current)
    }
}
