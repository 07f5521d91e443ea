#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Secret bytes the library hands out (a keyring key's payload, derived keys): zeroized when the last copy goes
/// (copies share one buffer, as swift-crypto's `SymmetricKey`), compared in constant time, never printed.
/// Pass it wherever a key is taken (`setKey(_:)` accepts any `ContiguousBytes`).
public struct SecretBytes: ContiguousBytes, Sendable, Equatable, CustomStringConvertible {
    let storage: SecureBytes

    /// Copies `bytes` into zeroizing storage (the caller wipes its own copy).
    public init(copying bytes: some ContiguousBytes) {
        storage = bytes.withUnsafeBytes { SecureBytes(copying: $0) }
    }

    /// Takes storage the library filled.
    init(_ storage: SecureBytes) { self.storage = storage }

    /// Number of bytes.
    public var count: Int { storage.count }

    /// Runs `body` with the bytes; the pointer must not escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    /// Constant-time comparison (`CRYPTO_memcmp`); different lengths compare unequal.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.count == rhs.count && lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }

    /// "SecretBytes(32 bytes, redacted)": never the bytes.
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
}
