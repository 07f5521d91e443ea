#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The AEAD family's AIO request driver (algif_aead over `AIOQueue`): one `sendmsg` of associated data ‖ input with
/// the op/IV/assoclen control messages, then one read queued with IOCB_CMD_PREADV that scatters the echoed associated
/// data into the slot's scratch and the output into its place: newly allocated memory for `.bytes` requests, the
/// caller's memory for `.caller` ones (no copy of the payload). A tag that does not verify completes with −EBADMSG:
/// `.authenticationFailed`, the output zeroed.
struct KernelAEADAIODriver: AIORequestDriver {
    typealias Work = AEADWork
    typealias Output = [UInt8]
    typealias Slot = KernelAEADSlot

    /// The request's output (`outputCount` bytes), and the allocation behind it when the driver owns it.
    private var output = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var owned: UnsafeMutableRawBufferPointer?
    /// Bytes the read must return (associated data + output).
    private var expected = 0
    private var failure: KernelCipherError?

    mutating func begin(_ work: AEADWork, on slot: KernelAEADSlot) {
        failure = nil
        if let target = work.buffers.callerOutput {
            output = UnsafeMutableRawBufferPointer(rebasing: target[..<work.outputCount])
        } else {
            let allocation = UnsafeMutableRawBufferPointer.allocate(byteCount: max(work.outputCount, 1), alignment: 16)
            owned = allocation
            output = UnsafeMutableRawBufferPointer(rebasing: allocation[..<work.outputCount])
        }
    }

    mutating func advance(_ work: AEADWork, on slot: KernelAEADSlot, after read: Int?) -> AIOStep {
        if let read {
            do throws(KernelCipherError) { try slot.check(read: read, expected: expected, output: output) } catch {
                failure = error
            }
            slot.wipe()
            return .finished
        }
        let output = output
        let sent = work.buffers.withInput { input in
            work.iv.withUnsafeBytes { iv in
                work.associatedData.withUnsafeBytes { ad in
                    Result { () throws(KernelCipherError) -> Int in
                        try slot.send(work.operation, iv: iv, associatedData: ad, input: input, outputCount: output.count)
                    }
                }
            }
        }
        switch sent {
        case .success(let count):
            expected = count
            return .readVector(slot.readVector(output))
        case .failure(let error):
            failure = error
            if work.operation == .decrypt { cleanse(output) }
            slot.wipe()
            return .finished
        }
    }

    mutating func finish(_ work: AEADWork) -> Result<[UInt8], KernelCipherError> {
        let result: Result<[UInt8], KernelCipherError>
        if let failure {
            result = .failure(failure)
        } else if owned != nil {
            result = .success(Array(UnsafeRawBufferPointer(output)))
        } else {
            result = .success([])
        }
        if let owned {
            cleanse(owned)
            owned.deallocate()
        }
        owned = nil
        output = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        failure = nil
        return result
    }
}
