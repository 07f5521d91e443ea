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
    /// `encrypt(_:into:iv:)` on the calling thread, caller buffers reused (inflight 1).
    case sync
    /// The callback `Request` API over caller buffers, N requests kept in flight.
    case request
    /// `try await tfm.encrypt(_:iv:)` from N concurrent tasks (returns a new array per call).
    case async
}

/// One measured period: messages completed and wall time.
struct SpeedSample: Sendable {
    var messages: Int
    var seconds: Double
    var nsPerMessage: Double { seconds * 1e9 / Double(max(1, messages)) }
}

/// Time loops over the public `Transform` API; the same batching as Benchmarks/CBaseline/main.c.
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

    /// Synchronous path: `encrypt(_:into:iv:)` on reused buffers, clock read once per (growing) batch.
    static func sync(_ tfm: Transform, size: Int, seconds: Double) throws -> SpeedSample {
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: pageAlignment)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: pageAlignment)
        defer { input.deallocate(); output.deallocate() }
        for i in 0..<input.count { input[i] = UInt8(truncatingIfNeeded: i) }
        let ivBytes = iv(count: tfm.ivSize)
        return try ivBytes.withUnsafeBytes { iv in
            let src = UnsafeRawBufferPointer(rebasing: input[0..<size])
            let dst = UnsafeMutableRawBufferPointer(rebasing: output[0..<size])
            for _ in 0..<3 { try tfm.encrypt(src, into: dst, iv: iv) }
            var batch = 1, done = 0
            let start = now(), target = seconds / 64
            var t = start
            while t - start < seconds {
                let b0 = t
                for _ in 0..<batch { try tfm.encrypt(src, into: dst, iv: iv) }
                done += batch
                t = now()
                if t - b0 < target && batch < 1 << 24 { batch *= 2 }
            }
            return SpeedSample(messages: done, seconds: t - start)
        }
    }

    /// Callback Request API: `inflight` chains over caller buffers, each completion resubmits until time is up.
    static func requests(_ tfm: Transform, size: Int, inflight: Int, seconds: Double) throws -> SpeedSample {
        let run = RequestRun(inflight: inflight)
        let buffers = (0..<inflight).map { _ in
            (UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: pageAlignment),
             UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: pageAlignment))
        }
        defer { for (a, b) in buffers { a.deallocate(); b.deallocate() } }
        for (input, _) in buffers { input.initializeMemory(as: UInt8.self, repeating: 0x5a) }
        let ivBytes = iv(count: tfm.ivSize)
        let completion: Request<Int>.Completion = { request, result in
            if case .failure(let error) = result { run.fail(error); return }
            run.completed.add(1, ordering: .relaxed)
            if run.stop.load(ordering: .relaxed) { run.chainEnded(); return }
            do throws(KernelCipherError) { try request.encrypt() } catch { run.fail(error) }
        }
        let start = now()
        for (i, (input, output)) in buffers.enumerated() {
            let request = Request(
                transform: tfm, input: UnsafeRawBufferPointer(rebasing: input[0..<size]),
                output: UnsafeMutableRawBufferPointer(rebasing: output[0..<size]), iv: ivBytes, context: i,
                completion: completion)
            do throws(KernelCipherError) { try request.encrypt() } catch { run.fail(error) }
        }
        usleep(UInt32(seconds * 1e6))
        run.stop.store(true, ordering: .relaxed)
        run.done.wait()
        let elapsed = now() - start
        if let error = run.error.withLock({ $0 }) { throw error }
        return SpeedSample(messages: run.completed.load(ordering: .relaxed), seconds: elapsed)
    }

    /// Async path: `inflight` tasks each awaiting `encrypt(_:iv:)` in a loop until time is up.
    static func async(_ tfm: Transform, size: Int, inflight: Int, seconds: Double) async throws -> SpeedSample {
        let input = [UInt8](repeating: 0x5a, count: size)
        let ivBytes = iv(count: tfm.ivSize)
        let stop = StopFlag()
        // The stop timer is a plain thread: inline (small) requests never suspend, so the looping tasks occupy every
        // cooperative thread, and a sleeping task or a Dispatch global-queue timer (same pool on Linux) never runs.
        Thread.detachNewThread {
            usleep(UInt32(seconds * 1e6))
            stop.flag.store(true, ordering: .relaxed)
        }
        let start = now()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<inflight {
                group.addTask {
                    var n = 0
                    while !stop.flag.load(ordering: .relaxed) {
                        _ = try await tfm.encrypt(input, iv: ivBytes)
                        n += 1
                    }
                    return n
                }
            }
            return try await group.reduce(0, +)
        }
        return SpeedSample(messages: total, seconds: now() - start)
    }
}

/// A stop flag shared by the async tasks.
final class StopFlag: Sendable {
    let flag = Atomic<Bool>(false)
}

/// Shared state of one Request-API run.
final class RequestRun: Sendable {
    let completed = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    let error = Mutex<KernelCipherError?>(nil)
    let done = DispatchSemaphore(value: 0)
    private let live: Atomic<Int>

    init(inflight: Int) { live = Atomic(inflight) }

    /// A chain stopped resubmitting; the last one wakes the waiter.
    func chainEnded() {
        if live.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
    }

    /// Records the first failure and ends the chain.
    func fail(_ failure: KernelCipherError) {
        error.withLock { if $0 == nil { $0 = failure } }
        stop.store(true, ordering: .relaxed)
        chainEnded()
    }
}
