import Testing
@testable import KernelCipher
import KernelCipherTestSupport

@Suite struct ProcCryptoFuzzTests {
    static let alphabet: [UInt8] = Array("\n\n\r: \t:abc()-_0123456789".utf8) + [0x00, 0xFF, 0xC3, 0xA9, 0xE2]

    static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes.remove(at: position)
            case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            case 2 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 3: bytes = Array(bytes.prefix(position))  // truncation
            case 4 where !bytes.isEmpty:  // duplicate a slice
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: bytes.insert(contentsOf: Array(" : ".utf8), at: position)
            }
        }
        return bytes
    }

    /// Re-serialises entries in /proc/crypto form.
    static func render(_ entries: [CryptoAlgorithmEntry]) -> String {
        entries.map { $0.fields.map { "\($0.key) : \($0.value)\n" }.joined() }.joined(separator: "\n")
    }

    @Test func randomMutationsNeverCrashAndKeepInvariants() {
        var rng = SeededGenerator(state: 0x6B63_7279_7074_6F21)
        let seed = Array(sampleProcCrypto.utf8)
        for iteration in 0..<3000 {
            let input = Self.mutate(seed, using: &rng)
            let text = String(decoding: input, as: UTF8.self)
            let proc = ProcCrypto(parsing: input)
            let lineCount = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count

            for entry in proc.entries {
                #expect(!entry.fields.isEmpty, "iteration \(iteration)")
                for field in entry.fields {
                    #expect(!field.key.isEmpty && !field.key.unicodeScalars.contains(":"), "iteration \(iteration)")
                    #expect(field.key.unicodeScalars.first != " " && field.value.unicodeScalars.last != " ")
                    #expect(!field.value.unicodeScalars.contains("\n"))
                }
            }
            #expect(proc.warnings.allSatisfy { (1...lineCount).contains($0.line) }, "iteration \(iteration)")
            #expect(proc.entries.count <= lineCount)

            // Round trip: rendering the parsed entries and parsing again yields the same entries.
            let again = ProcCrypto(parsing: Self.render(proc.entries))
            #expect(again.entries == proc.entries, "iteration \(iteration)")

            for group in proc.groups {
                let priorities = group.drivers.map { $0.priority ?? Int.min }
                #expect(priorities == priorities.sorted(by: >), "iteration \(iteration)")
                #expect(group.selected.allSatisfy { $0.isSelectable })
                #expect(Set(group.selected.map(\.selectionClass)).count == group.selected.count)
                #expect(group.drivers.allSatisfy { $0.name == group.name })
            }
        }
    }
}
