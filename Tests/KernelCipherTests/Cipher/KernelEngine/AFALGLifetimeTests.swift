import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Lifetimes of the kernel engine's sockets under re-keying, release and failures (issue 10, items 2–5), in both
/// completion modes, through real AF_ALG sockets (in the VM).
@Suite("AF_ALG kernel engine: lifetimes", .requiresAFALG, .serialized)
struct AFALGLifetimeTests {
    static let modes: [CompletionMode] = [.aio, .threads]
    static let keys = [(0..<16).map { UInt8($0) }, (0..<16).map { UInt8(0xF0 ^ $0) }]
    static let iv = [UInt8](repeating: 0x24, count: 16)
    static let plain = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 13) }

    /// The expected ciphertext of `plain` under each of `keys`, from the software engine.
    static func expected() throws -> [[UInt8]] {
        try keys.map { try Conformance.makeTransform("cbc(aes)", .software, key: $0).encrypt(plain, iv: iv) }
    }

    /// Once a caller has received a completion, re-keying succeeds: 5,000 rounds of {setKey, one callback
    /// request, wait for its completion}. The completion yields after handing over its result, as any completion
    /// that does more work after signalling would.
    @Test(arguments: modes) func rekeyAfterCallbackCompletion(mode: CompletionMode) throws {
        try requireAFALG()
        let expected = try Self.expected()
        let tfm = try Conformance.makeTransform("cbc(aes)", .kernel, options: .init(completionMode: mode))
        defer { tfm.release() }
        Conformance.expectMode(tfm, mode)
        let done = DispatchSemaphore(value: 0)
        let outputs = Mutex<[UInt8]?>(nil)
        var failures: [String] = []
        let rounds = 5_000
        for round in 0..<rounds {
            do {
                try tfm.setKey(Self.keys[round % 2])
            } catch {
                failures.append("round \(round): setKey: \(error)")
                continue
            }
            try CipherRequest(transform: tfm, input: Self.plain, iv: Self.iv, context: round) { _, result in
                outputs.withLock { $0 = try? result.get() }
                done.signal()
                sched_yield()
            }.encrypt()
            guard done.wait(timeout: .now() + 60) == .success else { Issue.record("round \(round): no completion"); return }
            if outputs.withLock({ $0 }) != expected[round % 2] { failures.append("round \(round): wrong output") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(rounds) rounds failed; first: \(failures.first ?? "")")
    }

    /// The same for `async` calls above the inline limit (their continuation resumes from the completion).
    @Test(arguments: modes) func rekeyAfterAsyncCompletion(mode: CompletionMode) async throws {
        try requireAFALG()
        let expected = try Self.expected()
        let tfm = try Conformance.makeTransform("cbc(aes)", .kernel,
                                                options: .init(asyncInlineLimit: 16, completionMode: mode))
        defer { tfm.release() }
        Conformance.expectMode(tfm, mode)
        var failures: [String] = []
        let rounds = 5_000
        for round in 0..<rounds {
            do {
                try tfm.setKey(Self.keys[round % 2])
                if try await tfm.encrypt(Self.plain, iv: Self.iv) != expected[round % 2] {
                    failures.append("round \(round): wrong output")
                }
            } catch {
                failures.append("round \(round): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(rounds) rounds failed; first: \(failures.first ?? "")")
    }

    /// Releasing while other threads re-key, run requests and open descriptors of their own: every call works or
    /// throws `.transformReleased` (a re-key may also meet requests in flight: EBUSY), no descriptor of this
    /// process is closed by the engine but its own, and none is left open.
    @Test(arguments: modes) func releaseWhileInUse(mode: CompletionMode) throws {
        try requireAFALG()
        let before = Conformance.openDescriptorCount()
        let unexpected = Mutex<[String]>([])
        // 60 rounds × 4 threads (150 took 64 s per mode under TCG on 6.12); each round races release against all
        // four roles, and the suite runs on two kernels in both completion modes.
        let rounds = 60
        for round in 0..<rounds {
            let tfm = try Conformance.makeTransform("cbc(aes)", .kernel, key: Self.keys[0],
                                                    options: .init(completionMode: mode))
            let progress = Atomic<Int>(0)
            let group = DispatchGroup()
            for role in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    let problem = Self.hammer(tfm, role: role, progress: progress)
                    if let problem { unexpected.withLock { $0.append("round \(round), role \(role): \(problem)") } }
                }
            }
            while progress.load(ordering: .relaxed) < 40 { usleep(50) }
            tfm.release()
            guard group.wait(timeout: .now() + 60) == .success else { Issue.record("round \(round) hung"); return }
        }
        let problems = unexpected.withLock { $0 }
        #expect(problems.isEmpty, "\(problems.count) problems; first: \(problems.prefix(3))")
        #expect(Conformance.openDescriptorCount() == before)
    }

    /// One thread's loop for `releaseWhileInUse` until the transform is released; returns what went wrong, if anything.
    static func hammer(_ tfm: CipherTransform, role: Int, progress: borrowing Atomic<Int>) -> String? {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<KernelCipherError?>(nil)
        var i = 0
        while true {
            do throws(KernelCipherError) {
                switch role {
                case 0: try tfm.setKey(keys[i % 2])
                case 1: _ = try tfm.encrypt(plain, iv: iv)
                case 2:
                    try CipherRequest(transform: tfm, input: plain, iv: iv, context: i) { _, result in
                        if case .failure(let error) = result { outcome.withLock { $0 = error } }
                        done.signal()
                    }.encrypt()
                    guard done.wait(timeout: .now() + 60) == .success else { return "no completion" }
                    if let error = outcome.withLock({ $0 }) { throw error }
                default:
                    // A descriptor of the caller's own: if the engine closed a stale number, this one may be it.
                    var pair: [CInt] = [-1, -1]
                    guard pipe(&pair) == 0 else { return "pipe: \(Errno.current)" }
                    var first = stat(), again = stat()
                    fstat(pair[0], &first)
                    sched_yield()
                    let alive = fstat(pair[0], &again) == 0 && again.st_ino == first.st_ino
                    close(pair[0]); close(pair[1])
                    if !alive { return "a descriptor of the test was closed or replaced underneath it" }
                    if tfm.isReleased { return nil }
                }
            } catch .transformReleased {
                return nil
            } catch .kernel(operation: "setsockopt(ALG_SET_KEY)", errno: .busy) where role == 0 {
                // Documented: re-keying while requests are in flight fails with EBUSY.
            } catch {
                return "\(error)"
            }
            progress.add(1, ordering: .relaxed)
            i += 1
        }
    }

    /// Runs `body` on its own thread; false if it did not return within `seconds` (a deadlock fails, not hangs).
    static func returns(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread { body(); finished.signal() }
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// Releasing the transform from inside a completion works wherever the completion runs: on the submitting
    /// thread (empty input completes while being submitted), on the completion thread or a worker.
    @Test(arguments: modes, [0, 64, 256 << 10]) func releaseFromCompletion(mode: CompletionMode, size: Int) throws {
        try requireAFALG()
        let tfm = try Conformance.makeTransform("ctr(aes)", .kernel, key: Self.keys[0],
                                                options: .init(completionMode: mode))
        let collector = RequestConformance.Collector()
        let accepted = Atomic<Int>(0)
        let returned = Self.returns(within: 60) {
            for i in 0..<8 {
                let input = [UInt8](repeating: UInt8(i), count: i == 0 ? size : 4096)
                do throws(KernelCipherError) {
                    try CipherRequest(transform: tfm, input: input, iv: Self.iv, context: i) { request, result in
                        if request.context == 0 { tfm.release() }
                        collector.record(request.context, result)
                    }.encrypt()
                    accepted.add(1, ordering: .relaxed)
                } catch {
                    #expect(error == .transformReleased, "request \(i)")
                }
            }
        }
        #expect(returned, "submitting (and releasing from a completion) did not return within 60 s: deadlock")
        guard returned else { return }
        collector.wait(for: accepted.load(ordering: .relaxed), timeout: 60)
        #expect(tfm.isReleased)
        let table = collector.calls.withLock { $0 }
        #expect(table[0]?.count == 1 && (try? table[0]?.output.get().count) == size)
        for (context, entry) in table where context != 0 {
            #expect(entry.count == 1)
            if case .failure(let error) = entry.output { #expect(error == .transformReleased, "request \(context)") }
        }
    }

    /// `body` gets an input whose first page is readable and whose second page faults, so the kernel has queued
    /// the first page when `sendmsg` fails mid-request.
    static func withFaultingInput(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let raw = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        let map = try #require(raw == UnsafeMutableRawPointer(bitPattern: -1) ? nil : raw)
        defer { munmap(map, 2 * page) }
        #expect(mprotect(map + page, page, PROT_NONE) == 0)
        try body(UnsafeRawBufferPointer(start: map, count: 2 * page))
    }

    /// A synchronous request that fails after the kernel queued part of its data does not spoil the next one.
    @Test func syncRequestAfterMidRequestFailure() throws {
        try requireAFALG()
        let tfm = try Conformance.makeTransform("ctr(aes)", .kernel, key: Self.keys[0])
        let reference = try Conformance.makeTransform("ctr(aes)", .software, key: Self.keys[0])
            .encrypt(Self.plain, iv: Self.iv)
        try Self.withFaultingInput { input in
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 16)
            defer { output.deallocate() }
            for attempt in 0..<4 {
                _ = Self.iv.withUnsafeBytes { iv in
                    #expect(throws: KernelCipherError.self, "attempt \(attempt)") {
                        try tfm.encrypt(input, into: output, iv: iv)
                    }
                }
                do {
                    #expect(try tfm.encrypt(Self.plain, iv: Self.iv) == reference, "attempt \(attempt): the next request")
                } catch {
                    Issue.record("attempt \(attempt): the next request failed: \(error)")
                }
            }
        }
    }

    /// A callback request that fails mid-request does not spoil the next one on the transform, in both modes.
    @Test(arguments: modes) func callbackRequestAfterMidRequestFailure(mode: CompletionMode) throws {
        try requireAFALG()
        let tfm = try Conformance.makeTransform("ctr(aes)", .kernel, key: Self.keys[0],
                                                options: .init(maxInFlight: 1, completionMode: mode))
        let reference = try Conformance.makeTransform("ctr(aes)", .software, key: Self.keys[0])
            .encrypt(Self.plain, iv: Self.iv)
        try Self.withFaultingInput { input in
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 16)
            defer { output.deallocate() }
            let collector = RequestConformance.Collector()
            for attempt in 0..<4 {
                try CipherRequest(transform: tfm, input: input, output: output, iv: Self.iv, context: 2 * attempt) {
                    request, result in collector.record(request.context, result)
                }.encrypt()
                try CipherRequest(transform: tfm, input: Self.plain, iv: Self.iv, context: 2 * attempt + 1) {
                    request, result in collector.record(request.context, result)
                }.encrypt()
                collector.wait(for: 2, timeout: 60)
            }
            let table = collector.calls.withLock { $0 }
            for attempt in 0..<4 {
                if case .success = table[2 * attempt]?.output { Issue.record("attempt \(attempt): faulting input succeeded") }
                #expect((try? table[2 * attempt + 1]?.output.get()) == reference, "attempt \(attempt): the next request")
            }
        }
    }
}
