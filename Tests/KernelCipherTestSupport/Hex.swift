/// Hex for test data: vendored vectors, expected digests, `--key` arguments.
public enum Hex {
    /// The bytes `text` spells (either case); traps on odd length or a non-hex digit (a test-data bug, not an input
    /// under test).
    public static func decode(_ text: some StringProtocol) -> [UInt8] {
        let chars = Array(text.utf8)
        precondition(chars.count % 2 == 0, "odd hex length in test data")
        return stride(from: 0, to: chars.count, by: 2).map { i in
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else {
                preconditionFailure("not hex in test data: \(String(decoding: chars[i..<i + 2], as: UTF8.self))")
            }
            return byte
        }
    }

    /// Lower-case hex, two digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
