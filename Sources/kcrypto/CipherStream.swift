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
