#if canImport(Glibc)
import Glibc
#endif
@_spi(Platform) import KernelCipher

/// `enc`/`dec` over two threads: an I/O thread reads chunks ahead and writes the finished ones while the calling
/// thread runs the cipher, so reading, ciphering and writing overlap (issue 22, target 7).
///
/// Memory is bounded: `slots` source buffers of one chunk and as many output buffers. Chunks go through the stages
/// strictly in order (read, ciphered, written counters), so the output is the sequential loop's byte for byte, and
/// a failure is reported as the sequential loop reports it: the earliest in the order read 0, cipher 0, write 0,
/// read 1, … (a read error after chunk j is reported only once chunks before j are written; a write error before
/// a later read or cipher error wins). The stream's own rules (decryption holds back its last block until
/// `finish`) are untouched: the pipeline only feeds `update`.
final class CipherPipeline: @unchecked Sendable {
    /// Where the bytes come from and go: a descriptor and its name as shown in messages.
    struct Endpoint: Sendable {
        let fd: CInt
        let name: String
    }

    /// What the two threads share, guarded by `lock`.
    struct State {
        /// Chunks read (their bytes in `sources[i % slots]`), ciphered (in `targets`), written.
        var read = 0, ciphered = 0, written = 0
        /// Bytes read into each slot, and bytes the cipher wrote to each slot's target.
        var inputCounts: [Int], outputCounts: [Int]
        /// No more reads: a short read (end of input) or a read error.
        var readEnded = false
        /// The read that failed (it is the chunk numbered `read`).
        var readError: CipherCommandError?
        /// The write that failed; the I/O thread stops after it.
        var writeError: CipherCommandError?
        /// The cipher thread is done (or failed): read nothing more, write what is ciphered.
        var draining = false
        /// Everything ciphered is written or a write failed: the I/O thread returns.
        var exit = false
    }

    let chunkSize: Int
    let slots: Int
    private let sources: [UnsafeMutableRawBufferPointer]
    private let targets: [UnsafeMutableRawBufferPointer]
    private let input: Endpoint
    private let output: Endpoint
    private let lock: ConditionLock<State>

    /// Buffers for `slots` chunks of `chunkSize` bytes, each with an output buffer of `targetSize` bytes.
    init(chunkSize: Int, targetSize: Int, slots: Int = 3, input: Endpoint, output: Endpoint) {
        precondition(slots >= 2 && chunkSize > 0)
        self.chunkSize = chunkSize
        self.slots = slots
        sources = (0..<slots).map { _ in .allocate(byteCount: chunkSize, alignment: 64) }
        targets = (0..<slots).map { _ in .allocate(byteCount: targetSize, alignment: 64) }
        self.input = input
        self.output = output
        lock = ConditionLock(State(inputCounts: Array(repeating: 0, count: slots),
                                  outputCounts: Array(repeating: 0, count: slots)))
    }

    deinit {
        // Plaintext passes through both: zero them before freeing.
        for buffer in sources + targets { cleanse(buffer); buffer.deallocate() }
    }

    /// Reads `input` to its end through `stream.update` to `output`, the I/O on a second thread once the first chunk
    /// came back full (a shorter input runs on the calling thread alone). `progress` advances on the calling thread
    /// as each chunk is taken. Returns after every ciphered chunk is written; the caller finishes the stream.
    func run(_ stream: inout CipherStream, progress: Progress?) throws(CipherCommandError) {
        let first = try CipherInput.readFull(fd: input.fd, name: input.name, into: sources[0])
        if first < chunkSize {
            progress?.advance(by: first)
            let written = try cipher(&stream, slot: 0, count: first)
            try CipherOutput.write(fd: output.fd, name: output.name, UnsafeRawBufferPointer(rebasing: targets[0][..<written]))
            return
        }
        lock.withLock { $0.read = 1; $0.inputCounts[0] = first }
        let thread: pthread_t
        switch spawnThread({ [self] in transfer() }) {
        case .success(let started): thread = started
        case .failure(let errno): throw .refused("cannot start the I/O thread: \(errno)")
        }
        var failure: CipherCommandError?
        var next = 0
        while true {
            enum Step { case chunk(Int), stop(CipherCommandError?) }
            let step = lock.withLock(waitingUntil: { $0.read > next || $0.readEnded || $0.writeError != nil }) { s in
                if s.writeError != nil { return Step.stop(nil) }
                if s.read > next { return .chunk(s.inputCounts[next % slots]) }
                return .stop(s.readError)
            }
            guard case .chunk(let count) = step else {
                if case .stop(let error) = step { failure = error }
                break
            }
            progress?.advance(by: count)
            do {
                let written = try cipher(&stream, slot: next % slots, count: count)
                lock.withLock { $0.outputCounts[next % slots] = written; $0.ciphered = next + 1 }
                lock.broadcast()
            } catch {
                failure = error
                break
            }
            next += 1
            if count < chunkSize { break }
        }
        // Write what is ciphered (a write error there comes first in the sequential order), then stop the thread.
        lock.withLock { $0.draining = true }
        lock.broadcast()
        let writeError = lock.withLock(waitingUntil: { $0.written == $0.ciphered || $0.writeError != nil }) { s in
            s.exit = true
            return s.writeError
        }
        lock.broadcast()
        pthread_join(thread, nil)
        if let writeError { throw writeError }
        if let failure { throw failure }
    }

    /// Runs `count` bytes of `slot`'s source through the stream into its target; returns the bytes written there.
    private func cipher(_ stream: inout CipherStream, slot: Int, count: Int) throws(CipherCommandError) -> Int {
        do {
            return try stream.update(UnsafeRawBufferPointer(rebasing: sources[slot][..<count]), into: targets[slot])
        } catch {
            throw .cipher(error)
        }
    }

    /// The I/O thread: writes each ciphered chunk as soon as it is ready (freeing its slot) and reads ahead into
    /// free slots, until told to exit or a write fails.
    private func transfer() {
        enum Action { case write(Int, Int), read(Int), exit }
        while true {
            let action = lock.withLock(waitingUntil: { s in
                s.exit || s.ciphered > s.written || (!s.readEnded && !s.draining && s.read < s.written + slots)
            }) { s -> Action in
                if s.ciphered > s.written { return .write(s.written, s.outputCounts[s.written % slots]) }
                if s.exit { return .exit }
                return .read(s.read)
            }
            switch action {
            case .exit:
                return
            case .write(let chunk, let count):
                let bytes = UnsafeRawBufferPointer(rebasing: targets[chunk % slots][..<count])
                let failed: CipherCommandError?
                do { try CipherOutput.write(fd: output.fd, name: output.name, bytes); failed = nil } catch { failed = error }
                lock.withLock { s in
                    if let failed { s.writeError = failed } else { s.written += 1 }
                }
                lock.broadcast()
                if failed != nil { return }
            case .read(let chunk):
                let result = Result { () throws(CipherCommandError) in
                    try CipherInput.readFull(fd: input.fd, name: input.name, into: sources[chunk % slots])
                }
                lock.withLock { s in
                    switch result {
                    case .success(let count):
                        s.inputCounts[chunk % slots] = count
                        s.read += 1
                        if count < chunkSize { s.readEnded = true }
                    case .failure(let error):
                        s.readError = error
                        s.readEnded = true
                    }
                }
                lock.broadcast()
            }
        }
    }
}
