@_spi(Platform) import KernelCipher
import ArgumentParser

/// `--padding`: PKCS#7 (block modes) or none.
enum Padding: String, CaseIterable, ExpressibleByArgument {
    case pkcs7, none

    /// The library's padding.
    var cipherPadding: CipherPadding { self == .pkcs7 ? .pkcs7 : .none }
}

extension CipherStream {
    /// `enc`/`dec`'s I/O around the library's stream: reads `input` to the end in `chunkSize` pieces (constant
    /// memory), writes what the stream completes to `output`, then its last bytes; returns the input length. Errors
    /// about the total length and the padding keep kcrypto's wording (they name `--padding`).
    @discardableResult
    static func pump(
        _ stream: consuming CipherStream, chunkSize: Int,
        from input: borrowing CipherInput, to output: borrowing CipherOutput, progress: Progress?
    ) throws(CipherCommandError) -> Int {
        let (operation, padding, block) = (stream.operation, stream.padding, stream.transform.blockSize)
        if pipelines(stream, chunkSize: chunkSize, input: input) {
            let pipeline = CipherPipeline(
                chunkSize: chunkSize, targetSize: stream.outputCount(forUpdate: chunkSize) + 256,
                input: .init(fd: input.fd, name: input.name), output: .init(fd: output.fd, name: output.name))
            try pipeline.run(&stream, progress: progress)
        } else {
            try sequential(&stream, chunkSize: chunkSize, from: input, to: output, progress: progress)
        }
        return try finish(stream, to: output, operation: operation, padding: padding, block: block)
    }

    /// The largest `--chunk-size` the pipeline takes (it holds six buffers of that size); larger chunks run on
    /// one thread.
    static let pipelineChunkLimit = 16 << 20

    /// Whether `pump` overlaps I/O and ciphering on two threads: software engine (the kernel engine's runs are left
    /// as they were), a mode that completes bytes in each update (not a whole-message mode such as xts), a chunk
    /// size of at most `pipelineChunkLimit`, and an input that is not a regular file of at most two chunks
    /// (small files never pay for a thread; a pipe pays only once its first chunk came back full).
    static func pipelines(_ stream: borrowing CipherStream, chunkSize: Int, input: borrowing CipherInput) -> Bool {
        guard stream.transform.selection.engine == .software, chunkSize <= pipelineChunkLimit,
              stream.outputCount(forUpdate: chunkSize) > 0 else { return false }
        if let size = input.regularFileSize { return size > 2 * chunkSize }
        return true
    }

    /// The one-thread loop: read a chunk, cipher it, write it, until a short read.
    private static func sequential(
        _ stream: inout CipherStream, chunkSize: Int,
        from input: borrowing CipherInput, to output: borrowing CipherOutput, progress: Progress?
    ) throws(CipherCommandError) {
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        let target = UnsafeMutableRawBufferPointer.allocate(byteCount: stream.outputCount(forUpdate: chunkSize) + 256,
                                                            alignment: 64)
        defer {
            // Plaintext passes through both: zero them before freeing.
            for buffer in [source, target] { cleanse(buffer); buffer.deallocate() }
        }
        while true {
            let count = try input.readFull(into: source)
            progress?.advance(by: count)
            let written: Int
            do {
                written = try stream.update(UnsafeRawBufferPointer(rebasing: source[..<count]), into: target)
            } catch {
                throw .cipher(error)
            }
            try output.write(UnsafeRawBufferPointer(rebasing: target[..<written]))
            if count < chunkSize { break }
        }
    }

    /// Ends `stream` and writes its last bytes; returns the input length. Errors about the total length and the
    /// padding keep kcrypto's wording (they name `--padding`).
    private static func finish(
        _ stream: consuming CipherStream, to output: borrowing CipherOutput,
        operation: CipherOperation, padding: CipherPadding, block: Int
    ) throws(CipherCommandError) -> Int {
        let total = stream.inputCount
        let last = UnsafeMutableRawBufferPointer.allocate(byteCount: max(stream.finishOutputCapacity, 1), alignment: 64)
        defer { cleanse(last); last.deallocate() }
        let written: Int
        do {
            written = try stream.finish(into: last)
        } catch .invalidPadding {
            throw .badPadding
        } catch .inputNotBlockMultiple(_, _) where padding == .pkcs7, .inputTooShort(0, _) where padding == .pkcs7 {
            throw .inputLength("ciphertext length \(total) is not a positive multiple of the block size \(block), "
                + "as PKCS#7 padding requires")
        } catch .inputNotBlockMultiple(_, _) {
            throw .inputLength("input length \(total) is not a multiple of the block size \(block) (--padding none)"
                + (operation == .encrypt ? "; use --padding pkcs7" : ""))
        } catch {
            throw .cipher(error)
        }
        try output.write(UnsafeRawBufferPointer(rebasing: last[..<written]))
        return total
    }
}
