import Foundation
import Testing

/// The one `k = v` vector reader: the layouts the vendored files use, and every vendored file read to its last case.
@Suite struct VectorReaderTests {
    @Test("sections and parameter blocks stay in force until set again; a case's own fields win")
    func parametersCarry() {
        let text = """
            # comment
            Plen = 24
            Tlen = 16

            [Alen = 0, Nlen = 7]

            Key = 00ff
            Nonce = 0102

            Count = 0
            Adata = 00
            CT = aa

            Count = 1
            Nonce = 0303
            CT = bb

            [Alen = 1]

            Key = 1111

            Count = 2
            Plen = 0
            CT = cc
            """
        let records = VectorReader.parse(text, file: "ccm.rsp")
        #expect(records.map { $0.int("COUNT") } == [0, 1, 2])
        #expect(records.map { $0.bytes("KEY") } == [[0x00, 0xff], [0x00, 0xff], [0x11, 0x11]])
        #expect(records.map { $0.bytes("NONCE") } == [[1, 2], [3, 3], [1, 2]], "a case's field does not carry on")
        #expect(records.map { $0.int("ALEN") } == [0, 0, 1])
        #expect(records.map { $0.int("NLEN") } == [7, 7, 7])
        #expect(records.map { $0.int("PLEN") } == [24, 24, 0])
        #expect(records.map { $0["ADATA"] } == ["00", nil, nil])
        #expect(records.map(\.line) == [10, 14, 22])
    }

    @Test("GCM: [Taglen] sections, empty values, FAIL markers, CRLF line ends")
    func gcmLayout() {
        let text = "[Keylen = 128]\r\n[Taglen = 96]\r\n\r\nCount = 0\r\nKey = 01\r\nCT = \r\nTag = 02\r\nFAIL\r\n\r\n"
            + "Count = 1\r\nKey = 03\r\nCT =\r\nTag = 04\r\nPT = 05\r\n"
        let records = VectorReader.parse(text, file: "gcm.rsp")
        #expect(records.count == 2)
        #expect(records.map(\.markers) == [["FAIL"], []])
        #expect(records.map { $0.int("TAGLEN") } == [96, 96])
        #expect(records.map { $0.bytes("CT") } == [[], []])
        #expect(records.map { $0.bytes("PT", or: [9]) } == [[9], [5]])
    }

    @Test("`K= v`, quoted strings, Len-identified cases, comments inside a block, names in any case")
    func otherLayouts() {
        let text = """
            [L = 20]

            Len = 8
            # "a"
            Msg = 61
            MD = 0102

            COUNT = 1
            KEY= 0a0b
            IN= "Hi = there"
            result = CIPHERFINAL_ERROR
            """
        let records = VectorReader.parse(text, file: "mixed.txt")
        #expect(records.count == 2)
        #expect(records[0].int("LEN") == 8 && records[0].bytes("MSG") == [0x61] && records[0].int("L") == 20)
        #expect(records[1].bytes("KEY") == [0x0a, 0x0b])
        #expect(records[1].bytes("IN") == Array("Hi = there".utf8))
        #expect(records[1]["RESULT"] == "CIPHERFINAL_ERROR" && records[1]["IV", "NONCE"] == nil)
    }

    @Test("a case missing a field the suite requires stops the run, naming file and line")
    func missingFieldTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = VectorReader.parse("COUNT = 0\nKEY = 00\n", file: "short.rsp")[0].bytes("PLAINTEXT", "PT")
        }
    }

    /// Every `COUNT`/`Len` line of every vendored file, counted line by line, is one case the reader returns: a file
    /// whose blank lines went missing, or a reader that drops blocks, fails here.
    @Test("every vendored vector file: one case per COUNT/Len line")
    func everyVendoredCase() throws {
        let root = try #require(Bundle.module.url(forResource: "Vectors", withExtension: nil, subdirectory: "Resources"))
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL])
            .filter { ["rsp", "txt"].contains($0.pathExtension) }
        #expect(files.count == 68)  // find Resources/Vectors -name "*.rsp" -o -name "*.txt"
        var total = 0
        for url in files {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            let caseLines = text.split(whereSeparator: \.isNewline).filter { line in
                let name = line.prefix { $0 != "=" }.trimmingCharacters(in: .whitespaces).uppercased()
                return line.contains("=") && !line.hasPrefix("#") && !line.hasPrefix("[") && VectorReader.caseFields.contains(name)
            }
            let records = VectorReader.parse(text, file: url.lastPathComponent)
            #expect(records.count == caseLines.count && !records.isEmpty, "\(url.lastPathComponent)")
            total += records.count
        }
        #expect(total == 3_093)  // grep -ciE "^ *(count|len) *=" over the same files
    }
}
