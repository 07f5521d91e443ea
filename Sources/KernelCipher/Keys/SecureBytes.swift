#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Key material in a heap buffer, zeroized (`explicit_bzero`) when the last reference goes away
/// (modelled on swift-crypto's `SecureBytes`, whose backing store wipes itself in `deinit`). Never prints its bytes.
///
/// Reference counting is the lifetime rule: whoever may still read the key holds a reference, so the bytes are
/// wiped only when nothing can use them any more. Owners drop their reference on re-key and release; they never
/// wipe storage that another thread may be reading (that gave requests an all-zero key, issue 10 item 1).
/// `wipe()` is only for storage its caller owns alone. The buffer is written only in `init`, `wipe()` and
/// `deinit`, hence `@unchecked Sendable`.
final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer
    /// Test hook: sees the buffer after the `deinit` wipe, before it is freed.
    private let afterWipe: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    /// Copies `bytes` into a fresh buffer.
    init(copying bytes: UnsafeRawBufferPointer) {
        self.afterWipe = nil
        storage = Self.copy(bytes)
        count = bytes.count
    }

    /// Copies `bytes`; `afterWipe` is called from `deinit` with the wiped buffer (zeroization tests).
    init(copying bytes: UnsafeRawBufferPointer, afterWipe: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.afterWipe = afterWipe
        storage = Self.copy(bytes)
        count = bytes.count
    }

    private static func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        return storage
    }

    /// Number of key bytes.
    let count: Int

    /// Runs `body` with the key bytes; the pointer must not escape.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Overwrites the bytes with zeros now (`explicit_bzero`); idempotent. Only for storage no other thread can
    /// be reading: shared storage is wiped by `deinit` when its last reference goes.
    func wipe() { cleanse(storage) }

    /// True when every byte is zero; used by tests to check zeroization.
    var isZeroized: Bool { storage.allSatisfy { $0 == 0 } }

    deinit {
        cleanse(storage)
        afterWipe?(UnsafeRawBufferPointer(storage))
        storage.deallocate()
    }

    var description: String { "SecureBytes(\(count) bytes, redacted)" }
}
