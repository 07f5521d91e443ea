#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Foundation
import KernelCipher
import Synchronization

/// Which public API a speed measurement drives.
enum SpeedAPI: String, Codable, Sendable {
    /// The synchronous call into caller memory on the calling thread, buffers reused (inflight 1).
    case sync
    /// The family's callback request over caller memory, N requests kept in flight (SpeedRequestChain.swift).
    case request
    /// The async API (`try await tfm.encrypt(_:iv:)`, `digest(_:)`) from N concurrent tasks (a new array per call).
    case async
}

/// One measured period: messages completed and wall time.
struct SpeedSample: Sendable {
    var messages: Int
    var seconds: Double
    /// Heap allocations during the period (setup included), when the allocation counter is preloaded.
    var allocations: UInt64? = nil
    var allocationsPerMessage: Double? { allocations.map { Double($0) / Double(max(1, messages)) } }
    var nsPerMessage: Double { seconds * 1e9 / Double(max(1, messages)) }
}

extension SpeedSubject {
    /// One timed period of `size`-byte messages through `api`; the loops are the same for every family.
    func measure(_ api: SpeedAPI, size: Int, inflight: Int, seconds: Double) async throws -> SpeedSample {
        let before = SpeedAllocations.now()
        var sample = switch api {
        case .sync: try SpeedMeasurement.sync(self, size: size, seconds: seconds)
        case .request: try SpeedRequestChain.run(self, size: size, inflight: inflight, seconds: seconds)
        case .async: try await SpeedMeasurement.async(self, size: size, inflight: inflight, seconds: seconds)
        }
        if let before, let after = SpeedAllocations.now() { sample.allocations = after - before }
        return sample
    }
}

/// Time loops over the public API of every family; the same batching as Benchmarks/CBaseline/main.c.
enum SpeedMeasurement {
    /// Monotonic seconds (`clock_gettime(CLOCK_MONOTONIC)`).
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Buffers start on a page, as in the C baseline: where a message crosses a page boundary changes the kernel's
    /// work per request (pages pinned and copied), so both sides must place it the same way.
    static let pageAlignment = 4096

    /// The benchmark key and IV: the same bytes the C baseline uses.
    static func key(count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) } }
    static func iv(count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 + 100) } }

    /// Synchronous path: one message at a time into reused buffers, the clock read once per (growing) batch.
    static func sync<S: SpeedSubject>(_ subject: S, size: Int, seconds: Double) throws(KernelCipherError) -> SpeedSample {
        let buffers = SpeedBuffers(count: 1, size: size, outputCount: subject.outputCount(size: size))
        defer { buffers.deallocate() }
        let ivBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(subject.ivSize, 1), alignment: 16)
        defer { ivBuffer.deallocate() }
        let ivBytes = iv(count: subject.ivSize)
        ivBuffer.copyBytes(from: ivBytes)
        let input = buffers.input(0), output = buffers.output(0)
        let iv = UnsafeRawBufferPointer(rebasing: ivBuffer[0..<ivBytes.count])
        for _ in 0..<3 { try subject.run(input, into: output, iv: iv) }
        var batch = 1, done = 0
        let start = now(), target = seconds / 64
        var t = start
        while t - start < seconds {
            let b0 = t
            for _ in 0..<batch { try subject.run(input, into: output, iv: iv) }
            done += batch
            t = now()
            if t - b0 < target && batch < 1 << 24 { batch *= 2 }
        }
        return SpeedSample(messages: done, seconds: t - start)
    }

    /// Async path: `inflight` tasks each awaiting one message at a time until time is up (each at least one);
    /// the first failure stops every task and is what the run throws.
    static func async<S: SpeedSubject>(_ subject: S, size: Int, inflight: Int, seconds: Double) async throws
        -> SpeedSample
    {
        let input = [UInt8](repeating: 0x5a, count: size)
        let ivBytes = iv(count: subject.ivSize)
        let deadline = SpeedDeadline(seconds: seconds)
        defer { deadline.end() }
        let start = now()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<inflight {
                group.addTask {
                    var n = 0
                    repeat {  // at least one message per task, even where the task starts after the deadline
                        do throws(KernelCipherError) {
                            try await subject.runAsync(input, iv: ivBytes)
                        } catch {
                            deadline.end()
                            throw error
                        }
                        n += 1
                    } while !deadline.isUp
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return SpeedSample(messages: total, seconds: now() - start)
    }
}

/// The stop signal of the async loop. The timer is a plain thread sleeping on a semaphore: inline (small) requests
/// never suspend, so the looping tasks occupy every cooperative thread, and a sleeping task or a Dispatch
/// global-queue timer (same pool on Linux) would never run.
final class SpeedDeadline: Sendable {
    private let up = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the timer thread; the deadline is up after `seconds`, or at `end()`.
    init(seconds: Double) {
        Thread.detachNewThread { [self] in
            _ = wake.wait(timeout: .now() + seconds)
            up.store(true, ordering: .relaxed)
        }
    }

    /// Whether the tasks should stop.
    var isUp: Bool { up.load(ordering: .relaxed) }

    /// Stops the tasks now and lets the timer thread exit.
    func end() {
        up.store(true, ordering: .relaxed)
        wake.signal()
    }
}

/// Page-aligned input and output buffers of the speed loops: one pair, or one per request in flight.
struct SpeedBuffers {
    private let inputs: [UnsafeMutableRawBufferPointer]
    private let outputs: [UnsafeMutableRawBufferPointer]
    private let size: Int
    private let outputCount: Int

    /// `count` pairs of a `size`-byte input (filled with a counting pattern) and an `outputCount`-byte output.
    init(count: Int, size: Int, outputCount: Int) {
        let alignment = SpeedMeasurement.pageAlignment
        inputs = (0..<count).map { _ in .allocate(byteCount: max(size, 1), alignment: alignment) }
        outputs = (0..<count).map { _ in .allocate(byteCount: max(outputCount, 1), alignment: alignment) }
        for i in 0..<inputs[0].count { inputs[0][i] = UInt8(truncatingIfNeeded: i) }
        for input in inputs.dropFirst() { input.copyMemory(from: UnsafeRawBufferPointer(inputs[0])) }
        self.size = size
        self.outputCount = outputCount
    }

    /// How many pairs there are.
    var count: Int { inputs.count }
    /// The input of pair `index`.
    func input(_ index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: inputs[index][0..<size]) }
    /// The output of pair `index`.
    func output(_ index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: outputs[index][0..<outputCount])
    }

    /// Frees every buffer (after the last request using them has completed).
    func deallocate() {
        for buffer in inputs + outputs { buffer.deallocate() }
    }
}
