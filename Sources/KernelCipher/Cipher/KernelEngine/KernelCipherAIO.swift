/// The cipher family's AIO request driver (skcipher over `AIOQueue`): sendmsg/read rounds of one AF_ALG chunk
/// (64 KiB, `MSG_MORE` unless it is the last), the op/IV control messages with the first data only, output
/// length = input length. The output is allocated for `.bytes` requests and is the caller's memory for `.caller`.
struct KernelCipherAIODriver: AIORequestDriver {
    typealias Work = CipherWork
    typealias Output = [UInt8]
    typealias Slot = KernelSlot

    private var output = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var ownsOutput = false
    private var total = 0, roundEnd = 0, produced = 0
    /// The next send carries the control messages (the request's first).
    private var control = true
    private var failure: KernelCipherError?

    mutating func begin(_ work: CipherWork, on slot: KernelSlot) {
        total = work.buffers.count
        produced = 0
        roundEnd = 0
        control = true
        if let output = work.buffers.callerOutput {
            self.output = output
            ownsOutput = false
        } else {
            output = .allocate(byteCount: max(total, 1), alignment: 16)
            ownsOutput = true
        }
        work.iv.withUnsafeBytes { slot.control.set(encrypting: work.operation == .encrypt, iv: $0) }
    }

    mutating func advance(_ work: CipherWork, on slot: KernelSlot, after read: Int?) -> AIOStep {
        if let r = read {
            // A read that produced nothing is an error, as in the synchronous path.
            if r <= 0 {
                failure = .kernel(operation: "read (aio)", errno: r == 0 ? .invalidArgument : Errno(rawValue: CInt(-r)))
                return .finished
            }
            produced += r
        }
        if produced >= total { return .finished }
        if produced == roundEnd, let error = sendRound(work, slot) {
            failure = error
            return .finished
        }
        return .read(UnsafeMutableRawBufferPointer(rebasing: output[produced..<roundEnd]))
    }

    mutating func finish(_ work: CipherWork) -> Result<[UInt8], KernelCipherError> {
        let result: Result<[UInt8], KernelCipherError>
        if let failure {
            result = .failure(failure)
        } else if ownsOutput {
            result = .success(Array(UnsafeRawBufferPointer(rebasing: output[0..<total])))
        } else {
            result = .success([])
        }
        if ownsOutput { output.deallocate() }
        output = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        ownsOutput = false
        failure = nil
        return result
    }

    /// Sends the next ≤64 KiB of input (MSG_MORE unless it is the last), the first with the op/IV control data.
    private mutating func sendRound(_ work: CipherWork, _ slot: KernelSlot) -> KernelCipherError? {
        let start = roundEnd
        let end = min(total, start + KernelSlot.chunk)
        roundEnd = end
        let total = total
        var control = control
        defer { self.control = control }
        return work.buffers.withInput { input -> KernelCipherError? in
            var sent = start
            repeat {
                let part = UnsafeRawBufferPointer(rebasing: input[sent..<end])
                do throws(Errno) {
                    sent += try slot.socket.send(part, control: control ? slot.control.bytes : nil, more: end < total)
                } catch {
                    return .kernel(operation: "sendmsg", errno: error)
                }
                control = false
            } while sent < end
            return nil
        }
    }
}

extension KernelSlot: AFALGOpSlot {
    /// The op socket's descriptor (`AFALGSocket.descriptor`).
    var descriptor: CInt { socket.descriptor }

    /// `read(fd, buffer, count)` on the op socket (`AFALGSocket.receive`).
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try socket.receive(into: buffer)
    }
}
