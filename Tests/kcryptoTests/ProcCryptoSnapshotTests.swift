import Foundation
import KernelCipherTestSupport
import Testing
import KernelCipher

/// Parses every committed `/proc/crypto` snapshot (this host's and the VM kernels').
@Suite struct ProcCryptoSnapshotTests {
    @Test func atLeastTheHostSnapshotIsCommitted() {
        #expect(!Fixtures.procCryptoSnapshots.isEmpty)
    }

    @Test(arguments: Fixtures.procCryptoSnapshots)
    func parsesSnapshotCompletely(url: URL) throws {
        let bytes = try ProcCrypto.readContents(path: url.path)
        let proc = ProcCrypto(parsing: bytes)
        #expect(proc.warnings.isEmpty, "\(proc.warnings.prefix(3))")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(proc.entries.count == text.split(separator: "\n").filter { $0.hasPrefix("name ") }.count)
        let fieldLines = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
        #expect(proc.entries.reduce(0) { $0 + $1.fields.count } == fieldLines)
        for entry in proc.entries {
            #expect(entry.name != nil && entry.driver != nil && entry.type != nil && entry.priority != nil)
            #expect(entry.isInternal != nil)
            if entry.socketType == .skcipher { #expect(entry.minKeySize != nil && entry.ivSize != nil) }
            if entry.socketType == .hash { #expect(entry.digestSize != nil) }
        }
        for group in proc.groups {
            let priorities = group.drivers.compactMap(\.priority)
            #expect(priorities == priorities.sorted(by: >))
        }
        // Every snapshot kernel has at least one AF_ALG-bindable, selectable algorithm.
        #expect(proc.groups.contains { group in AFALGSocketType.allCases.contains { group.selected(for: $0) != nil } })
    }
}
