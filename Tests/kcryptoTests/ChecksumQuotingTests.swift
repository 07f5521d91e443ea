@testable import kcrypto
import KernelCipherTestSupport
import Testing

/// `ChecksumQuoting.quoted` against the names in the real `sha256sum`'s "No such file or directory" messages.
@Suite struct ChecksumQuotingTests {
    /// Names of every kind: random bytes 1–255 except `/`, and the cases that pick each quoting form.
    static func names(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SeededGenerator(state: seed)
        var names: [[UInt8]] = ["plain", "a b", "it's", "it's:x", "'#x", "#x", "x#", "~", "a~", "{", "{}", "a\\b",
                                "c:l", "q?", "é", "\u{2028}", "\u{a0}", "\u{301}comb", "tab\tx", "\u{1b}[1m", "a@b",
                                "-x", "x'y z", "x'\ty", "a'\u{1}", "'\u{1}", "\u{1}'\u{1}", "a'b\u{1}c"].map { Array($0.utf8) }
        names += [[0xe9], [0x6d, 0xe9], [0xe2, 0x80], [0xe2, 0x80, 0x41], [0xff, 0xfe], [0x7f], [0x27, 0xe9]]
        for _ in 0..<count {
            let length = Int(generator.next() % 12) + 1
            names.append((0..<length).map { _ in
                // Half the bytes from the ASCII range (where the rules differ most), half from all of 1–255.
                var byte: UInt8
                repeat {
                    byte = generator.next() % 2 == 0 ? UInt8(generator.next() % 127 + 1) : UInt8(generator.next() % 255 + 1)
                } while byte == UInt8(ascii: "/")
                return byte
            })
            if [".", "..", "-"].map({ Array($0.utf8) }).contains(names.last!) { names.removeLast() }  // exist, or stdin
        }
        return names
    }

    @Test("quoted names equal sha256sum's in its 'No such file or directory' messages (this process's locale)")
    func matchesCoreutils() throws {
        let directory = try ScratchDirectory("quote")
        let names = Self.names(count: 300, seed: 19)
        let theirs = try ByteProcess.run("sha256sum", [Array("--".utf8)] + names, directory: directory.path)
        #expect(theirs.status == 1)
        let expected = names.flatMap { Array("sha256sum: ".utf8) + ChecksumQuoting.quoted($0) + Array(": No such file or directory\n".utf8) }
        let lines = { (bytes: [UInt8]) in bytes.split(separator: 10).map { String(decoding: $0, as: UTF8.self) } }
        for (ours, coreutils) in zip(lines(expected), lines(theirs.stderr)) where ours != coreutils {
            Issue.record("\(ours.debugDescription) != \(coreutils.debugDescription)")
        }
        #expect(expected == theirs.stderr, "stderr differs (lines above)")
    }

    @Test("the forms: as is, single quotes, $'…' segments, double quotes, empty")
    func forms() {
        let q = { (text: String) in String(decoding: ChecksumQuoting.quoted(Array(text.utf8)), as: UTF8.self) }
        #expect(q("a.txt") == "a.txt")
        #expect(q("a b") == "'a b'")
        #expect(q("it's") == "\"it's\"")
        #expect(q("tab\tmiss") == "'tab'$'\\t''miss'")
        #expect(q("\u{1b}[1m") == "''$'\\033''[1m'")
        #expect(q("") == "''")
        #expect(q("a'\u{1}") == #"'''a'\'''$'\001'"#)  // coreutils 9.1's second pass (measured)
        #expect(String(decoding: ChecksumQuoting.quoted([0x6d, 0xe9]), as: UTF8.self) == "'m'$'\\351'")
    }
}
