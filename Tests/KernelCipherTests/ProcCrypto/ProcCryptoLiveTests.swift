import Testing
@testable import KernelCipher

@Suite struct ProcCryptoLiveTests {
    static let procCryptoReadable = (try? ProcCrypto.readContents(path: "/proc/crypto")) != nil

    @Test(.enabled(if: procCryptoReadable, "/proc/crypto not readable"))
    func readsWholeFileBeyondOnePage() throws {
        let bytes = try ProcCrypto.readContents(path: "/proc/crypto")
        // seq_file hands out one page per read(); Foundation's one-shot read stops near 4 KiB.
        #expect(bytes.count > 4096)
        let proc = ProcCrypto(parsing: bytes)
        #expect(proc.warnings.isEmpty)
        let nameLines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("name ") }.count
        #expect(proc.entries.count == nameLines)
        // Every block is complete: crypto/proc.c prints these for every algorithm.
        for entry in proc.entries {
            #expect(entry.name != nil && entry.driver != nil && entry.module != nil && entry.type != nil)
            #expect(entry.priority != nil && entry.refcnt != nil && entry.isInternal != nil)
        }
        // The last entry is as complete as the first one (nothing cut at a page boundary).
        #expect(bytes.last == UInt8(ascii: "\n"))
    }

    @Test func readReportsErrno() throws {
        #expect(throws: Errno.noSuchEntry) { try ProcCrypto.read(path: "/nonexistent/proc/crypto") }
        #expect(throws: Errno(rawValue: 21)) { try ProcCrypto.read(path: "/") }  // EISDIR
    }
}
