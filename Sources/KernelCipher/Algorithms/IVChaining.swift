#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How a message split into several requests continues: which IV the next request needs so that the pieces
/// give exactly the bytes one request over the whole message gives.
///
/// Each `crypto_skcipher_encrypt`/`decrypt` request (one AF_ALG `sendmsg`+`read`, one EVP update) starts from the
/// IV it is given. The kernel's cbc and ctr write the IV that continues the stream back into the request's IV
/// buffer (`req->iv`; that is how AF_ALG chains `sendmsg(MSG_MORE)` rounds of one request), but AF_ALG never
/// returns it to user space, so a caller that streams a message as several requests computes it with
/// ``nextIV(current:ciphertext:)``. `Transform.ivChaining` gives the rule for a transform's algorithm.
public enum IVChaining: Sendable, Hashable {
    /// No IV (ecb): every block is independent, any split works and the IV stays empty.
    case independent
    /// cbc: the next IV is the last ciphertext block of the previous request (for decryption, of its input).
    case lastCiphertextBlock
    /// ctr: the IV is one counter block, a big-endian integer over all its bytes that the kernel's `ctr`
    /// template increments once per cipher block (`crypto_inc`), carrying across bytes and wrapping at the top.
    case bigEndianCounter
    /// chacha20: IV bytes 0..<4 are a little-endian 32-bit count of 64-byte blocks, bytes 4..<16 the nonce. The
    /// kernel's chacha20 wraps the counter from 2^32 - 1 to 0 and never touches the nonce (RFC 7539 would stop).
    case chacha20BlockCounter
    /// xts, cts, rfc3686 and anything not in the catalog: the IV of a later piece cannot be derived (the tweak or
    /// the counter lives outside the IV, or the last blocks are stolen), so a message is one request.
    case wholeMessage

    /// Whether a message may be split into several requests at all.
    public var isChainable: Bool { self != .wholeMessage }

    /// The length every request except the last must be a multiple of, for an IV of `ivSize` bytes: the block
    /// (the IV's size) for cbc and ctr, 64 for chacha20, 1 for ecb; nil when the message must be one request.
    public func granularity(ivSize: Int) -> Int? {
        switch self {
        case .independent: 1
        case .lastCiphertextBlock, .bigEndianCounter: ivSize > 0 ? ivSize : nil
        case .chacha20BlockCounter: 64
        case .wholeMessage: nil
        }
    }

    /// The IV for the request that continues a stream after a request that ran with `iv` over `ciphertext` (its
    /// output when encrypting, its input when decrypting). Nil when the message cannot be split here: the rule is
    /// `.wholeMessage`, the IV has the wrong size for the rule, or `ciphertext` is not a whole number of
    /// ``granularity(ivSize:)`` (a counter cannot resume inside a block).
    public func nextIV(current iv: some ContiguousBytes, ciphertext: some ContiguousBytes) -> [UInt8]? {
        var next = iv.withUnsafeBytes { [UInt8]($0) }
        let length = ciphertext.withUnsafeBytes { $0.count }
        guard let unit = granularity(ivSize: next.count), length % unit == 0 else { return nil }
        switch self {
        case .independent:
            return next
        case .lastCiphertextBlock:
            guard length >= next.count else { return next }
            ciphertext.withUnsafeBytes { bytes in
                for i in next.indices { next[i] = bytes[length - next.count + i] }
            }
        case .bigEndianCounter:
            // Adds length / ivSize to the counter; the carry runs from the last byte towards the first.
            var carry = UInt(length / next.count)
            for i in next.indices.reversed() where carry > 0 {
                let sum = UInt(next[i]) + (carry & 0xff)
                next[i] = UInt8(truncatingIfNeeded: sum)
                carry = (carry >> 8) + (sum >> 8)
            }
        case .chacha20BlockCounter:
            guard next.count == 16 else { return nil }
            var counter = UInt32(next[0]) | UInt32(next[1]) << 8 | UInt32(next[2]) << 16 | UInt32(next[3]) << 24
            counter &+= UInt32(truncatingIfNeeded: length / 64)
            for i in 0..<4 { next[i] = UInt8(truncatingIfNeeded: counter >> (8 * i)) }
        case .wholeMessage:
            return nil
        }
        return next
    }
}
