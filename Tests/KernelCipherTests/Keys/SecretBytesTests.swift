import KernelCipherTestSupport
import Synchronization
import Testing
@testable import KernelCipher

/// `SecretBytes`, the zeroizing bytes the library hands out (keyring payloads, `kcrypto`'s key material): copies share
/// one buffer, which is zeroized when the last copy goes — so no caller ever has to wipe a copy (kcrypto's
/// `case .bytes(var key)` + wipe used to zero a copy of the enum payload and leave the key).
@Suite struct SecretBytesTests {
    @Test func zeroizedWhenTheLastCopyGoes() {
        let seen = Mutex<[UInt8]?>(nil)
        var copy: SecretBytes?
        do {
            let bytes: [UInt8] = [1, 2, 3, 4]
            let storage = bytes.withUnsafeBytes { raw in
                SecureBytes(copying: raw) { wiped in seen.withLock { $0 = Array(wiped.prefix(4)) } }
            }
            let secret = SecretBytes(storage)
            copy = secret
            #expect(seen.withLock { $0 } == nil)
        }
        #expect(seen.withLock { $0 } == nil, "a copy still holds the buffer")
        #expect(copy?.withUnsafeBytes { Array($0) } == [1, 2, 3, 4])
        copy = nil
        #expect(seen.withLock { $0 } == [0, 0, 0, 0])
    }

    @Test func comparesAndPrintsWithoutTheBytes() {
        let a = SecretBytes(copying: [UInt8]("password1".utf8)), b = SecretBytes(copying: [UInt8]("password1".utf8))
        #expect(a == b && a != SecretBytes(copying: [UInt8]("password2".utf8)) && a != SecretBytes(copying: [UInt8]()))
        #expect(a.description == "SecretBytes(9 bytes, redacted)" && !"\(a)".contains("password"))
    }
}
