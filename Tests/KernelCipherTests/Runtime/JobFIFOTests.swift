import Testing
@testable import KernelCipher

/// The backlog queue keeps submission order through interleaved appends and removals, and compacts its storage.
@Suite struct JobFIFOTests {
    private func job(_ tag: UInt8) -> Job {
        Job(operation: .encrypt, iv: [tag], work: .bytes([UInt8]()), completion: nil)
    }

    @Test func keepsOrderAcrossCompaction() {
        var fifo = JobFIFO()
        var expected: [UInt8] = []
        var next: UInt8 = 0
        var popped: [UInt8] = []
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) { fifo.append(job(next)); expected.append(next); next &+= 1 }
            for _ in 0..<(round % 5 + 1) { if let j = fifo.popFirst() { popped.append(j.iv[0]) } }
        }
        #expect(fifo.count == expected.count - popped.count)
        let rest = fifo.removeAll().map { $0.iv[0] }
        #expect(popped + rest == expected)
        #expect(fifo.isEmpty && fifo.popFirst() == nil && fifo.count == 0)
    }
}
