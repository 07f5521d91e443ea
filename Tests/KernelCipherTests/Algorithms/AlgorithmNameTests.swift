import Testing
@testable import KernelCipher
import KernelCipherTestSupport

/// `AlgorithmName`: the kernel's template grammar, typed errors for malformed names, no trap on any input.
@Suite("Algorithm names")
struct AlgorithmNameTests {
    @Test func parsesTemplateTrees() throws {
        let cbc = try AlgorithmName(parsing: "cbc(aes)")
        #expect(cbc.base == "cbc" && cbc.arguments == [AlgorithmName(base: "aes")])
        let rfc = try AlgorithmName(parsing: "rfc3686(ctr(aes))")
        #expect(rfc.arguments[0].base == "ctr" && rfc.arguments[0].arguments[0].base == "aes")
        #expect(rfc.innermostCipher == "aes")
        let aead = try AlgorithmName(parsing: "rfc7539(chacha20,poly1305)")
        #expect(aead.arguments.map(\.base) == ["chacha20", "poly1305"])
        #expect(aead.innermostCipher == nil)
        let authenc = try AlgorithmName(parsing: "authenc(hmac(sha256),cbc(aes))")
        #expect(authenc.arguments == [
            AlgorithmName(base: "hmac", arguments: [AlgorithmName(base: "sha256")]),
            AlgorithmName(base: "cbc", arguments: [AlgorithmName(base: "aes")]),
        ])
        #expect(try AlgorithmName(parsing: "cbc-aes-aesni") == AlgorithmName(base: "cbc-aes-aesni"))
        #expect(try AlgorithmName(parsing: "ecb(cipher_null)").innermostCipher == "cipher_null")
        for text in ["cbc(aes)", "authenc(hmac(sha256),cbc(aes))", "adiantum(xchacha12,aes)", "chacha20"] {
            #expect(AlgorithmName(text)?.description == text)
        }
    }

    @Test(arguments: [
        ("", AlgorithmNameError.empty), ("cbc(aes", .unexpectedEnd), ("cbc(", .unexpectedEnd),
        ("cbc(aes))", .unexpected(offset: 8)), ("(aes)", .unexpected(offset: 0)), ("cbc()", .unexpected(offset: 4)),
        ("cbc(aes,)", .unexpected(offset: 8)), ("cbc(,aes)", .unexpected(offset: 4)), (" cbc(aes)", .unexpected(offset: 0)),
        ("cbc(aes) ", .unexpected(offset: 8)), ("cbc( aes)", .unexpected(offset: 4)), ("cbc(aes)x", .unexpected(offset: 8)),
        ("cbc(aés)", .unexpected(offset: 5)), ("cbc)aes(", .unexpected(offset: 3)), ("cbc(a/s)", .unexpected(offset: 5)),
        (String(repeating: "a", count: 128), .tooLong(128, limit: 127)),
    ])
    func refusesMalformedNames(text: String, error: AlgorithmNameError) {
        #expect(throws: error) { try AlgorithmName(parsing: text) }
        #expect(AlgorithmName(text) == nil)
    }

    /// 127 bytes parse (the kernel's limit), and the deepest nesting that fits does not exhaust the stack.
    @Test func deepestNestingWithinTheLimit() throws {
        let depth = 42
        let text = String(repeating: "a(", count: depth) + "b" + String(repeating: ")", count: depth)
        #expect(text.utf8.count == 127)
        var name = try AlgorithmName(parsing: text)
        for _ in 0..<depth { name = name.arguments[0] }
        #expect(name == AlgorithmName(base: "b"))
    }

    /// Random strings over the grammar's alphabet and random mutations of valid names: parsing never traps, and
    /// whatever parses prints back as the same text (no whitespace or other normalisation is accepted).
    @Test func fuzzParsesOrRefusesWithoutTrapping() {
        var rng = SeededGenerator(state: 0x5eed_1234)
        let alphabet = Array("abc_-09(),() \t\u{e9}")
        let seeds = ["cbc(aes)", "authenc(hmac(sha256),cbc(aes))", "rfc3686(ctr(aes))", "adiantum(xchacha12,aes)"]
        var parsed = 0, refused = 0
        for round in 0..<20_000 {
            var chars: [Character]
            if round % 2 == 0 {
                chars = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                chars = Array(seeds[Int(rng.next() % UInt64(seeds.count))])
                for _ in 0..<(1 + Int(rng.next() % 3)) where !chars.isEmpty {
                    let at = Int(rng.next() % UInt64(chars.count))
                    switch rng.next() % 3 {
                    case 0: chars.remove(at: at)
                    case 1: chars.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    default: chars[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    }
                }
            }
            let text = String(chars)
            if let name = AlgorithmName(text) {
                parsed += 1
                #expect(name.description == text)
            } else {
                refused += 1
            }
        }
        #expect(parsed > 1000 && refused > 1000, "parsed \(parsed), refused \(refused)")
    }
}
