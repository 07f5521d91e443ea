@testable import kcrypto
import Testing

/// The line format of coreutils 9.1's checksum lists, piece by piece. The expected bytes were measured with
/// `sha256sum` 9.1 on this machine; `DigestCompatibilityTests` compares whole runs with the real tool.
@Suite struct ChecksumLineTests {
    static let hex = Array("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb".utf8)
    static let digest: [UInt8] = {
        var out = [UInt8]()
        var i = 0
        while i < hex.count {
            out.append(UInt8(String(decoding: hex[i..<(i + 2)], as: UTF8.self), radix: 16)!)
            i += 2
        }
        return out
    }()

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("digest lines: only \\, LF and CR escaped (with a leading \\); tab, ESC, bytes ≥ 0x80 written raw")
    func format() {
        let plain = ChecksumLine.Style()
        let h = String(decoding: Self.hex, as: UTF8.self)
        #expect(ChecksumLine.format(digest: Self.digest, name: Self.bytes("a.txt"), style: plain) == Self.bytes("\(h)  a.txt\n"))
        #expect(ChecksumLine.format(digest: Self.digest, name: [0x74, 0x09, 0x1b, 0xe9, 0x07], style: plain)
            == Self.bytes("\(h)  ") + [0x74, 0x09, 0x1b, 0xe9, 0x07, 0x0a])
        #expect(ChecksumLine.format(digest: Self.digest, name: Self.bytes("b\\s\nl\rc"), style: plain)
            == Self.bytes("\\\(h)  b\\\\s\\nl\\rc\n"))
        var binary = plain
        binary.binary = true
        #expect(ChecksumLine.format(digest: Self.digest, name: Self.bytes("-"), style: binary) == Self.bytes("\(h) *-\n"))
        let tagged = ChecksumLine.Style(tag: Self.bytes("SHA256"))
        #expect(ChecksumLine.format(digest: Self.digest, name: Self.bytes("a\\b"), style: tagged)
            == Self.bytes("\\SHA256 (a\\\\b) = \(h)\n"))
        let zero = ChecksumLine.Style(zero: true)
        #expect(ChecksumLine.format(digest: Self.digest, name: Self.bytes("n\nl\\"), style: zero)
            == Self.bytes("\(h)  n\nl\\") + [0])
    }

    @Test("result names: escaped only when they hold a LF (coreutils 9.1)")
    func resultName() {
        #expect(ChecksumLine.resultName(Self.bytes("back\\slash")) == Self.bytes("back\\slash"))
        #expect(ChecksumLine.resultName(Self.bytes("cr\rname")) == Self.bytes("cr\rname"))
        #expect(ChecksumLine.resultName(Self.bytes("n\nl\r\\")) == Self.bytes("\\n\\nl\\r\\\\"))
    }

    @Test("list lines: comments, empty lines and one CR of a CRLF end are not parsed")
    func content() {
        #expect(ChecksumLine.content(Self.bytes("#x")[...]) == nil)
        #expect(ChecksumLine.content(Self.bytes("")[...]) == nil)
        #expect(ChecksumLine.content(Self.bytes("\r")[...]) == nil)
        #expect(ChecksumLine.content(Self.bytes(" #x")[...]).map(Array.init) == Self.bytes(" #x"))
        #expect(ChecksumLine.content(Self.bytes("a\r\r")[...]).map(Array.init) == Self.bytes("a\r"))
    }

    @Test("escapes: only \\\\, \\n, \\r; a lone trailing \\, another escape or a NUL is improperly formatted")
    func unescape() {
        #expect(ChecksumLine.unescaped(Self.bytes("a\\\\b\\nc\\r")[...]) == Self.bytes("a\\b\nc\r"))
        #expect(ChecksumLine.unescaped(Self.bytes("a.txt\\")[...]) == nil)
        #expect(ChecksumLine.unescaped(Self.bytes("a\\x.txt")[...]) == nil)
        #expect(ChecksumLine.unescaped(Self.bytes("a\\t")[...]) == nil)
        #expect(ChecksumLine.unescaped([0x61, 0, 0x62][...]) == nil)
    }

    /// Parses `lines` with one parser (state carries over), as `sha256sum -c` reads one list.
    static func parse(_ lines: [[UInt8]]) -> [ChecksumEntry?] {
        var parser = ChecksumParser(tag: bytes("SHA256"), digestSize: 32)
        return lines.map { parser.parse($0[...]) }
    }

    static func entry(_ name: String) -> ChecksumEntry { ChecksumEntry(hex: hex, name: bytes(name)) }

    @Test("accepted like sha256sum -c: two blanks, ' *', one blank, tab, leading blanks, BSD tags, upper case")
    func accepted() {
        let h = String(decoding: Self.hex, as: UTF8.self)
        for line in ["\(h)  a.txt", "\(h) *a.txt", "  \(h)  a.txt", "\\\(h)  a.txt", "SHA256 (a.txt) = \(h)",
                     "SHA256(a.txt)=\(h)", "SHA256 (a.txt) =  \t\(h)", "\\SHA256 (a.txt) = \(h)"] {
            #expect(Self.parse([Self.bytes(line)]) == [Self.entry("a.txt")], "\(line)")
        }
        #expect(Self.parse([Self.bytes("\(h) a.txt")]) == [Self.entry("a.txt")])
        #expect(Self.parse([Self.bytes("\(h)\ta.txt")]) == [Self.entry("a.txt")])
        let upper = Self.parse([Self.bytes(h.uppercased() + "  a.txt")])
        #expect(upper == [ChecksumEntry(hex: Self.bytes(h.uppercased()), name: Self.bytes("a.txt"))])
        #expect(Self.parse([Self.bytes("SHA256 (a.txt)) = \(h)")]) == [Self.entry("a.txt)")])
        #expect(Self.parse([Self.bytes("\\\(h)  back\\\\sl\\nash")]) == [Self.entry("back\\sl\nash")])
        #expect(Self.parse([Self.bytes("\(h)  back\\slash")]) == [Self.entry("back\\slash")])
        #expect(Self.parse([Self.bytes("\(h)  ")]) == [Self.entry(" ")])  // one-byte name after one blank
        #expect(Self.parse([Self.bytes("\(h)    sp")]) == [Self.entry("  sp")])
        #expect(Self.parse([Self.bytes("\(h)  *st")]) == [Self.entry("*st")])
    }

    @Test("improperly formatted like sha256sum -c: bad escapes, wrong length, no blank, bad tag lines")
    func rejected() {
        let h = String(decoding: Self.hex, as: UTF8.self)
        for line in ["\\\(h)  a.txt\\", "\\\(h)  a\\x.txt", "0\(h)  a.txt", "\(h)0  a.txt", "\(h) ", "x\(h.dropFirst())  a",
                     "SHA256  (a.txt) = \(h)", "SHA256 (a.txt) = \(h)0", "SHA256 (a.txt) = x\(h)", "SHA1 (a.txt) = \(h)",
                     "SHA256 a.txt = \(h)", "SHA256 (a.txt = \(h)", "SHA256 (a.txt) \(h)", "bad", "\(h)"] {
            #expect(Self.parse([Self.bytes(line)]) == [nil], "\(line)")
        }
    }

    @Test("NUL bytes: an unescaped name ends at the NUL, an escaped one is improperly formatted")
    func nul() {
        let h = Self.bytes(String(decoding: Self.hex, as: UTF8.self))
        #expect(Self.parse([h + Self.bytes("  a") + [0] + Self.bytes("b")]) == [Self.entry("a")])
        #expect(Self.parse([[0x5c] + h + Self.bytes("  a") + [0] + Self.bytes("b")]) == [nil])
        #expect(Self.parse([h + [0] + Self.bytes(" a.txt")]) == [nil])
        #expect(Self.parse([Self.bytes("SHA256 (a") + [0] + Self.bytes("b) = ") + h]) == [Self.entry("a")])
        #expect(Self.parse([Self.bytes("SHA256 (a.txt) = ") + h + [0] + Self.bytes("zz")]) == [Self.entry("a.txt")])
    }

    @Test("the first untagged line decides between 'HEX  NAME' and 'HEX NAME' for the rest of the list")
    func separatorState() {
        let h = String(decoding: Self.hex, as: UTF8.self)
        #expect(Self.parse([Self.bytes("\(h)  a.txt"), Self.bytes("\(h) a.txt"), Self.bytes("\(h)\ta.txt")])
            == [Self.entry("a.txt"), nil, nil])
        #expect(Self.parse([Self.bytes("\(h) a"), Self.bytes("\(h)  a.txt"), Self.bytes("\(h) *b")])
            == [Self.entry("a"), Self.entry(" a.txt"), Self.entry("*b")])
        #expect(Self.parse([Self.bytes("SHA256 (x) = \(h)"), Self.bytes("\(h) a"), Self.bytes("\(h)  b")])
            == [Self.entry("x"), Self.entry("a"), Self.entry(" b")])
    }

    @Test("BSD tags for kernel names: SHA256, MD5, SHA3-256, BLAKE2b / BLAKE2b-256, HMAC(SHA256)")
    func tags() {
        #expect(ChecksumLine.tag(for: "sha256") == Self.bytes("SHA256"))
        #expect(ChecksumLine.tag(for: "md5") == Self.bytes("MD5"))
        #expect(ChecksumLine.tag(for: "sha3-256") == Self.bytes("SHA3-256"))
        #expect(ChecksumLine.tag(for: "blake2b-512") == Self.bytes("BLAKE2b"))
        #expect(ChecksumLine.tag(for: "blake2b-256") == Self.bytes("BLAKE2b-256"))
        #expect(ChecksumLine.tag(for: "hmac(sha256)") == Self.bytes("HMAC(SHA256)"))
    }
}
