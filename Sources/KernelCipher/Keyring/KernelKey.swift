#if canImport(Glibc)
import Glibc
#endif
internal import CKCAPI

/// A key in the kernel's keyrings (`key_serial_t`), used by reference: a transform keyed from it
/// (`ALG_SET_KEY_BY_KEY_SERIAL`, Linux 6.2+) never has the key bytes in this process. Key types the kernel accepts
/// for AF_ALG: `user`, `logon` (payload unreadable from userspace), `encrypted`, `trusted`.
public struct KernelKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's serial number (`key_serial_t`), e.g. from `keyctl padd`, `add_key(2)` or a service manager.
    public let serial: Int32
    /// `TYPE:DESCRIPTION` when the key was found by `lookup(type:description:)`; nil for a bare serial.
    public let name: String?

    /// A key by serial number; nothing is checked until a transform is keyed from it.
    public init(serial: Int32) {
        self.serial = serial
        self.name = nil
    }

    private init(serial: Int32, name: String) {
        self.serial = serial
        self.name = name
    }

    /// Finds a key of `type` with `description` in this process's keyrings (thread, process, session, and the user
    /// session keyring when there is no session keyring) without calling out to `/sbin/request-key`
    /// (`request_key(2)` with no callout). Throws `.kernelKey(.notFound)`, `.permissionDenied`, `.revoked`, `.expired`.
    public static func lookup(type: String, description: String) throws(KernelCipherError) -> KernelKey {
        let name = "\(type):\(description)"
        switch valueOrErrno(retryOnInterrupt: true, { ckcapi_request_key(type, description, 0) }) {
        case .success(let serial): return KernelKey(serial: Int32(truncatingIfNeeded: serial), name: name)
        case .failure(let errno): throw .kernelKey(KernelKeyError(errno, key: "\(name)", operation: "request_key"))
        }
    }

    /// `lookup(type:description:)` for `TYPE:DESCRIPTION` as keyctl writes it, e.g. `logon:myapp:disk` (the
    /// description may contain colons; the type may not).
    public static func lookup(_ typeAndDescription: String) throws(KernelCipherError) -> KernelKey {
        guard let colon = typeAndDescription.firstIndex(of: ":"), colon != typeAndDescription.startIndex,
              typeAndDescription.index(after: colon) != typeAndDescription.endIndex else {
            throw .kernelKey(.invalidReference(typeAndDescription))
        }
        return try lookup(type: String(typeAndDescription[..<colon]),
                          description: String(typeAndDescription[typeAndDescription.index(after: colon)...]))
    }

    /// The key's payload (`keyctl(KEYCTL_READ)`), for a caller that explicitly wants to key a software transform from
    /// a `user` key, in zeroizing storage. A `logon` key cannot be read (`.kernelKey(.unreadable)`).
    public func readPayload() throws(KernelCipherError) -> SecretBytes {
        while true {
            let size: Int
            switch valueOrErrno(retryOnInterrupt: true, { ckcapi_keyctl_buffer(KEYCTL_READ, serial, nil, 0) }) {
            case .success(let n): size = n
            case .failure(let errno): throw .kernelKey(KernelKeyError(errno, key: description, operation: "keyctl(KEYCTL_READ)"))
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
            defer {
                cleanse(buffer)
                buffer.deallocate()
            }
            let got = valueOrErrno(retryOnInterrupt: true) {
                ckcapi_keyctl_buffer(KEYCTL_READ, serial, buffer.baseAddress, size)
            }
            switch got {
            case .success(let n) where n <= size:
                return SecretBytes(SecureBytes(copying: UnsafeRawBufferPointer(rebasing: buffer[0..<n])))
            case .success:  // the payload grew between the two calls: read again
                continue
            case .failure(let errno):
                throw .kernelKey(KernelKeyError(errno, key: description, operation: "keyctl(KEYCTL_READ)"))
            }
        }
    }

    /// "key 123456789" or "key 123456789 (logon:myapp:disk)"; never the payload.
    public var description: String {
        guard let name else { return "key \(serial)" }
        return "key \(serial) (\(KernelCipherError.displayName(name)))"
    }
}
