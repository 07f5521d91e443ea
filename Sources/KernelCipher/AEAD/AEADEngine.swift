#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The engine side of an `AEADTransform`: one keyed AEAD instance with a fixed tag size that hands out op slots.
/// Implementations must be thread-safe.
protocol AEADEngine: Engine {
    /// The algorithm's facts (IV, tag and key sizes, driver).
    var properties: AEADProperties { get }
    /// Creates a new slot that runs one request at a time.
    func makeSlot() throws(KernelCipherError) -> any AEADSlot
    /// Largest associated data + input one request accepts, if the engine has a limit.
    var maximumRequest: (limit: Int, reason: String)? { get }
    /// Largest `async` input that runs inline unless `Options.asyncInlineLimit` says otherwise.
    var defaultAsyncInlineLimit: Int { get }
    /// The dispatcher for callback and large async requests (the engine picks the completion mode).
    func makeDispatcher(slots: AEADSlotPool, options: TransformOptions) -> AEADDispatcher
}

extension AEADEngine {
    var driver: String { properties.driver }

    /// Worker threads on the transform's slot pool (the software engine's only mode).
    func makeDispatcher(slots: AEADSlotPool, options: TransformOptions) -> AEADDispatcher {
        .workers(slots: slots, options: options, run: AEADWork.run(on:_:))
    }
}

/// One unit of AEAD capacity (an AF_ALG op socket, an EVP context pair), used by one thread at a time.
protocol AEADSlot: AnyObject {
    /// Runs one whole request. Encrypt: `output` = ciphertext ‖ tag (`input.count + tagSize` bytes). Decrypt:
    /// `input` = ciphertext ‖ tag, `output` = plaintext (`input.count - tagSize` bytes), zeroed and
    /// `.authenticationFailed` thrown when the tag does not verify. Lengths are already validated.
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError)
}

/// The AEAD family's request payload for the runtime's `Job`.
@usableFromInline
struct AEADWork: Sendable {
    let operation: CipherOperation
    let iv: [UInt8]
    let associatedData: [UInt8]
    /// Plaintext (encrypt) or ciphertext ‖ tag (decrypt), owned or in caller memory.
    let buffers: RequestBuffers
    /// Bytes of output (`input ± tagSize`).
    let outputCount: Int
}

/// `ContiguousBytes & Sendable` spelled once.
typealias ContiguousBytesSendable = ContiguousBytes & Sendable

@usableFromInline
typealias AEADJob = Job<AEADWork, [UInt8]>
typealias AEADSlotPool = SlotPool<any AEADSlot>
typealias AEADDispatcher = RequestDispatcher<AEADWork, [UInt8]>

extension PooledSlot where Slot == any AEADSlot {
    /// Runs one request on the slot. A failure marks the slot broken (it may hold queued data), except a tag
    /// mismatch: the kernel consumed that request whole (EBADMSG), so the op socket stays usable.
    @inline(__always)
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        do throws(KernelCipherError) {
            try slot.run(operation, iv: iv, associatedData: associatedData, input: input, output: output)
        } catch {
            if error != .authenticationFailed { isBroken = true }
            throw error
        }
    }
}

extension AEADWork {
    /// Runs this request on a pooled slot and returns its output bytes (the synchronous path and the workers').
    @Sendable
    static func run(on pooled: PooledSlot<any AEADSlot>, _ work: AEADWork) throws(KernelCipherError) -> [UInt8] {
        try work.iv.withUnsafeBytes { iv in
            work.associatedData.withUnsafeBytes { ad in
                Result { () throws(KernelCipherError) -> [UInt8] in
                    try work.buffers.produce(outputCount: work.outputCount, zeroOnFailure: work.operation == .decrypt) {
                        (input, output) throws(KernelCipherError) in
                        try pooled.run(work.operation, iv: iv, associatedData: ad, input: input, output: output)
                    }
                }
            }
        }.get()
    }
}

extension PooledSlot where Slot == any AEADSlot {
    /// Runs one request on the slot into new bytes of `outputCount`.
    @inline(__always)
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, outputCount: Int
    ) throws(KernelCipherError) -> [UInt8] {
        try makeBytes(count: outputCount) { (output) throws(KernelCipherError) in
            try run(operation, iv: iv, associatedData: associatedData, input: input, output: output)
        }
    }
}
