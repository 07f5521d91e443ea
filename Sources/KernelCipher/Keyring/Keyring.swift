#if canImport(Glibc)
import Glibc
#endif
internal import CKCAPI

/// Thin wrappers over `add_key(2)` and the `keyctl(2)` operations the tests and tools need to make and retire keys
/// (libkeyutils is not a dependency). Package-internal: the library's public API only uses keys by reference.
package enum Keyring {
    /// `KEY_SPEC_SESSION_KEYRING` (`@s`): the session keyring, or the user session keyring when there is none.
    package static let session: Int32 = KEY_SPEC_SESSION_KEYRING
    /// `KEY_SPEC_PROCESS_KEYRING` (`@p`).
    package static let process: Int32 = KEY_SPEC_PROCESS_KEYRING

    /// `add_key(type, description, payload, len, keyring)`: a new key (or the updated one with that description).
    package static func add(
        type: String, description: String, payload: UnsafeRawBufferPointer, to keyring: Int32
    ) throws(Errno) -> KernelKey {
        let serial = try valueOrErrno(retryOnInterrupt: true) {
            ckcapi_add_key(type, description, payload.baseAddress, payload.count, keyring)
        }.get()
        return KernelKey(serial: Int32(truncatingIfNeeded: serial))
    }

    /// `add_key("keyring", description, NULL, 0, keyring)`: a new empty keyring linked into `keyring`.
    package static func addKeyring(description: String, to keyring: Int32) throws(Errno) -> KernelKey {
        try add(type: "keyring", description: description, payload: UnsafeRawBufferPointer(start: nil, count: 0),
                to: keyring)
    }

    /// `keyctl(KEYCTL_REVOKE, key)`.
    package static func revoke(_ key: KernelKey) throws(Errno) { try call(KEYCTL_REVOKE, key.serial) }
    /// `keyctl(KEYCTL_INVALIDATE, key)`: the key is unusable at once and garbage collected.
    package static func invalidate(_ key: KernelKey) throws(Errno) { try call(KEYCTL_INVALIDATE, key.serial) }
    /// `keyctl(KEYCTL_UNLINK, key, keyring)`.
    package static func unlink(_ key: KernelKey, from keyring: Int32) throws(Errno) {
        try call(KEYCTL_UNLINK, key.serial, keyring)
    }
    /// `keyctl(KEYCTL_SETPERM, key, perm)`: `perm` as `keyctl setperm` takes it (e.g. `0x3f010000`).
    package static func setPermissions(_ key: KernelKey, _ perm: UInt32) throws(Errno) {
        try call(KEYCTL_SETPERM, key.serial, Int32(bitPattern: perm))
    }
    /// `keyctl(KEYCTL_SET_TIMEOUT, key, seconds)`: the key expires `seconds` from now.
    package static func setTimeout(_ key: KernelKey, seconds: UInt32) throws(Errno) {
        try call(KEYCTL_SET_TIMEOUT, key.serial, Int32(bitPattern: seconds))
    }

    private static func call(_ op: CInt, _ a2: Int32, _ a3: Int32 = 0) throws(Errno) {
        try nothingOrErrno(retryOnInterrupt: true) {
            ckcapi_keyctl(op, UInt(bitPattern: Int(a2)), UInt(bitPattern: Int(a3)), 0)
        }.get()
    }
}
