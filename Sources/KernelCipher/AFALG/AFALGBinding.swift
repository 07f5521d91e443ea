/// Checks whether the kernel can instantiate an algorithm through AF_ALG, without keying or using it.
public enum AFALGBinding {
    /// Does `socket(AF_ALG, SOCK_SEQPACKET)` + `bind(struct sockaddr_alg{type, name})` and closes the socket.
    ///
    /// On a real kernel `bind` autoloads modules (`crypto-<name>` aliases) and instantiates templates such as
    /// `rfc3686(ctr(aes))`, so this finds algorithms `/proc/crypto` does not list yet. Failures: `ENAMETOOLONG`
    /// (name of 64 bytes or more; `sockaddr_alg.salg_name` is 64 bytes) and `EINVAL` (empty name, or one with a
    /// NUL byte), both before any system call; `EAFNOSUPPORT` from `socket` (no AF_ALG, or `algif_<type>` missing
    /// → `ENOENT` from bind), `ENOENT` (unknown name or type mismatch). The kernel engine and the AIO probe bind
    /// through the same `AFALGSocket`, so they see the same errno.
    public static func check(type: AFALGSocketType, name: String) -> Result<Void, Errno> {
        do throws(Errno) {
            _ = try AFALGSocket(type: type, name: name)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
