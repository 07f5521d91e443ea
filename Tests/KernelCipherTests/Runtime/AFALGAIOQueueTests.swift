#if canImport(Glibc)
import Glibc
#endif
import CLibCrypto
import Testing
@_spi(Platform) @testable import KernelCipher

/// An `algif_hash` op socket for the AIO queue.
final class HashOpSlot: AFALGOpSlot {
    let socket: AFALGSocket
    init(socket: consuming AFALGSocket) { self.socket = socket }
    var descriptor: CInt { socket.descriptor }
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { try socket.receive(into: buffer) }
}

/// A hash family's AIO driver: the message in `sendmsg(MSG_MORE)` parts of ≤ 64 KiB, the last without MSG_MORE
/// (which finalizes), then one read of the digest.
struct HashAIODriver: AIORequestDriver {
    typealias Work = [UInt8]
    typealias Output = [UInt8]
    typealias Slot = HashOpSlot

    let digestSize: Int
    private var digest = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var failure: KernelCipherError?

    init(digestSize: Int) { self.digestSize = digestSize }

    mutating func begin(_ work: [UInt8], on slot: HashOpSlot) {
        digest = .allocate(byteCount: digestSize, alignment: 16)
    }

    mutating func advance(_ work: [UInt8], on slot: HashOpSlot, after read: Int?) -> AIOStep {
        if let read {
            if read != digestSize {
                failure = .kernel(operation: "read (aio hash)", errno: read < 0 ? Errno(rawValue: CInt(-read)) : .invalidArgument)
            }
            return .finished
        }
        let error = work.withUnsafeBytes { message -> Errno? in
            var offset = 0
            repeat {
                let end = min(message.count, offset + (64 << 10))
                do throws(Errno) {
                    offset += try slot.socket.send(
                        UnsafeRawBufferPointer(rebasing: message[offset..<end]), control: nil, more: end < message.count)
                } catch { return error }
            } while offset < message.count
            return nil
        }
        if let error {
            failure = .kernel(operation: "sendmsg (hash)", errno: error)
            return .finished
        }
        return .read(digest)
    }

    mutating func finish(_ work: [UInt8]) -> Result<[UInt8], KernelCipherError> {
        defer { digest.deallocate(); digest = UnsafeMutableRawBufferPointer(start: nil, count: 0); failure = nil }
        if let failure { return .failure(failure) }
        return .success(Array(digest))
    }
}

/// The AIO queue with a non-cipher family: `sha256` through `algif_hash`, against OpenSSL, in the VM.
@Suite(.requiresAFALG, .serialized) struct AFALGAIOQueueTests {
    static func openSSLSHA256(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        let ok = message.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &size, EVP_sha256(), nil) }
        precondition(ok == 1)
        return Array(digest.prefix(Int(size)))
    }

    /// Many messages (empty, one byte, several 64 KiB parts) hashed in parallel on 3 op sockets with a backlog:
    /// every digest equals OpenSSL's, and the op sockets are reused request after request.
    @Test func sha256ThroughTheGenericQueueMatchesOpenSSL() throws {
        let tfm = try AFALGTransformSocket(type: .hash, name: "sha256")
        let opened = LockedValue(0)
        let queue = try AIOQueue(maxInFlight: 3, backlogLimit: 1000, driver: HashAIODriver(digestSize: 32)) {
            () throws(KernelCipherError) -> HashOpSlot in
            switch tfm.accept() {
            case .success(let op):
                opened.withLock { $0 += 1 }
                return HashOpSlot(socket: op)
            case .failure(let errno): throw .kernel(operation: "accept", errno: errno)
            }
        }
        let sizes = [0, 1, 55, 64, 1000, 65_536, 65_537, 200_000] + (0..<40).map { 100 + $0 * 997 }
        let messages = sizes.enumerated().map { i, n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }
        let results = ConditionLock([Int: Result<[UInt8], KernelCipherError>]())
        for (i, message) in messages.enumerated() {
            let job = Job<[UInt8], [UInt8]>(message) { result in
                results.withLock { $0[i] = result }
                results.broadcast()
            }
            _ = try queue.submit(job, mayBacklog: true)
        }
        let all = results.withLock(waitingUntil: { $0.count == messages.count }) { $0 }
        queue.release()
        for (i, message) in messages.enumerated() {
            switch all[i] {
            case .success(let digest)?: #expect(digest == Self.openSSLSHA256(message), "message \(i) (\(message.count) bytes)")
            case .failure(let error)?: Issue.record("message \(i): \(error)")
            case nil: Issue.record("message \(i): no result")
            }
        }
        #expect(opened.withLock { $0 } <= 3)
    }
}
