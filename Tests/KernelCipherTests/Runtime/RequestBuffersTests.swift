import Foundation
import Testing
@_spi(Platform) @testable import KernelCipher

/// `RequestBuffers` and `makeBytes`: the lengths stored beside the storage, and output arrays allocated without the
/// standard library's unspecialized path (`UninitializedBytes`).
@Suite struct RequestBuffersTests {
    @Test(arguments: [1, 15, 16, 17, 4096, 65_537, 1 << 20])
    func makeBytesReturnsExactlyWhatFillWrote(count: Int) throws {
        let bytes = try makeBytes(count: count) { (buffer) throws(KernelCipherError) in
            #expect(buffer.count == count)
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        }
        #expect(bytes.count == count)
        #expect(bytes.elementsEqual((0..<count).lazy.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        #expect(bytes.capacity >= count)
    }

    @Test func eachCallGetsItsOwnStorage() throws {
        var first = try makeBytes(count: 32) { (buffer) throws(KernelCipherError) in buffer.initializeMemory(as: UInt8.self, repeating: 1) }
        let second = try makeBytes(count: 32) { (buffer) throws(KernelCipherError) in buffer.initializeMemory(as: UInt8.self, repeating: 2) }
        first[0] = 9
        #expect(second == [UInt8](repeating: 2, count: 32))
        #expect(first[1...] == [UInt8](repeating: 1, count: 31)[...])
        let base = first.withUnsafeBytes { $0.baseAddress }, other = second.withUnsafeBytes { $0.baseAddress }
        #expect(base != other)
    }

    @Test func makeBytesPassesTheFillsErrorOn() {
        #expect(throws: KernelCipherError.authenticationFailed) {
            _ = try makeBytes(count: 64) { (_) throws(KernelCipherError) in throw .authenticationFailed }
        }
        #expect(throws: KernelCipherError.authenticationFailed) {
            _ = try makeBytes(count: 0) { (_) throws(KernelCipherError) in throw .authenticationFailed }
        }
    }

    @Test func zeroBytesAllocateNothing() throws {
        var calls = 0
        let bytes = try makeBytes(count: 0) { (buffer) throws(KernelCipherError) in
            calls += 1
            #expect(buffer.count == 0)
        }
        #expect(bytes.isEmpty && calls == 1)
    }

    /// The collection `makeBytes` copies from behaves as a collection of `count` zero bytes wherever it is iterated.
    @Test func uninitializedBytesIsAWellFormedCollection() {
        let bytes = UninitializedBytes(count: 5)
        #expect(Array(bytes.makeIterator().lazyElements) == [0, 0, 0, 0, 0])
        #expect(bytes.count == 5 && bytes.indices == 0..<5)
        let target = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 3)
        defer { target.deallocate() }
        var (rest, copied) = bytes._copyContents(initializing: target)
        #expect(copied == 3)
        #expect(rest.next() == 0 && rest.next() == 0 && rest.next() == nil)
    }

    @Test func lengthsAreStoredForOwnedAndCallerBuffers() throws {
        let owned = RequestBuffers.owned(Data(count: 40))
        #expect(owned.count == 40 && owned.outputCount == 40 && owned.callerOutput == nil)
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 1)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 48, alignment: 1)
        defer { input.deallocate(); output.deallocate() }
        let caller = RequestBuffers.caller(UnsafeRawBufferPointer(input), output: output)
        #expect(caller.count == 24 && caller.outputCount == 48 && caller.callerOutput?.baseAddress == output.baseAddress)
        owned.withInput { #expect($0.count == 40) }
        caller.withInput { #expect($0.baseAddress == UnsafeRawPointer(input.baseAddress)) }
        // Caller input without caller output (a hash request over memory): read in place, the output allocated.
        let inputOnly = RequestBuffers.caller(UnsafeRawBufferPointer(input))
        #expect(inputOnly.count == 24 && inputOnly.callerOutput == nil)
        input.initializeMemory(as: UInt8.self, repeating: 7)
        let produced = try inputOnly.produce(outputCount: 5) { (bytes, target) throws(KernelCipherError) in
            #expect(bytes.baseAddress == UnsafeRawPointer(input.baseAddress))
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<target.count]))
        }
        #expect(produced == [UInt8](repeating: 7, count: 5))
    }
}

extension RequestBuffersTests {
    /// Owned input kept as `[UInt8]` (`.array`) or as any other byte type (`.bytes`), and IVs kept or copied: every
    /// family's callback request gives the synchronous call's bytes either way.
    @Test func ownedByteTypesAllGiveTheSynchronousBytes() throws {
        #expect({ if case .array = RequestBuffers.owned([UInt8](repeating: 1, count: 3)).storage { true } else { false } }())
        #expect({ if case .bytes = RequestBuffers.owned(Data(count: 3)).storage { true } else { false } }())

        let key = [UInt8](repeating: 4, count: 16), plain = (0..<48).map { UInt8($0) }
        let cipher = try CipherTransform("cbc(aes)", engine: .software)
        try cipher.setKey(key)
        let aead = try AEADTransform("gcm(aes)", engine: .software)
        try aead.setKey(key)
        let hash = try HashTransform("sha256", engine: .software)
        let collector = RequestConformance.Collector()
        let iv = [UInt8](repeating: 9, count: 16), nonce = [UInt8](repeating: 8, count: 12), ad = [UInt8]("ad".utf8)
        try CipherRequest(transform: cipher, input: plain, iv: iv, context: 0) { collector.record($0.context, $1) }.encrypt()
        try CipherRequest(transform: cipher, input: Data(plain), iv: Data(iv), context: 1) { collector.record($0.context, $1) }.encrypt()
        try CipherRequest(transform: cipher, input: plain[...], iv: iv[...], context: 2) { collector.record($0.context, $1) }.encrypt()
        try AEADRequest(transform: aead, input: plain, iv: nonce, associatedData: ad, context: 3) { collector.record($0.context, $1) }.encrypt()
        try AEADRequest(transform: aead, input: Data(plain), iv: Data(nonce), associatedData: Data(ad), context: 4) {
            collector.record($0.context, $1)
        }.encrypt()
        try HashRequest(transform: hash, input: plain, context: 5) { collector.record($0.context, $1) }.digest()
        try HashRequest(transform: hash, input: Data(plain), context: 6) { collector.record($0.context, $1) }.digest()
        collector.wait(for: 7)
        let expected: [[UInt8]] = [
            try cipher.encrypt(plain, iv: iv), try cipher.encrypt(plain, iv: iv), try cipher.encrypt(plain, iv: iv),
            try aead.encrypt(plain, iv: nonce, associatedData: ad), try aead.encrypt(plain, iv: nonce, associatedData: ad),
            try hash.digest(plain), try hash.digest(plain),
        ]
        let calls = collector.calls.withLock { $0 }
        for (context, bytes) in expected.enumerated() {
            #expect(calls[context]?.count == 1, "request \(context)")
            #expect((try? calls[context]?.output.get()) == bytes, "request \(context)")
        }
    }
}

private extension IteratorProtocol {
    /// The rest of the iterator's elements.
    var lazyElements: [Element] {
        var copy = self, all: [Element] = []
        while let next = copy.next() { all.append(next) }
        return all
    }
}
