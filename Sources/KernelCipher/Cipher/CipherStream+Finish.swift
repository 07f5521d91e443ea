extension CipherStream {
    /// Ends the message and returns its last bytes: the held bytes run as the last request (padded first when
    /// encrypting with PKCS#7; padding checked and stripped when decrypting).
    public consuming func finish() throws(KernelCipherError) -> [UInt8] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(finishOutputCapacity, 1), alignment: 16)
        defer {
            cleanse(scratch)
            scratch.deallocate()
        }
        let count = try complete(into: scratch)
        return [UInt8](UnsafeRawBufferPointer(rebasing: scratch[..<count]))
    }

    /// Ends the message, writing its last bytes to `output` (at least ``finishOutputCapacity`` bytes); returns the
    /// bytes written. The stream ends whether or not this throws.
    ///
    /// Errors: `.inputNotBlockMultiple` (total length, block size) when a block mode without padding, or a PKCS#7
    /// decryption, was not fed whole blocks; `.inputTooShort` for an empty PKCS#7 ciphertext or below the
    /// algorithm's minimum; `.invalidPadding` when the decrypted padding is wrong (nothing of the last block is
    /// written); any request error.
    public consuming func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Int {
        try complete(into: output)
    }

    /// `finish(into:)`'s work, on a stream the caller then ends.
    private mutating func complete(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Int {
        if let failure { throw failure }
        let capacity = finishOutputCapacity
        if output.count < capacity { throw .outputTooSmall(length: output.count, needed: capacity) }
        let facts = transform.properties
        let block = facts.blockSize
        var length = heldCount
        switch (padding, operation) {
        case (.pkcs7, .encrypt):
            let pad = block - heldCount % block
            UnsafeMutableRawBufferPointer(rebasing: held[heldCount..<(heldCount + pad)])
                .initializeMemory(as: UInt8.self, repeating: UInt8(pad))
            length += pad
        case (.pkcs7, .decrypt):
            if inputCount == 0 { throw .inputTooShort(length: 0, minimum: block) }
            if inputCount % block != 0 { throw .inputNotBlockMultiple(length: inputCount, blockSize: block) }
        case (.none, _):
            if facts.requiresBlockMultiple && inputCount % block != 0 {
                throw .inputNotBlockMultiple(length: inputCount, blockSize: block)
            }
        }
        guard length > 0 || facts.minimumInput > 0 else { return 0 }
        // In place in the stream's own memory: a decrypted last block leaves it only once its padding checked out.
        let region = UnsafeMutableRawBufferPointer(rebasing: held[..<length])
        try run(UnsafeRawBufferPointer(region), into: region)
        if padding == .pkcs7 && operation == .decrypt {
            let last = UnsafeRawBufferPointer(rebasing: region[(length - block)...])
            guard let pad = CipherPadding.pkcs7Length(last) else { throw .invalidPadding }
            length -= pad
        }
        output.copyMemory(from: UnsafeRawBufferPointer(rebasing: region[..<length]))
        return length
    }
}

extension CipherPadding {
    /// The PKCS#7 padding length of a final block, or nil when any padding byte is wrong. Every byte of the block
    /// is examined with the same operations whatever the padding value (no early exit, no data-dependent branch),
    /// as swift-crypto's AES_CBC_boring unpadding does.
    static func pkcs7Length(_ block: UnsafeRawBufferPointer) -> Int? {
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
