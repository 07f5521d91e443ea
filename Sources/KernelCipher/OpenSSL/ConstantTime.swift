#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
internal import CLibCrypto

/// Comparisons whose running time does not depend on the bytes compared, for MACs and tags.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes (`CRYPTO_memcmp`): the time depends only on the lengths, so a
    /// mismatch's position leaks nothing. Different lengths compare unequal.
    public static func equals(_ a: some ContiguousBytes, _ b: some ContiguousBytes) -> Bool {
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                guard left.count == right.count else { return false }
                guard left.count > 0, let l = left.baseAddress, let r = right.baseAddress else { return true }
                return CRYPTO_memcmp(l, r, left.count) == 0
            }
        }
    }
}
