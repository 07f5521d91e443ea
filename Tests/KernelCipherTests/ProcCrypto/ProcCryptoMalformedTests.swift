import Testing
@testable import KernelCipher

@Suite struct ProcCryptoMalformedTests {
    @Test func emptyAndBlankInput() {
        #expect(ProcCrypto(parsing: "").entries.isEmpty)
        #expect(ProcCrypto(parsing: "\n\n  \n\t\n").entries.isEmpty)
        #expect(ProcCrypto(parsing: "\n\n  \n\t\n").warnings.isEmpty)
    }

    @Test func crlfLineEndings() throws {
        let proc = ProcCrypto(parsing: "name : a\r\ndriver : a-gen\r\npriority : 7\r\n\r\nname : b\r\ntype : rng\r\n")
        #expect(proc.entries.count == 2)
        #expect(proc.entries[0].driver == "a-gen")
        #expect(proc.entries[0].priority == 7)
        #expect(proc.entries[1].socketType == .rng)
        #expect(proc.warnings.isEmpty)
    }

    @Test func truncatedLastBlockIsKept() throws {
        let proc = ProcCrypto(parsing: "name : a\ntype : shash\n\nname : b\ndriver : b-gen\nprio")
        #expect(proc.entries.count == 2)
        #expect(proc.entries[1].name == "b")
        #expect(proc.entries[1].fields.count == 2)
        #expect(proc.warnings.map(\.reason) == [.missingSeparator])
        #expect(proc.warnings.first?.line == 6)
        #expect(proc.warnings.first?.text == "prio")
    }

    @Test func truncatedMidValue() {
        let proc = ProcCrypto(parsing: "name : a\npriority : 12")
        #expect(proc.entries.first?.priority == 12)
        let cut = ProcCrypto(parsing: "name : a\npriority :")
        #expect(cut.entries.first?["priority"] == "")
        #expect(cut.entries.first?.priority == nil)
    }

    @Test func blockWithoutNameIsKeptButNotGrouped() {
        let proc = ProcCrypto(parsing: "driver : orphan\ntype : cipher\n\nname : a\n")
        #expect(proc.entries.count == 2)
        #expect(proc.warnings.map(\.reason) == [.missingName])
        #expect(proc.warnings.first?.line == 1)
        #expect(proc.names == ["a"])
        #expect(proc.groups.count == 1)
    }

    @Test func duplicateKeysAreKeptInOrder() {
        let proc = ProcCrypto(parsing: "name : a\npriority : 1\npriority : 2\n")
        let entry = proc.entries[0]
        #expect(entry.values(for: "priority") == ["1", "2"])
        #expect(entry.priority == 1)
        #expect(proc.warnings.map(\.reason) == [.duplicateKey])
    }

    @Test func unknownFieldsAndValuesWithColonsAreKept() {
        let proc = ProcCrypto(parsing: "name : a\nfuture field : x:y : z\ntype : skcipher\n")
        #expect(proc.entries[0].fields.map(\.key) == ["name", "future field", "type"])
        #expect(proc.entries[0]["future field"] == "x:y : z")
    }

    @Test func emptyKeyIsIgnored() {
        let proc = ProcCrypto(parsing: "name : a\n : value\n")
        #expect(proc.entries[0].fields.count == 1)
        #expect(proc.warnings.map(\.reason) == [.emptyKey])
    }

    @Test func hugeAndNonDecimalNumbersBecomeNil() {
        let proc = ProcCrypto(parsing: "name : a\npriority : 99999999999999999999999999\nblocksize : 0x10\nivsize : -1\n")
        let entry = proc.entries[0]
        #expect(entry.priority == nil)
        #expect(entry["priority"] == "99999999999999999999999999")
        #expect(entry.blockSize == nil)
        #expect(entry.ivSize == -1)
    }

    @Test func unexpectedFlagValuesBecomeNil() {
        let entry = ProcCrypto(parsing: "name : a\ninternal : maybe\nasync : YES\n").entries[0]
        #expect(entry.isInternal == nil)
        #expect(entry.isAsync == nil)
        #expect(entry.isSelectable)
    }

    @Test func invalidUTF8IsDecodedLossily() {
        let bytes: [UInt8] = Array("name : a".utf8) + [0xFF, 0xFE] + Array("\ntype : rng\n\n".utf8) + [0xC3]
        let proc = ProcCrypto(parsing: bytes)
        #expect(proc.entries.count == 1)
        #expect(proc.entries[0].name == "a\u{FFFD}\u{FFFD}")
        #expect(proc.entries[0].socketType == .rng)
        #expect(proc.warnings.map(\.reason) == [.missingSeparator])
    }

    @Test func nulBytesAndLongLinesDoNotBreakParsing() {
        let long = String(repeating: "z", count: 10_000)
        let proc = ProcCrypto(parsing: "name : a\0b\n\(long)\n")
        #expect(proc.entries[0].name == "a\0b")
        #expect(proc.warnings.first?.text.count == 200)
    }
}
