/// `count` bytes from `generator`, eight per step (a per-byte loop is the slow part of a debug build): the
/// little-endian bytes of successive `next()` values, so a seeded generator gives the same bytes on every run.
public func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { buffer in
        var i = 0
        while i < count {
            withUnsafeBytes(of: generator.next().littleEndian) { word in
                for j in 0..<min(8, count - i) { buffer[i + j] = word[j] }
            }
            i += 8
        }
    }
    return out
}

/// `count` bytes from the system generator (keys, payloads and inputs that need not repeat between runs).
public func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return randomBytes(count, using: &generator)
}

/// `count` reproducible bytes for `seed` (SplitMix64 started at `seed + 0x9E3779B97F4A7C15`).
public func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(state: seed &+ 0x9E37_79B9_7F4A_7C15)
    return randomBytes(count, using: &generator)
}
