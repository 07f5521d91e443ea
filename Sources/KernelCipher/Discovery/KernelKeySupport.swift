/// Whether this kernel can key AF_ALG transforms from keyring keys (`ALG_SET_KEY_BY_KEY_SERIAL`, Linux 6.2+).
public enum KernelKeySupport: Sendable, Hashable, CustomStringConvertible {
    /// The option exists.
    case supported
    /// The kernel predates the option (ENOPROTOOPT).
    case unsupportedKernel(release: String)
    /// No transform could be bound to ask (AF_ALG unavailable, or every probe algorithm refused); the reason follows.
    case unknown(reason: String)

    /// Asks the running kernel: binds a transform (`xts(aes)`, which every process may bind even under
    /// `af_alg_restrict=1`, else `cbc(aes)`, else the hash `sha1`) and sets the option with a wrong length, which
    /// gives EINVAL where the option exists and ENOPROTOOPT where it does not. No key is needed.
    public static func probe() -> KernelKeySupport {
        var reasons: [String] = []
        for (type, name) in [(AFALGSocketType.skcipher, "xts(aes)"), (.skcipher, "cbc(aes)"), (.hash, "sha1")] {
            do throws(KernelCipherError) {
                let socket = try AFALGTransformSocket.bound(type: type, name: name)
                switch socket.supportsKeyBySerial() {
                case .success(true): return .supported
                case .success(false): return .unsupportedKernel(release: System.kernelRelease)
                case .failure(let errno): reasons.append("setsockopt on \(name) failed: \(errno)")
                }
            } catch {
                if case .afAlgUnavailable = error { return .unknown(reason: error.description) }
                reasons.append(error.description)
            }
        }
        return .unknown(reason: reasons.joined(separator: "; "))
    }

    /// "yes", "no: needs Linux 6.2 (this kernel is 6.1.0-56-amd64; ENOPROTOOPT)" or "unknown: …".
    public var description: String {
        switch self {
        case .supported: return "yes"
        case .unsupportedKernel(let release): return "no: needs Linux 6.2 (this kernel is \(release); ENOPROTOOPT)"
        case .unknown(let reason): return "unknown: \(reason)"
        }
    }
}
