import Foundation
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// Request / completion / async checks shared by the software and kernel suites.
enum RequestConformance {
    /// Collects completions: per context, how often it was called and the output. Completion threads record
    /// under a pthread mutex (`LockedValue`): ThreadSanitizer cannot see `Synchronization.Mutex`'s contended
    /// hand-over (a kernel PI futex), so with `Mutex` every sanitizer run reported this table as racing.
    final class Collector: Sendable {
        let calls = LockedValue<[Int: (count: Int, output: Result<[UInt8], KernelCipherError>)]>([:])
        let done = DispatchSemaphore(value: 0)
        func record(_ context: Int, _ result: Result<[UInt8], KernelCipherError>) {
            calls.withLock { table in
                let previous = table[context]?.count ?? 0
                table[context] = (previous + 1, result)
            }
            done.signal()
        }
        /// Waits for `n` completions; a completion that never comes fails the test instead of hanging it.
        func wait(for n: Int, timeout: Double = 300, sourceLocation: SourceLocation = #_sourceLocation) {
            for received in 0..<n where done.wait(timeout: .now() + timeout) == .timedOut {
                Issue.record("only \(received) of \(n) completions within \(Int(timeout)) s", sourceLocation: sourceLocation)
                return
            }
        }
    }

    /// Many requests from many threads on one transform: every callback once, right context, right output.
    static func parallelStress(_ engine: EnginePreference, _ mode: CompletionMode = .automatic, requests: Int, threads: Int) throws {
        let key = (0..<16).map { UInt8($0 * 3) }
        // A backlog as deep as the whole run: on a loaded machine the submitters can get far ahead of the workers.
        let tfm = try Conformance.makeTransform("cbc(aes)", engine, key: key,
                                                options: .init(backlogLimit: requests, completionMode: mode))
        Conformance.expectMode(tfm, mode)
        let reference = try Conformance.makeTransform("cbc(aes)", .software, key: key)
        let collector = Collector()
        @Sendable func inputs(_ i: Int) -> (data: [UInt8], iv: [UInt8]) {
            let data = (0..<(16 * (1 + i % 8))).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            let iv = (0..<16).map { UInt8(truncatingIfNeeded: i >> ($0 % 4 * 8)) }
            return (data, iv)
        }
        let accepted = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in stride(from: t, to: requests, by: threads) {
                let (data, iv) = inputs(i)
                let request = CipherRequest(transform: tfm, input: data, iv: iv, context: i) { request, result in
                    collector.record(request.context, result)
                }
                do {
                    try request.encrypt()
                    accepted.add(1, ordering: .relaxed)
                } catch { Issue.record("submit \(i): \(error)") }
            }
        }
        // Only accepted requests complete; a refused one is already recorded above and must not hang the wait.
        collector.wait(for: accepted.load(ordering: .relaxed))
        let table = collector.calls.withLock { $0 }
        #expect(table.count == requests)
        for i in 0..<requests {
            guard let entry = table[i] else { Issue.record("no completion for \(i)"); continue }
            #expect(entry.count == 1, "context \(i) completed \(entry.count) times")
            let (data, iv) = inputs(i)
            #expect(try entry.output.get() == reference.encrypt(data, iv: iv), "context \(i)")
        }
        tfm.release()
    }

    /// Without `.mayBacklog`, a full transform refuses with `.busy`; with it, requests wait, also past the limit.
    static func busyAndBacklog(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) throws {
        let options = TransformOptions(maxInFlight: 1, backlogLimit: 2, completionMode: mode)
        let tfm = try Conformance.makeTransform("ctr(aes)", engine, key: [UInt8](repeating: 1, count: 16),
                                                options: options)
        let gate = DispatchSemaphore(value: 0)
        let collector = Collector()
        let big = [UInt8](repeating: 0, count: 1 << 20)
        let iv = [UInt8](repeating: 0, count: 16)
        // The first completion blocks its worker until released, so the transform stays full.
        let started = DispatchSemaphore(value: 0)
        try CipherRequest(transform: tfm, input: big, iv: iv, context: 0) { r, result in
            started.signal(); gate.wait(); collector.record(r.context, result)
        }.encrypt()
        started.wait()
        try CipherRequest(transform: tfm, input: big, iv: iv, context: 1) { r, res in collector.record(r.context, res) }.encrypt()
        #expect(throws: KernelCipherError.busy) {
            try CipherRequest(transform: tfm, input: big, iv: iv, context: 2, flags: []) { _, _ in
                Issue.record("a refused request must not complete")
            }.encrypt()
        }
        try CipherRequest(transform: tfm, input: big, iv: iv, context: 3) { r, res in collector.record(r.context, res) }.encrypt()
        let overLimit = try CipherRequest(transform: tfm, input: big, iv: iv, context: 4) { r, res in
            collector.record(r.context, res)
        }.encrypt()
        #expect(overLimit == .backlogged, "past the backlog limit a .mayBacklog request is accepted and reported")
        gate.signal()
        collector.wait(for: 4)
        let table = collector.calls.withLock { $0 }
        #expect(Set(table.keys) == [0, 1, 3, 4])
        #expect(table.values.allSatisfy { $0.count == 1 && (try? $0.output.get().count) == big.count })
    }

    /// Releasing fails queued requests with `.transformReleased`, each exactly once.
    static func releaseFailsQueued(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) throws {
        let tfm = try Conformance.makeTransform("ctr(aes)", engine, key: [UInt8](repeating: 2, count: 16),
                                                options: .init(maxInFlight: 1, completionMode: mode))
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let collector = Collector()
        let iv = [UInt8](repeating: 0, count: 16)
        try CipherRequest(transform: tfm, input: [UInt8](repeating: 0, count: 64), iv: iv, context: 0) { r, res in
            started.signal(); gate.wait(); collector.record(r.context, res)
        }.encrypt()
        for i in 1...5 {
            try CipherRequest(transform: tfm, input: [UInt8](repeating: 0, count: 64), iv: iv, context: i) { r, res in
                collector.record(r.context, res)
            }.encrypt()
        }
        started.wait()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { gate.signal() }
        tfm.release()
        collector.wait(for: 6)
        let table = collector.calls.withLock { $0 }
        #expect(table.count == 6 && table.values.allSatisfy { $0.count == 1 })
        #expect((try? table[0]!.output.get())?.count == 64)
        let released = (1...5).filter {
            if case .failure(.transformReleased) = table[$0]!.output { return true } else { return false }
        }
        #expect(released.count == 5, "queued requests end with transformReleased")
        #expect(throws: KernelCipherError.transformReleased) {
            try CipherRequest(transform: tfm, input: [UInt8](), iv: iv, context: 9) { _, _ in }.encrypt()
        }
    }

    /// Caller-supplied memory, in place: no copy, same bytes as the allocating form.
    static func callerBuffers(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) throws {
        let key = [UInt8](repeating: 4, count: 32), iv = [UInt8](repeating: 5, count: 16)
        let tfm = try Conformance.makeTransform("cbc(aes)", engine, key: key, options: .init(completionMode: mode))
        let plain = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0) }
        let expected = try tfm.encrypt(plain, iv: iv)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count, alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: plain)
        let collector = Collector()
        try CipherRequest(transform: tfm, input: UnsafeRawBufferPointer(buffer), output: buffer, iv: iv, context: 1) {
            r, res in collector.record(r.context, res)
        }.encrypt()
        collector.wait(for: 1)
        #expect((try? collector.calls.withLock { $0[1]!.output }.get()) == [])
        #expect(Array(buffer) == expected)
        #expect(CipherRequest(transform: tfm, input: [UInt8](), iv: iv, context: 0) { _, _ in }.transform === tfm)
    }

    /// async forms: inline and offloaded sizes agree with sync; cancellation before start ends with `.cancelled`.
    static func asyncForms(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) async throws {
        let key = [UInt8](repeating: 6, count: 16), iv = [UInt8](repeating: 7, count: 16)
        let tfm = try Conformance.makeTransform("ctr(aes)", engine, key: key,
                                                options: .init(maxInFlight: 2, asyncInlineLimit: 1024, completionMode: mode))
        for size in [0, 16, 1000, 4096, 1 << 20] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let viaAsync = try await tfm.encrypt(data, iv: iv)
            let viaSync: [UInt8] = try { try tfm.encrypt(data, iv: iv) }()
            #expect(viaAsync == viaSync, "\(size) bytes")
            #expect(try await tfm.decrypt(viaAsync, iv: iv) == data)
        }
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    let data = [UInt8](repeating: UInt8(i), count: 4096 + i)
                    return try await tfm.decrypt(try await tfm.encrypt(data, iv: iv), iv: iv) == data
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })

        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await tfm.encrypt([UInt8](repeating: 0, count: 1 << 20), iv: iv)
        }
        await #expect(throws: KernelCipherError.cancelled) { try await cancelled.value }
    }

    /// fds come back to where they started after many requests and releases.
    static func descriptorHygiene(_ engine: EnginePreference, _ mode: CompletionMode = .automatic, requests: Int) throws {
        let before = Conformance.openDescriptorCount()
        for _ in 0..<3 {
            let tfm = try Conformance.makeTransform("cbc(aes)", engine, key: [UInt8](repeating: 8, count: 16),
                                                    options: .init(backlogLimit: requests, completionMode: mode))
            let collector = Collector()
            for i in 0..<requests / 3 {
                try CipherRequest(transform: tfm, input: [UInt8](repeating: 1, count: 16), iv: [UInt8](repeating: 0, count: 16),
                            context: i) { r, res in collector.record(r.context, res) }.encrypt()
            }
            collector.wait(for: requests / 3)
            for _ in 0..<100 { _ = try tfm.encrypt([UInt8](repeating: 1, count: 32), iv: [UInt8](repeating: 0, count: 16)) }
            // The count sees the kernel engine's own sockets (its transform socket at least) and none of the software engine.
            let during = Conformance.openDescriptorCount()
            #expect(engine == .kernel ? during > before : during == before, "\(during) AF_ALG sockets open while in use")
            tfm.release()
        }
        // Counts AF_ALG sockets only: the kernel engine closes its op sockets when a request completes, and the
        // transform socket on release, so the count is exact at once.
        let after = Conformance.openDescriptorCount()
        #expect(after <= before, "sockets: \(after) open against \(before) before")
    }
}
