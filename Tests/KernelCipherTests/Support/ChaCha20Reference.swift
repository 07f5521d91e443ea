/// An independent ChaCha20 block function (RFC 7539 §2.3), written from the RFC, for known answers that do not
/// come from either engine. The kernel's chacha20 IV is the 32-bit block counter (little endian) ‖ 96-bit nonce.
enum ChaCha20Reference {
    /// The 64-byte keystream block for `key` (32 bytes), `counter` and `nonce` (12 bytes).
    static func block(key: [UInt8], counter: UInt32, nonce: [UInt8]) -> [UInt8] {
        precondition(key.count == 32 && nonce.count == 12)
        func word(_ bytes: [UInt8], _ i: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[4 * i + $1]) << (8 * UInt32($1)) }
        }
        var state: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]
        state += (0..<8).map { word(key, $0) }
        state.append(counter)
        state += (0..<3).map { word(nonce, $0) }
        var x = state
        func quarter(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 16 | x[d] >> 16
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 12 | x[b] >> 20
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 8 | x[d] >> 24
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 7 | x[b] >> 25
        }
        for _ in 0..<10 {
            quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15)
            quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14)
        }
        return (0..<16).flatMap { i -> [UInt8] in
            let v = x[i] &+ state[i]
            return (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) }
        }
    }

    /// `input` XOR the keystream from the kernel-layout `iv`, with the kernel's rule: the 32-bit counter wraps
    /// to 0 and the nonce stays as it is.
    static func crypt(key: [UInt8], iv: [UInt8], _ input: [UInt8]) -> [UInt8] {
        var counter = (0..<4).reduce(UInt32(0)) { $0 | UInt32(iv[$1]) << (8 * UInt32($1)) }
        let nonce = Array(iv[4..<16])
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        for start in stride(from: 0, to: input.count, by: 64) {
            let stream = block(key: key, counter: counter, nonce: nonce)
            for i in start..<min(start + 64, input.count) { output.append(input[i] ^ stream[i - start]) }
            counter &+= 1
        }
        return output
    }

    /// IV in the kernel layout: `counter` little endian ‖ `nonce`.
    static func iv(counter: UInt32, nonce: [UInt8]) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: counter >> (8 * UInt32($0))) } + nonce
    }
}
