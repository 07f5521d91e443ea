import Testing
@testable import KernelCipher

/// The backlog queue keeps submission order through interleaved appends and removals, and compacts its storage.
@Suite struct JobFIFOTests {
    /// The runtime is generic over the work: a tag is enough here.
    private func job(_ tag: UInt8) -> Job<UInt8, Void> { Job(tag, completion: nil) }
    /// The tag of a popped job (the FIFO holds untyped jobs; the queues downcast the same way).
    private func tag(_ job: AnyJob) -> UInt8 { (job as! Job<UInt8, Void>).work }

    @Test func keepsOrderAcrossCompaction() {
        var fifo = JobFIFO()
        var expected: [UInt8] = []
        var next: UInt8 = 0
        var popped: [UInt8] = []
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) { fifo.append(job(next)); expected.append(next); next &+= 1 }
            for _ in 0..<(round % 5 + 1) { if let j = fifo.popFirst() { popped.append(tag(j)) } }
        }
        #expect(fifo.count == expected.count - popped.count)
        let rest = fifo.removeAll().map(tag)
        #expect(popped + rest == expected)
        #expect(fifo.isEmpty && fifo.popFirst() == nil && fifo.count == 0)
    }
}
