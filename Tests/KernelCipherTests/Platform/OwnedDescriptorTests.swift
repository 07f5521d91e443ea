import Glibc
import Testing
@_spi(Platform) @testable import KernelCipher

/// The descriptor owner the library and `kcrypto` share: closes once, hands a descriptor back on `release()`, and
/// reads and writes whole buffers.
@Suite struct OwnedDescriptorTests {
    /// A pipe's write end closes when its owner ends (the reader sees end of input), and stays open after
    /// `release()` (a byte written through the released number arrives). Checked through the pipe rather than by
    /// descriptor number, which a parallel test may reuse.
    @Test func closesWhenItEndsUnlessReleased() throws {
        var fds: [CInt] = [0, 0]
        try #require(pipe(&fds) == 0)
        let reader = OwnedDescriptor(adopting: fds[0])
        let released = OwnedDescriptor(adopting: fds[1]).release()
        try [UInt8(7)].withUnsafeBytes { bytes in try writeFully(released, bytes).get() }
        do {
            let writer = OwnedDescriptor(adopting: released)
            #expect(writer.rawValue == released)
        }
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try buffer.withUnsafeMutableBytes { try reader.readFully(into: $0) } == 1)
        #expect(buffer[0] == 7)
    }

    @Test func opensReportErrno() {
        #expect(throws: Errno.noSuchEntry) { _ = try OwnedDescriptor(opening: "/nonexistent/x", flags: O_RDONLY) }
    }

    /// Through a pipe: all bytes written arrive, `readFully` stops at end of input, `status` sees a FIFO.
    @Test func readsAndWritesWholeBuffers() throws {
        var fds: [CInt] = [0, 0]
        try #require(pipe(&fds) == 0)
        let reader = OwnedDescriptor(adopting: fds[0])
        let writer = OwnedDescriptor(adopting: fds[1])
        let message = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try message.withUnsafeBytes { bytes in try writer.writeFully(bytes) }
        #expect(try writer.status().st_mode & S_IFMT == S_IFIFO)
        _ = consume writer  // end of input for the reader
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = try buffer.withUnsafeMutableBytes { try reader.readFully(into: $0) }
        #expect(count == message.count)
        #expect(Array(buffer[..<count]) == message)
    }
}
