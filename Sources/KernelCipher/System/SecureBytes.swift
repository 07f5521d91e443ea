#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Key material in a heap buffer that is zeroized (`explicit_bzero`) when wiped or released.
/// Never prints its bytes (modelled on swift-crypto's `SecureBytes`). The buffer is written only in
/// `init`, `wipe()` and `deinit`; it is read-only otherwise, hence `@unchecked Sendable`.
final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into a fresh buffer.
    init(copying bytes: UnsafeRawBufferPointer) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        count = bytes.count
    }

    /// Number of key bytes.
    let count: Int

    /// Runs `body` with the key bytes; the pointer must not escape.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Overwrites the bytes with zeros (`explicit_bzero`); idempotent.
    func wipe() {
        explicit_bzero(storage.baseAddress!, storage.count)
    }

    /// True when every byte is zero; used by tests to check zeroization.
    var isZeroized: Bool { storage.allSatisfy { $0 == 0 } }

    deinit {
        explicit_bzero(storage.baseAddress!, storage.count)
        storage.deallocate()
    }

    var description: String { "SecureBytes(\(count) bytes, redacted)" }
}
