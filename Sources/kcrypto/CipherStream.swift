#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

/// `--padding`: PKCS#7 (block modes) or none.
enum Padding: String, CaseIterable, ExpressibleByArgument {
    case pkcs7, none
}

/// Runs a whole input through a transform in fixed-size chunks (constant memory), chaining the IV between
/// requests and applying or removing PKCS#7 padding at the end.
struct CipherStream {
    /// Input accepted for algorithms that must be processed as one request.
    static let wholeMessageLimit = 16 << 20

    let transform: CipherTransform
    let operation: CipherOperation
    let padding: Padding
    /// The library's rule for continuing the IV across requests (`CipherTransform.ivChaining`).
    let chaining: IVChaining
    /// Bytes per request while streaming; a multiple of 64 so every chaining rule advances whole blocks.
    let chunkSize: Int
    var iv: [UInt8]
    /// Largest request the engine accepted so far; lowered when it refuses a chunk as too large.
    var requestLimit = Int.max

    /// Reads `input` to the end and writes the result to `output`; returns the number of input bytes.
    @discardableResult
    mutating func run(
        from input: borrowing CipherInput, to output: borrowing CipherOutput, progress: Progress?
    ) throws(CipherCommandError) -> Int {
        let blockSize = transform.blockSize
        let capacity = chaining == .wholeMessage ? Self.wholeMessageLimit : chunkSize
        var current = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity + blockSize, alignment: 64)
        var next = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity + blockSize, alignment: 64)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity + blockSize, alignment: 64)
        var total = 0
        defer {
            // Plaintext lives in these buffers: zero what was used before freeing.
            let used = min(total + blockSize, capacity + blockSize)
            for buffer in [current, next, out] {
                explicit_bzero(buffer.baseAddress!, used)
                buffer.deallocate()
            }
        }

        var count = try input.readFull(into: UnsafeMutableRawBufferPointer(rebasing: current[0..<capacity]))
        total = count
        progress?.advance(by: count)
        while true {
            let nextCount = count == capacity
                ? try input.readFull(into: UnsafeMutableRawBufferPointer(rebasing: next[0..<capacity])) : 0
            let isLast = nextCount == 0
            if !isLast && chaining == .wholeMessage {
                throw .inputLength("\(transform.algorithm) is processed as one request (its IV cannot be chained "
                    + "across requests), so kcrypto accepts at most \(capacity) bytes of input")
            }
            var length = count
            if isLast { length = try finalLength(count: count, total: total, block: current) }
            if length > 0 || transform.properties.minimumInput > 0 {
                try crypt(UnsafeRawBufferPointer(rebasing: current[0..<length]),
                          into: UnsafeMutableRawBufferPointer(rebasing: out[0..<length]))
            }
            if isLast && operation == .decrypt && padding == .pkcs7 {
                let last = UnsafeRawBufferPointer(rebasing: out[(length - blockSize)..<length])
                guard let padLength = Self.pkcs7PaddingLength(last) else { throw .badPadding }
                length -= padLength
            }
            try output.write(UnsafeRawBufferPointer(rebasing: out[0..<length]))
            if isLast { break }
            swap(&current, &next)
            count = nextCount
            total += nextCount
            progress?.advance(by: nextCount)
        }
        return total
    }

    /// Runs one chunk as one request, or, when the engine caps requests below the chunk (the kernel engine
    /// takes 64 KiB of chacha20 per request), as several with the IV carried; leaves `iv` ready for the next.
    private mutating func crypt(
        _ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer
    ) throws(CipherCommandError) {
        var offset = 0
        repeat {
            let n = min(source.count - offset, requestLimit)
            let input = UnsafeRawBufferPointer(rebasing: source[offset..<(offset + n)])
            let output = UnsafeMutableRawBufferPointer(rebasing: target[offset..<(offset + n)])
            let result = iv.withUnsafeBytes { [transform, operation] ivBytes in
                Result { () throws(KernelCipherError) in
                    switch operation {
                    case .encrypt: try transform.encrypt(input, into: output, iv: ivBytes)
                    case .decrypt: try transform.decrypt(input, into: output, iv: ivBytes)
                    }
                }
            }
            switch result {
            case .success:
                offset += n
                // The IV for the next request; nil only after a last request that is not whole blocks.
                let ciphertext = operation == .encrypt ? UnsafeRawBufferPointer(output) : input
                if let next = chaining.nextIV(current: iv, ciphertext: ciphertext) { iv = next }
            case .failure(.inputTooLarge(_, let limit, _)) where chaining != .wholeMessage && limit >= 64 && n > limit:
                requestLimit = limit / 64 * 64
            case .failure(let error):
                throw .cipher(error)
            }
        } while offset < source.count
    }

    /// Checks the total length against the padding rules and pads the last chunk when encrypting with PKCS#7;
    /// returns the length of the last request.
    private func finalLength(count: Int, total: Int, block: UnsafeMutableRawBufferPointer) throws(CipherCommandError)
        -> Int
    {
        let blockSize = transform.blockSize
        switch (padding, operation) {
        case (.pkcs7, .encrypt):
            let pad = blockSize - count % blockSize
            for i in count..<(count + pad) { block[i] = UInt8(pad) }
            return count + pad
        case (.pkcs7, .decrypt):
            guard total > 0, total % blockSize == 0 else {
                throw .inputLength("ciphertext length \(total) is not a positive multiple of the block size "
                    + "\(blockSize), as PKCS#7 padding requires")
            }
            return count
        case (.none, _):
            if transform.properties.requiresBlockMultiple && total % blockSize != 0 {
                throw .inputLength("input length \(total) is not a multiple of the block size \(blockSize) "
                    + "(--padding none)" + (operation == .encrypt ? "; use --padding pkcs7" : ""))
            }
            return count
        }
    }

    /// The PKCS#7 padding length of a final block, or nil when any padding byte is wrong. Every byte of the
    /// block is examined with the same operations whatever the padding value (no early exit, no
    /// data-dependent branch), as swift-crypto's AES_CBC_boring unpadding does.
    static func pkcs7PaddingLength(_ block: UnsafeRawBufferPointer) -> Int? {
        let size = UInt32(block.count)
        let pad = UInt32(block[block.count - 1])
        // All-ones masks: (a < b) for values below 2^31.
        func less(_ a: UInt32, _ b: UInt32) -> UInt32 { 0 &- ((a &- b) >> 31) }
        var bad = less(pad, 1) | less(size, pad)
        for i in 0..<block.count {
            let byte = UInt32(block[block.count - 1 - i])
            bad |= less(UInt32(i), pad) & (byte ^ pad)
        }
        return bad == 0 ? Int(pad) : nil
    }
}
