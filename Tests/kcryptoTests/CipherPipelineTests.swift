import Foundation
@_spi(Platform) import KernelCipher
import KernelCipherTestSupport
import Testing

@testable import kcrypto

/// `CipherPipeline` in process: its hand-over between the cipher thread and the I/O thread, over pipes written and
/// drained in odd pieces by other threads so every interleaving of read, cipher and write gets a chance; failures
/// reported in the sequential loop's order. Run under ThreadSanitizer by the sanitizer lane.
@Suite struct CipherPipelineTests {
    static let key = [UInt8](0..<16)
    static let iv = [UInt8](16..<32)

    /// A keyed software transform.
    static func transform(_ algorithm: String) throws -> CipherTransform {
        let transform = try CipherTransform(algorithm, engine: .software, options: .init(maxInFlight: 1))
        try transform.setKey(key)
        return transform
    }

    /// What one stream over the whole message gives (the reference).
    static func reference(_ transform: CipherTransform, _ operation: CipherOperation, padding: CipherPadding,
                          _ message: [UInt8]) throws -> [UInt8] {
        var stream = try transform.makeStream(operation, iv: iv, padding: padding)
        let head = try stream.update(message)
        return head + (try stream.finish())
    }

    /// A pipe: read end, write end.
    static func pipe() throws -> (read: CInt, write: CInt) {
        var fds: [CInt] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// Writes `bytes` to `fd` in pieces of 1…`piece` bytes on another thread, then closes it.
    static func feed(_ fd: CInt, _ bytes: [UInt8], piece: Int, seed: UInt64) -> Thread {
        let thread = Thread {
            var generator = SeededGenerator(state: seed)
            var at = 0
            while at < bytes.count {
                let n = min(bytes.count - at, Int(generator.next() % UInt64(piece)) + 1)
                let done = bytes[at..<(at + n)].withUnsafeBytes { write(fd, $0.baseAddress, n) }
                if done <= 0 { break }
                at += done
            }
            close(fd)
        }
        thread.start()
        return thread
    }

    /// Reads `fd` to its end in pieces of at most `piece` bytes on another thread; `result` returns the bytes.
    final class Drain: @unchecked Sendable {
        private let lock = NSCondition()
        private var bytes: [UInt8] = []
        private var ended = false

        init(_ fd: CInt, piece: Int) {
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: piece)
                var got: [UInt8] = []
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, piece) }
                    if n <= 0 { break }
                    got += buffer[..<n]
                }
                close(fd)
                lock.lock(); bytes = got; ended = true; lock.signal(); lock.unlock()
            }.start()
        }

        /// The bytes read, once the writer closed.
        func result() -> [UInt8] {
            lock.lock(); defer { lock.unlock() }
            while !ended { lock.wait() }
            return bytes
        }
    }

    /// What a run gave: its output, or the error's text.
    enum Outcome: Equatable {
        case output([UInt8])
        case failed(String)
    }

    /// Reads `fd` to its end (so a feeder never writes into a closed pipe), then closes it.
    static func drainAndClose(_ fd: CInt) {
        var sink = [UInt8](repeating: 0, count: 4096)
        while sink.withUnsafeMutableBytes({ read(fd, $0.baseAddress, 4096) }) > 0 {}
        close(fd)
    }

    /// Runs `message` through a pipeline of `slots` chunks of `chunk` bytes, pipe in and pipe out; returns the output
    /// (pipeline chunks, then the stream's last bytes) or the error's text.
    static func run(_ transform: CipherTransform, _ operation: CipherOperation, padding: CipherPadding,
                    _ message: [UInt8], chunk: Int, slots: Int, seed: UInt64) throws -> Outcome {
        let input = try pipe(), output = try pipe()
        let feeder = feed(input.write, message, piece: 3 * chunk, seed: seed)
        let drain = Drain(output.read, piece: chunk / 2 + 7)
        defer { drainAndClose(input.read); _ = feeder }
        var stream = try transform.makeStream(operation, iv: iv, padding: padding)
        let pipeline = CipherPipeline(chunkSize: chunk, targetSize: stream.outputCount(forUpdate: chunk) + 256,
                                      slots: slots, input: .init(fd: input.read, name: "in"),
                                      output: .init(fd: output.write, name: "out"))
        do {
            try pipeline.run(&stream, progress: nil)
            let last = UnsafeMutableRawBufferPointer.allocate(byteCount: stream.finishOutputCapacity + 1, alignment: 16)
            defer { last.deallocate() }
            let n = try stream.finish(into: last)
            _ = write(output.write, last.baseAddress, n)
            close(output.write)
            return .output(drain.result())
        } catch {
            close(output.write)
            _ = drain.result()
            return .failed("\(error)")
        }
    }

    @Test("many runs over pipes in odd pieces give the one-stream bytes (ctr, cbc with PKCS#7, both ways)",
          arguments: [2, 3])
    func raceRoundTrips(slots: Int) throws {
        var generator = SeededGenerator(state: 0x22_07 + UInt64(slots))
        let ctr = try Self.transform("ctr(aes)"), cbc = try Self.transform("cbc(aes)")
        defer { ctr.release(); cbc.release() }
        for round in 0..<150 {
            let chunk = 64 * (Int(generator.next() % 4) + 1)
            let size = Int(generator.next() % UInt64(chunk * 12))
            let message = randomBytes(size, using: &generator)
            let (transform, padding): (CipherTransform, CipherPadding) = round % 2 == 0 ? (ctr, .none) : (cbc, .pkcs7)
            let sealed = try Self.reference(transform, .encrypt, padding: padding, message)
            let encrypted = try Self.run(transform, .encrypt, padding: padding, message, chunk: chunk, slots: slots,
                                         seed: generator.next())
            #expect(encrypted == .output(sealed), "round \(round): size \(size), chunk \(chunk)")
            let decrypted = try Self.run(transform, .decrypt, padding: padding, sealed, chunk: chunk, slots: slots,
                                         seed: generator.next())
            #expect(decrypted == .output(message), "round \(round): size \(size), chunk \(chunk)")
        }
    }

    @Test("a read that fails after three chunks: the three are written, then the read error (as the sequential loop)")
    func readErrorAfterChunks() throws {
        let transform = try Self.transform("ctr(aes)")
        defer { transform.release() }
        let chunk = 64
        let message = randomBytes(3 * chunk + 10, seed: 7)
        let input = try Self.pipe(), output = try Self.pipe()
        defer { close(input.read); close(input.write) }
        // Non-blocking and left open: once the bytes are taken the next read fails with EAGAIN.
        _ = fcntl(input.read, F_SETFL, fcntl(input.read, F_GETFL) | O_NONBLOCK)
        _ = message.withUnsafeBytes { write(input.write, $0.baseAddress, $0.count) }
        let drain = Drain(output.read, piece: 100)
        var stream = try transform.makeStream(.encrypt, iv: Self.iv, padding: .none)
        let pipeline = CipherPipeline(chunkSize: chunk, targetSize: chunk + 256, input: .init(fd: input.read, name: "in"),
                                      output: .init(fd: output.write, name: "out"))
        var failure = ""
        do { try pipeline.run(&stream, progress: nil) } catch { failure = "\(error)" }
        close(output.write)
        let written = drain.result()
        #expect(failure.hasPrefix("cannot read in: EAGAIN"), "\(failure)")
        let expected = try Self.reference(transform, .encrypt, padding: .none, Array(message[..<(3 * chunk)]))
        #expect(written == expected)
    }

    @Test("a write that fails stops the pipeline with the write error, the I/O thread joined")
    func writeErrorStops() throws {
        let transform = try Self.transform("ctr(aes)")
        defer { transform.release() }
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let input = try Self.pipe()
        let feeder = Self.feed(input.write, randomBytes(64 * 40, seed: 9), piece: 200, seed: 3)
        defer { Self.drainAndClose(input.read); _ = feeder }
        var stream = try transform.makeStream(.encrypt, iv: Self.iv, padding: .none)
        let pipeline = CipherPipeline(chunkSize: 64, targetSize: 64 + 256, input: .init(fd: input.read, name: "in"),
                                      output: .init(fd: full, name: "/dev/full"))
        var failure = ""
        do { try pipeline.run(&stream, progress: nil) } catch { failure = "\(error)" }
        #expect(failure == "cannot write /dev/full: ENOSPC (No space left on device)")
    }

    @Test("who pipelines: software engine, a mode that completes bytes per update, chunks ≤ 16 MiB, inputs beyond two chunks")
    func whoPipelines() throws {
        let scratch = try Scratch()
        let ctr = try Self.transform("ctr(aes)"), xts = try CipherTransform("xts(aes)", engine: .software)
        defer { ctr.release(); xts.release() }
        try xts.setKey([UInt8](0..<32))
        func pipelines(_ transform: CipherTransform, size: Int, chunk: Int = 64) throws -> Bool {
            let path = try scratch.write("in\(size)", [UInt8](repeating: 0, count: size))
            let input = try CipherInput(name: FileName(argument: path))
            let stream = try transform.makeStream(.encrypt, iv: Self.iv, padding: .none)
            return CipherStream.pipelines(stream, chunkSize: chunk, input: input)
        }
        #expect(try !pipelines(ctr, size: 0))
        #expect(try !pipelines(ctr, size: 128))
        #expect(try pipelines(ctr, size: 129))
        #expect(try !pipelines(ctr, size: 129, chunk: (16 << 20) + 64))
        #expect(try !pipelines(xts, size: 4096))
        // stdin on /dev/null (not a regular file): unknown length, pipelined once its first chunk is full.
        let stream = try ctr.makeStream(.encrypt, iv: Self.iv, padding: .none)
        #expect(CipherStream.pipelines(stream, chunkSize: 64, input: try CipherInput(name: FileName(argument: "/dev/null"))))
    }
}
