import Foundation
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// `.mayBacklog` past the backlog limit (issue 10 item 7), shared by the software suite and the AFALG suite.
enum BacklogConformance {
    /// With one op slot held by a blocked completion and a backlog limit of 2, `.mayBacklog` requests far past
    /// the limit are all accepted and all complete; a completion that submits the next request while the backlog
    /// is full is accepted too (no `.busy`, no deadlock); without the flag, `.busy` stays.
    static func neverBusyWithMayBacklog(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) throws {
        let tfm = try Conformance.makeTransform("ctr(aes)", engine, key: [UInt8](repeating: 3, count: 16),
                                                options: .init(maxInFlight: 1, backlogLimit: 2, completionMode: mode))
        defer { tfm.release() }
        let iv = [UInt8](repeating: 0, count: 16), data = [UInt8](repeating: 0x5A, count: 4096)
        let expected = try Conformance.makeTransform("ctr(aes)", .software, key: [UInt8](repeating: 3, count: 16))
            .encrypt(data, iv: iv)
        let collector = RequestConformance.Collector()
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let refused = Atomic<Int>(0)
        try CipherRequest(transform: tfm, input: data, iv: iv, context: 0) { r, result in
            started.signal(); gate.wait(); collector.record(r.context, result)
        }.encrypt()
        started.wait()
        // The slot is held: 1…12 wait in the backlog, 3…12 past its limit of 2.
        let flooded = 12, chained = 50
        for i in 1...flooded {
            do {
                let request = CipherRequest(transform: tfm, input: data, iv: iv, context: i) { r, result in
                    collector.record(r.context, result)
                }
                try request.encrypt()
            } catch {
                Issue.record("request \(i) with .mayBacklog refused: \(error)")
                refused.add(1, ordering: .relaxed)
                collector.done.signal()  // counted as delivered, so the wait below does not hang on it
            }
        }
        #expect(throws: KernelCipherError.busy, "without .mayBacklog a full transform still refuses") {
            try CipherRequest(transform: tfm, input: data, iv: iv, context: -1, flags: []) { _, _ in
                Issue.record("a refused request must not complete")
            }.encrypt()
        }
        // A chain: each completion submits the next request while the backlog is still over its limit.
        @Sendable func submitChained(_ i: Int) {
            guard i < 100 + chained else { return }
            let request = CipherRequest(transform: tfm, input: data, iv: iv, context: i) { r, result in
                collector.record(r.context, result)
                submitChained(r.context + 1)
            }
            do { try request.encrypt() } catch {
                refused.add(1, ordering: .relaxed)
                print("BACKLOG chained request \(i) refused: \(error)")
                // The chain ends here: count the rest as delivered, so the wait below does not hang on them.
                for _ in i..<100 + chained { collector.done.signal() }
            }
        }
        submitChained(100)
        gate.signal()
        collector.wait(for: 1 + flooded + chained, timeout: 60)
        let refusedCount = refused.load(ordering: .relaxed)
        #expect(refusedCount == 0, "\(refusedCount) .mayBacklog requests refused")
        let table = collector.calls.withLock { $0 }
        #expect(table.count == 1 + flooded + chained, "every accepted request completed")
        #expect(table.values.allSatisfy { $0.count == 1 && (try? $0.output.get()) == expected })
    }

    /// The status tells the caller where its request went: `.inProgress` within the limit, `.backlogged` past it.
    static func statusReportsBacklog(_ engine: EnginePreference, _ mode: CompletionMode = .automatic) throws {
        let tfm = try Conformance.makeTransform("ctr(aes)", engine, key: [UInt8](repeating: 3, count: 16),
                                                options: .init(maxInFlight: 1, backlogLimit: 2, completionMode: mode))
        defer { tfm.release() }
        let iv = [UInt8](repeating: 0, count: 16), data = [UInt8](repeating: 1, count: 64)
        let collector = RequestConformance.Collector()
        let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let first = try CipherRequest(transform: tfm, input: data, iv: iv, context: 0) { r, result in
            started.signal(); gate.wait(); collector.record(r.context, result)
        }.encrypt()
        #expect(first == .inProgress)
        started.wait()
        var statuses: [RequestStatus] = []
        for i in 1...4 {
            statuses.append(try CipherRequest(transform: tfm, input: data, iv: iv, context: i) { r, result in
                collector.record(r.context, result)
            }.encrypt())
        }
        #expect(statuses == [.inProgress, .inProgress, .backlogged, .backlogged])
        gate.signal()
        collector.wait(for: 5)
        #expect(collector.calls.withLock { $0.count } == 5)
    }
}
