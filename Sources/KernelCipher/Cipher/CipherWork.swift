#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cipher family's request payload for the runtime's `Job`: operation, IV and buffers.
@usableFromInline
struct CipherWork: Sendable {
    /// Encrypt or decrypt.
    let operation: CipherOperation
    /// The request's IV (already validated against the transform's IV size).
    let iv: [UInt8]
    /// Where the request reads and writes.
    let buffers: RequestBuffers
}

/// A cipher request in the runtime: its work, and the output bytes (empty when written into caller memory).
@usableFromInline
typealias CipherJob = Job<CipherWork, [UInt8]>
/// The cipher family's slot pool.
typealias CipherSlotPool = SlotPool<any CipherSlot>
/// The cipher family's request dispatcher.
typealias CipherDispatcher = RequestDispatcher<CipherWork, [UInt8]>

extension PooledSlot where Slot == any CipherSlot {
    /// Runs one request on the slot (`CipherSlot.run`); a failure marks the slot broken.
    @inline(__always)
    func run(
        _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        try use { (slot) throws(KernelCipherError) in try slot.run(operation, iv: iv, input: input, output: output) }
    }
}

extension CipherWork {
    /// Runs this request on a pooled slot (the worker side, `SlotPool.execute`): output allocated for owned
    /// bytes, written in place for caller memory (then the result is empty).
    @Sendable
    static func run(on pooled: PooledSlot<any CipherSlot>, _ work: CipherWork) throws(KernelCipherError) -> [UInt8] {
        try work.iv.withUnsafeBytes { iv in
            Result { () throws(KernelCipherError) -> [UInt8] in
                try work.buffers.produce(outputCount: work.buffers.count) { (input, output) throws(KernelCipherError) in
                    try pooled.run(work.operation, iv: iv, input: input, output: output)
                }
            }
        }.get()
    }
}

extension RequestDispatcher where Work == CipherWork, Output == [UInt8] {
    /// Worker threads (`.threads`) running each job on a slot from `slots`.
    static func workers(slots: CipherSlotPool, options: TransformOptions) -> CipherDispatcher {
        .workers(slots: slots, options: options, run: CipherWork.run(on:_:))
    }
}
